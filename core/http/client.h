// keytrail::http client: the project's one HTTP client, on libcurl
// (Debian's libcurl4-openssl-dev, the OpenSSL flavour gRPC links, so never
// under --config=boringssl).
//
// Fetch(request) sends one request and returns the final response:
//   OK with {status, headers, body} for any HTTP status (4xx/5xx included:
//     judging them is the caller's business);
//   InvalidArgument for a URL that is not http:// or https://, a bad method,
//     or a header with CR/LF in it (nothing is sent);
//   DeadlineExceeded when the whole exchange (resolve, connect, send,
//     response headers and body) did not finish within `timeout`;
//   ResourceExhausted as soon as the response's headers (all header lines
//     together, of the final response) exceed max_response_header_bytes or
//     its body exceeds max_response_body_bytes (a declared Content-Length
//     over the cap is refused before any body is read); the connection is
//     dropped at once, nothing more is read;
//   Unavailable for every other transport failure (refused, reset, DNS,
//     TLS), with curl's reason.
// Redirects are not followed (a 3xx is returned as it is); only http and
// https are spoken; no compression is negotiated; no proxy from the
// environment is used.
//
// AWS SigV4 (the S3 tile store): with `sigv4` set, libcurl signs the request
// (CURLOPT_AWS_SIGV4, provider "aws:amz:REGION:s3"). Fetch adds the
// x-amz-content-sha256 header (hex SHA-256 of the body) unless the request
// has one: radosgw answers 403 SignatureDoesNotMatch without it. The URL's
// query string must already be sorted by name and percent-encoded (libcurl
// signs it as written).
//
// Thread-safe: every call uses its own curl handle, so calls on different
// threads never wait for each other; no connection is reused between calls.
#ifndef KEYTRAIL_CORE_HTTP_CLIENT_H_
#define KEYTRAIL_CORE_HTTP_CLIENT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace keytrail::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The first value of header `name` (case-insensitive), or nullopt.
std::optional<std::string> FindHeader(const Headers& headers, absl::string_view name);

struct SigV4 {
  std::string provider;  // e.g. "aws:amz:us-east-1:s3"
  std::string access_key;
  std::string secret_key;  // never logged
};

struct Request {
  std::string method = "GET";                  // GET, HEAD, POST, PUT, DELETE
  std::string url;                             // http(s)://host[:port]/path[?query]
  Headers headers;                             // sent as given (plus Content-Type if set below)
  std::string content_type;                    // empty: none sent
  std::string body;                            // sent for POST and PUT (also when empty)
  absl::Duration timeout = absl::Seconds(10);  // total deadline
  size_t max_response_header_bytes = 16 * 1024;
  size_t max_response_body_bytes = 1024 * 1024;
  std::optional<SigV4> sigv4;
};

struct Response {
  int status = 0;
  Headers headers;  // the final response's, names as the server sent them
  std::string body;
  std::optional<std::string> Header(absl::string_view name) const {
    return FindHeader(headers, name);
  }
};

absl::StatusOr<Response> Fetch(const Request& request);

// One response header line as libcurl hands it over ("Name: value\r\n"):
// the name and the value, each without surrounding blanks (the value may be
// empty). nullopt for a status line ("HTTP/..."), the blank line ending the
// headers, a line without ':' or with an empty name. Bytes are kept as they
// are (no decoding). Fuzzed: fuzz/http_header_line_fuzzer.cc.
std::optional<std::pair<std::string, std::string>> ParseHeaderLine(absl::string_view line);

}  // namespace keytrail::http

#endif  // KEYTRAIL_CORE_HTTP_CLIENT_H_
