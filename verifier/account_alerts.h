// The account alerts (docs/VERIFIER.md, alerts 1-4): what one newly verified
// version of an account means for the user, given what the library stored.
// Each alert's evidence is the answer as received (the serialized
// LookupResponse or HistoryResponse that proved the version).
//
// Pure functions; thread-safe.
#ifndef KEYTRAIL_VERIFIER_ACCOUNT_ALERTS_H_
#define KEYTRAIL_VERIFIER_ACCOUNT_ALERTS_H_

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "proto/verifier_state.pb.h"
#include "verifier/account_version.h"
#include "verifier/alert.h"

namespace keytrail {
namespace verifier {

// The version of the account the library verified before the one being
// judged (version 0 and an empty key set when it knew none). Its key set,
// when its account key validly signed it, tells which devices of the next
// version that key's signature covered.
struct PreviousVersion {
  uint64_t version = 0;
  absl::string_view key_set;  // canonical encoding
};

// Self-monitoring of `version` of the own account `own` (the version after
// `previous`). The user is the one person who knows every legitimate change
// to their identity, so anything they did not set up is an alert:
//   kUnenrolledDevice  the version holds a device (id and key) that is not
//                      among own.enrolled;
//   kIdentityChanged   own.account_key is set and the version has no account
//                      key (removed: the key set is unsigned, or the account
//                      deactivated) or another one (replaced); or it is not
//                      set and the version has one (added);
//   kUnsignedKeySet    the version carries the enrolled account key but its
//                      signature does not verify; the explanation names the
//                      devices the signature does not cover.
std::vector<Alert> OwnVersionAlerts(const vstate::OwnAccount& own, const PreviousVersion& previous,
                                    const AccountState& version, absl::string_view evidence);

// Contact monitoring of `version`, the version after `previous` (whose key
// set is empty when the library knew none):
//   verified contact with an account key: kIdentityChanged when the version
//     has no account key or another one; else kUnsignedKeySet when its
//     signature does not verify under it;
//   verified contact without one: kIdentityChanged when the key set differs
//     from the verified key set;
//   unverified contact: kUnsignedKeySet when the key set has an account key
//     that did not sign it; kKeySetChanged when the key set differs from
//     `previous.key_set` (and there was one).
// A kUnsignedKeySet explanation names the devices the signature does not
// cover (UncoveredDevices).
std::vector<Alert> ContactVersionAlerts(const vstate::Contact& contact,
                                        const PreviousVersion& previous,
                                        const AccountState& version, absl::string_view evidence);

// The devices of `version` (whose key set has an account key and a
// signature that does not verify) that no valid signature of that key
// covers, as far as the library can tell: those not in `previous` (id and
// key) when the same account key validly signed `previous`; every device
// otherwise. Empty when the devices are exactly those of a validly signed
// `previous`: the signature was then made for another version (an older key
// set republished).
std::vector<std::string> UncoveredDevices(absl::string_view account,
                                          const PreviousVersion& previous,
                                          const AccountState& version);

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_VERIFIER_ACCOUNT_ALERTS_H_
