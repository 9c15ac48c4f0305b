#include "verifier/alert.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace keytrail {
namespace verifier {

absl::string_view AlertName(AlertKind kind) {
  switch (kind) {
    case AlertKind::kUnenrolledDevice:
      return "unenrolled-device";
    case AlertKind::kUnsignedKeySet:
      return "unsigned-key-set";
    case AlertKind::kIdentityChanged:
      return "identity-changed";
    case AlertKind::kKeySetChanged:
      return "key-set-changed";
    case AlertKind::kLogForked:
      return "log-forked";
    case AlertKind::kLogRolledBack:
      return "log-rolled-back";
    case AlertKind::kLogStale:
      return "log-stale";
    case AlertKind::kLogMissingCosignatures:
      return "log-missing-cosignatures";
    case AlertKind::kHistoryRewritten:
      return "history-rewritten";
  }
  return "unknown";
}

std::string PrintableAccount(absl::string_view account) {
  std::string out = absl::CHexEscape(account);
  if (out.size() > 64) out = absl::StrCat(out.substr(0, 61), "...");
  return out;
}

}  // namespace verifier
}  // namespace keytrail
