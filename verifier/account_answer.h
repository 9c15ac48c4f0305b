// What Lookup and History answers share: the log proof, the account's VRF
// index and the map proof, checked in that order.
//
// Pure function: no I/O, no clock (the caller passes now), thread-safe.
#ifndef KEYTRAIL_VERIFIER_ACCOUNT_ANSWER_H_
#define KEYTRAIL_VERIFIER_ACCOUNT_ANSWER_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/sha256.h"
#include "core/map/proof.h"
#include "proto/keytrail.pb.h"
#include "verifier/log_proof.h"
#include "verifier/log_trust.h"

namespace keytrail {
namespace verifier {

struct AccountAnswer {
  VerifiedLog log;
  Hash index{};          // the account's VRF index
  map::MapProof proof;   // decoded, not yet checked against the map root
};

// `log` as VerifyLogProof (log_proof.h) against `last`; `vrf_proof` as
// VerifyAccountIndex (account_index.h); `map_proof` decodes. Returns the
// first failure (InvalidArgument naming the check). `checkpoints` as
// VerifyLogProof's.
absl::StatusOr<AccountAnswer> VerifyAccountAnswer(const LogTrust& trust,
                                                  absl::string_view account,
                                                  const v1::LogProof& log,
                                                  absl::string_view vrf_proof,
                                                  absl::string_view map_proof,
                                                  const TrustedCheckpoint& last,
                                                  uint64_t now_ms,
                                                  CheckpointCache* checkpoints = nullptr);

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_VERIFIER_ACCOUNT_ANSWER_H_
