// One HTTP request with the real curl(1), for end-to-end tests of HTTP
// servers (the log server's tiles, nginx in front of them): what any client
// sees, status line, headers and body, with no code shared with the server.
// Test-only; thread-safe (each call uses its own temporary files).
#ifndef KEYTRAIL_TESTING_CURL_H_
#define KEYTRAIL_TESTING_CURL_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace keytrail::test {

struct CurlResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; the last of repeats
  std::string body;
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

// curl -s --path-as-is `extra_args` `url`. Unavailable when curl fails
// (connection refused, ...), naming its exit code.
absl::StatusOr<CurlResponse> Curl(const std::string& url,
                                  const std::vector<std::string>& extra_args = {});

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_CURL_H_
