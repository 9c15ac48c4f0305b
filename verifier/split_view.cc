#include "verifier/split_view.h"

#include <utility>
#include <vector>

#include "core/evidence/evidence.h"
#include "core/evidence/old_root.h"
#include "core/merkle/hash_list.h"
#include "verifier/log_proof.h"

namespace keytrail {
namespace verifier {

std::optional<std::string> SplitViewEvidence(absl::string_view log_vkey, const SignedCheckpoint& a,
                                             const SignedCheckpoint& b,
                                             absl::string_view consistency_proof) {
  const SignedCheckpoint* small = &a;
  const SignedCheckpoint* large = &b;
  if (large->checkpoint.size < small->checkpoint.size) std::swap(small, large);
  evidence::Evidence e;
  e.kind = evidence::EvidenceKind::kSplitView;
  e.log_key = std::string(log_vkey);
  e.checkpoint_a = small->note;
  e.checkpoint_b = large->note;
  if (small->checkpoint.size == large->checkpoint.size) {
    if (small->checkpoint.root == large->checkpoint.root) return std::nullopt;
    return evidence::EncodeEvidence(e);
  }
  if (small->checkpoint.size == 0) return std::nullopt;
  auto proof =
      merkle::DecodeHashList(consistency_proof, kMaxConsistencyProofHashes, "consistency proof");
  if (!proof.ok() || proof->empty()) return std::nullopt;
  auto old_root = evidence::OldRootFromConsistencyProof(
      small->checkpoint.size, large->checkpoint.size, *proof, large->checkpoint.root);
  if (!old_root.ok() || *old_root == small->checkpoint.root) return std::nullopt;
  e.root_a_in_b = *old_root;
  e.consistency_proof = *std::move(proof);
  return evidence::EncodeEvidence(e);
}

}  // namespace verifier
}  // namespace keytrail
