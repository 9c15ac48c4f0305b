// Alerts: what the verifier library tells the app's user (docs/VERIFIER.md,
// "Alerts"). Each is a typed event with a one-sentence explanation in plain
// language and the evidence bytes that back it.
//
// Plain values; the functions are pure and thread-safe.
#ifndef KEYTRAIL_VERIFIER_ALERT_H_
#define KEYTRAIL_VERIFIER_ALERT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace keytrail {
namespace verifier {

// The numbers are stable: the C API and stored app logs use them. Issue 8's
// alert 5 is split four ways (kLogForked .. kLogMissingCosignatures).
enum class AlertKind : int {
  // 1. A device on the user's own account that the user did not enroll.
  kUnenrolledDevice = 1,
  // 2. A verified contact's key set not signed by the contact's verified
  // account key (a device the server added, or a replayed signature); also
  // an unverified contact's, and the own account's under the key the user
  // set up. The explanation names the devices the signature does not cover.
  kUnsignedKeySet = 2,
  // 3. A verified contact's identity changed: account key changed or
  // removed (or, for a contact verified without one, the key set changed);
  // or the own account's key was removed, replaced or added without the
  // user (account is then the user's own).
  kIdentityChanged = 3,
  // 4. An unverified contact's key set changed (informational).
  kKeySetChanged = 4,
  // 5. Two checkpoints the log signed that no append-only log can both
  // have (a split view); evidence in core/evidence's format.
  kLogForked = 5,
  // 6. The log served a smaller tree than one it served before.
  kLogRolledBack = 6,
  // 7. The log's newest epoch is older than the policy allows.
  kLogStale = 7,
  // 8. The checkpoint lacks the cosignatures the policy requires.
  kLogMissingCosignatures = 8,
  // 9. A contact's (or the user's) history does not extend the head the
  // library verified before.
  kHistoryRewritten = 9,
};

// "unenrolled-device", "unsigned-key-set", ... (for logs and bindings).
absl::string_view AlertName(AlertKind kind);

struct Alert {
  AlertKind kind = AlertKind::kKeySetChanged;
  // The account concerned (empty for the log alerts 5-8).
  std::string account;
  // One sentence for the user, e.g. "A device you did not add (\"tablet\")
  // appeared on your account in version 4."
  std::string explanation;
  // The bytes that back it, as documented per kind in docs/VERIFIER.md: the
  // log's answer as received (a serialized LookupResponse or
  // HistoryResponse), a signed checkpoint note, or encoded split-view
  // evidence (core/evidence).
  std::string evidence;
};

// A printable form of an account id for explanations: as is when it is
// printable ASCII, C-escaped otherwise, cut at 64 characters.
std::string PrintableAccount(absl::string_view account);

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_VERIFIER_ALERT_H_
