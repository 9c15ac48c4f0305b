#include "testing/curl.h"

#include <atomic>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/util/file.h"
#include "testing/process.h"

namespace keytrail::test {

absl::StatusOr<CurlResponse> Curl(const std::string& url,
                                  const std::vector<std::string>& extra_args) {
  static std::atomic<int> calls{0};
  const std::string base = absl::StrCat(TempDir("curl"), "/", calls.fetch_add(1));
  std::vector<std::string> args = {"-s", "--path-as-is", "-D",         base + ".headers",
                                   "-o", base + ".body", "--max-time", "20"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  args.push_back(url);
  auto rc = RunProgram("/usr/bin/curl", args, base + ".log");
  if (!rc.ok()) return rc.status();
  if (*rc != 0) return absl::UnavailableError(absl::StrCat("curl ", url, " exited ", *rc));
  CurlResponse out;
  auto headers = ReadFileToString(base + ".headers", 1 << 20);
  if (!headers.ok()) return headers.status();
  auto body = ReadFileToString(base + ".body", 64 << 20);
  out.body = body.ok() ? *body : "";  // HEAD: no body file
  // The last response's headers (after any 100 Continue).
  for (absl::string_view line : absl::StrSplit(*headers, "\r\n")) {
    if (absl::StartsWith(line, "HTTP/")) {
      out.headers.clear();
      std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
      if (parts.size() < 2 || !absl::SimpleAtoi(parts[1], &out.status)) {
        return absl::InternalError(absl::StrCat("curl: status line \"", line, "\""));
      }
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    out.headers[absl::AsciiStrToLower(line.substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  }
  return out;
}

}  // namespace keytrail::test
