// What Lookup and History answers share, checked in this order: the log
// proof (log_proof.h), the account's VRF index, and the map proof that the
// checkpoint's epoch map holds the account's head (or nothing at its
// index). docs/PROTOCOL.md, "VRF and account index", "Map proof" and steps
// 4-5 of "What a Lookup answer proves".
//
// Pure functions: no I/O, no clock (the caller passes now), thread-safe.
#ifndef KEYTRAIL_VERIFIER_ACCOUNT_PROOF_H_
#define KEYTRAIL_VERIFIER_ACCOUNT_PROOF_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/sha256.h"
#include "core/map/proof.h"
#include "proto/keytrail.pb.h"
#include "verifier/log_proof.h"
#include "verifier/log_trust.h"

namespace keytrail {
namespace verifier {

// ---- The account's map index ----

// The index y = VRF output for alpha = `account` (its raw bytes), when
// `vrf_proof` verifies under trust.vrf_key. InvalidArgument:
//   "account id: ..."  the account is not 1..256 bytes (no log holds it);
//   "vrf proof: ..."   the proof is malformed or is not a proof for this
//                      account under this key.
absl::StatusOr<Hash> VerifyAccountIndex(const LogTrust& trust, absl::string_view account,
                                        absl::string_view vrf_proof);

// ---- The map proof ----

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

// ---- The whole shared part of an answer ----

struct AccountAnswer {
  VerifiedLog log;
  Hash index{};         // the account's VRF index
  map::MapProof proof;  // decoded, not yet checked against the map root
};

// `log` as VerifyLogProof (log_proof.h) against `last`; `vrf_proof` as
// VerifyAccountIndex (above); `map_proof` decodes. Returns the
// first failure (InvalidArgument naming the check). `checkpoints` as
// VerifyLogProof's.
absl::StatusOr<AccountAnswer> VerifyAccountAnswer(const LogTrust& trust, absl::string_view account,
                                                  const v1::LogProof& log,
                                                  absl::string_view vrf_proof,
                                                  absl::string_view map_proof,
                                                  const TrustedCheckpoint& last, uint64_t now_ms,
                                                  CheckpointCache* checkpoints = nullptr);

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_VERIFIER_ACCOUNT_PROOF_H_
