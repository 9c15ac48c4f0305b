#include "core/tiles/tile_store.h"

namespace keytrail {
namespace tiles {

bool IsRetryable(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kAborted:
      return true;
    default:
      return false;
  }
}

}  // namespace tiles
}  // namespace keytrail
