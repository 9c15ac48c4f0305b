#include "verifier/account_answer.h"

#include "verifier/account_index.h"

namespace keytrail {
namespace verifier {

absl::StatusOr<AccountAnswer> VerifyAccountAnswer(const LogTrust& trust,
                                                  absl::string_view account,
                                                  const v1::LogProof& log,
                                                  absl::string_view vrf_proof,
                                                  absl::string_view map_proof,
                                                  const TrustedCheckpoint& last,
                                                  uint64_t now_ms,
                                                  CheckpointCache* checkpoints) {
  AccountAnswer out;
  auto verified = VerifyLogProof(trust, log, last, now_ms, checkpoints);
  if (!verified.ok()) return verified.status();
  out.log = *std::move(verified);
  auto index = VerifyAccountIndex(trust, account, vrf_proof);
  if (!index.ok()) return index.status();
  out.index = *index;
  auto proof = map::DecodeMapProof(map_proof);  // "map proof: ..."
  if (!proof.ok()) return proof.status();
  out.proof = *std::move(proof);
  return out;
}

}  // namespace verifier
}  // namespace keytrail
