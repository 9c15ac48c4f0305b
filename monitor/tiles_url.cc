#include "monitor/tiles_url.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace keytrail::monitor {

absl::StatusOr<std::string> NormalizeTilesUrl(absl::string_view url) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("tiles URL \"", url, "\": ", why));
  };
  absl::string_view rest;
  if (absl::StartsWith(url, "http://")) {
    rest = url.substr(7);
  } else if (absl::StartsWith(url, "https://")) {
    rest = url.substr(8);
  } else {
    return bad("must start with http:// or https://");
  }
  for (char c : url) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return bad("has a blank or control character");
    if (c == '?') return bad("has a query (tiles are found by path alone)");
    if (c == '#') return bad("has a fragment");
    if (c == '@') return bad("has user info (tiles are public: no credentials)");
  }
  if (rest.empty() || rest[0] == '/' || rest[0] == ':') return bad("has no host");
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return std::string(url);
}

}  // namespace keytrail::monitor
