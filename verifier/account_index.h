// The account's map index: the VRF output its proof yields for the account
// under the log's pinned VRF key (docs/PROTOCOL.md, "VRF and account index";
// step 4 of "What a Lookup answer proves").
//
// Pure function; thread-safe.
#ifndef KEYTRAIL_VERIFIER_ACCOUNT_INDEX_H_
#define KEYTRAIL_VERIFIER_ACCOUNT_INDEX_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/sha256.h"
#include "verifier/log_trust.h"

namespace keytrail {
namespace verifier {

// The index y = VRF output for alpha = `account` (its raw bytes), when
// `vrf_proof` verifies under trust.vrf_key. InvalidArgument:
//   "account id: ..."  the account is not 1..256 bytes (no log holds it);
//   "vrf proof: ..."   the proof is malformed or is not a proof for this
//                      account under this key.
absl::StatusOr<Hash> VerifyAccountIndex(const LogTrust& trust, absl::string_view account,
                                        absl::string_view vrf_proof);

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_VERIFIER_ACCOUNT_INDEX_H_
