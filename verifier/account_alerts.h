// The account alerts (docs/VERIFIER.md, alerts 1-4): what one newly verified
// version of an account means for the user, given what the library stored.
// Each alert's evidence is the answer as received (the serialized
// LookupResponse or HistoryResponse that proved the version).
//
// Pure functions; thread-safe.
#ifndef KEYTRAIL_VERIFIER_ACCOUNT_ALERTS_H_
#define KEYTRAIL_VERIFIER_ACCOUNT_ALERTS_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "proto/verifier_state.pb.h"
#include "verifier/account_version.h"
#include "verifier/alert.h"

namespace keytrail {
namespace verifier {

// Self-monitoring: kUnenrolledDevice when `version` holds a device (id and
// key) that is not among own.enrolled.
std::vector<Alert> OwnVersionAlerts(const vstate::OwnAccount& own, const AccountState& version,
                                    absl::string_view evidence);

// Contact monitoring of `version`, the version after `previous_key_set` (the
// canonical key set the library last verified; empty when it knew none):
//   verified contact with an account key: kIdentityChanged when the version
//     has no account key or another one; else kUnsignedKeySet when its
//     signatures do not verify under it;
//   verified contact without one: kIdentityChanged when the key set differs
//     from the verified key set;
//   unverified contact: kUnsignedKeySet when the key set has an account key
//     that did not sign it; kKeySetChanged when the key set differs from
//     `previous_key_set` (and there was one).
std::vector<Alert> ContactVersionAlerts(const vstate::Contact& contact,
                                        absl::string_view previous_key_set,
                                        const AccountState& version, absl::string_view evidence);

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_VERIFIER_ACCOUNT_ALERTS_H_
