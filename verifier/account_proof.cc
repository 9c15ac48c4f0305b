#include "verifier/account_proof.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/crypto/ecvrf.h"
#include "core/map/hasher.h"
#include "core/protocol/limits.h"
#include "verifier/status_util.h"

namespace keytrail {
namespace verifier {

absl::StatusOr<Hash> VerifyAccountIndex(const LogTrust& trust, absl::string_view account,
                                        absl::string_view vrf_proof) {
  absl::Status s = ValidateAccountId(account);  // "account id: ..."
  if (!s.ok()) return s;
  auto index = trust.vrf_key.Verify(account, vrf_proof);
  if (!index.ok()) return Annotate(index.status(), "vrf proof");
  return *index;
}

absl::Status VerifyAccountInMap(const Hash& map_root, const Hash& index, uint64_t version,
                                const Hash& head, const map::MapProof& proof) {
  if (proof.terminal != map::MapProof::Terminal::kLeaf) {
    return absl::InvalidArgumentError(
        absl::StrCat("map proof: terminal ", static_cast<int>(proof.terminal),
                     " does not prove membership, but the answer gives version ", version));
  }
  // Computed here rather than with VerifyMapMembership so that a malformed
  // proof and a head the map does not hold get different messages.
  const map::MapLeaf leaf{index, version, head};
  auto root = map::MapRootFromProof(index, &leaf, proof);
  if (!root.ok()) return root.status();  // "map proof: ..."
  if (*root != map_root) {
    return absl::InvalidArgumentError(
        absl::StrCat("version ", version, ": computed head ", HashHex(head),
                     " does not match the map: map proof: root mismatch (the key set, opening, "
                     "version, epoch or previous head differ from what the log committed, or the "
                     "proof is for another leaf)"));
  }
  return absl::OkStatus();
}

absl::Status VerifyAccountAbsent(const Hash& map_root, const Hash& index,
                                 const map::MapProof& proof, absl::string_view claim) {
  // Checked before the root so that a hidden account gets its own message.
  if (proof.terminal == map::MapProof::Terminal::kLeaf) {
    return absl::InvalidArgumentError(
        absl::StrCat("map proof: proves the account has a version, but ", claim));
  }
  return map::VerifyMapNonMembership(map_root, index, proof);
}

absl::StatusOr<AccountAnswer> VerifyAccountAnswer(const LogTrust& trust, absl::string_view account,
                                                  const v1::LogProof& log,
                                                  absl::string_view vrf_proof,
                                                  absl::string_view map_proof,
                                                  const TrustedCheckpoint& last, uint64_t now_ms,
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
