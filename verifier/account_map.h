// The last step of an account answer: the map root of the checkpoint's epoch
// holds the account's head, or holds nothing at its index
// (docs/PROTOCOL.md, "Map proof" and step 5 of "What a Lookup answer
// proves").
//
// Pure functions; thread-safe.
#ifndef KEYTRAIL_VERIFIER_ACCOUNT_MAP_H_
#define KEYTRAIL_VERIFIER_ACCOUNT_MAP_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/crypto/sha256.h"
#include "core/map/proof.h"

namespace keytrail {
namespace verifier {

// OK iff `proof` proves that the map with `map_root` holds the leaf
// (index, version, head). InvalidArgument:
//   "map proof: terminal ... does not prove membership"  the proof says the
//                      account is absent;
//   "map proof: ..."   the proof is not shaped as an honest map's;
//   "version N: computed head <hex> does not match the map: map proof: root
//                      mismatch ..."  the proof is well formed but the root
//                      differs: the key set, opening, version, epoch or
//                      previous head the answer gave are not what the log
//                      committed, or the proof is another leaf's or was
//                      altered (without the commitment, which answers do not
//                      carry, these cannot be told apart).
absl::Status VerifyAccountInMap(const Hash& map_root, const Hash& index, uint64_t version,
                                const Hash& head, const map::MapProof& proof);

// OK iff `proof` (terminal 0 or 2) proves that the map with `map_root` holds
// no leaf at `index`, as an answer that gives no version claims; `claim`
// says what the answer gave, for the message. InvalidArgument:
//   "map proof: proves the account has a version, but <claim>"  terminal 1:
//                      the log says the account exists and the answer hid it;
//   "map proof: ..."   bad shape, or root mismatch.
absl::Status VerifyAccountAbsent(const Hash& map_root, const Hash& index,
                                 const map::MapProof& proof, absl::string_view claim);

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_VERIFIER_ACCOUNT_MAP_H_
