// The base URL of a log's public tiles, as a monitor config names it
// (FollowedLog.tiles_url): checked before anything is fetched from it.
// Pure function; thread-safe.
#ifndef KEYTRAIL_MONITOR_TILES_URL_H_
#define KEYTRAIL_MONITOR_TILES_URL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace keytrail::monitor {

// `url` without its trailing '/' when it is http:// or https://, then a
// non-empty host, and has no query ('?'), fragment ('#'), user info ('@'),
// blank or control character. InvalidArgument saying which rule it breaks
// otherwise.
absl::StatusOr<std::string> NormalizeTilesUrl(absl::string_view url);

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_TILES_URL_H_
