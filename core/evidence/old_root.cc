#include "core/evidence/old_root.h"

#include "core/merkle/hasher.h"
#include "core/merkle/proof_nodes.h"
#include "core/merkle/verify.h"

namespace keytrail::evidence {

absl::StatusOr<Hash> OldRootFromConsistencyProof(uint64_t size1, uint64_t size2,
                                                 absl::Span<const Hash> proof, const Hash& root2) {
  if (size1 == 0 || size1 >= size2) {
    return absl::InvalidArgumentError("old root: want 0 < size1 < size2");
  }
  if ((size1 & (size1 - 1)) == 0) {
    return absl::InvalidArgumentError(
        "old root: size1 is a power of two, the proof does not carry its root");
  }
  if (proof.size() != merkle::ConsistencyProofSize(size1, size2) || proof.empty()) {
    return absl::InvalidArgumentError("old root: wrong proof size");
  }
  // RFC 9162 2.1.4.2, keeping the first root instead of comparing it.
  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = proof[0];
  Hash sr = proof[0];
  for (const Hash& c : proof.subspan(1)) {
    if (sn == 0) return absl::InvalidArgumentError("old root: wrong proof size");
    if ((fn & 1) || fn == sn) {
      fr = merkle::HashChildren(c, fr);
      sr = merkle::HashChildren(c, sr);
      while (fn != 0 && (fn & 1) == 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = merkle::HashChildren(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return absl::InvalidArgumentError("old root: wrong proof size");
  absl::Status s = merkle::VerifyConsistency(size1, size2, proof, fr, root2);
  if (!s.ok()) return s;
  return fr;
}

}  // namespace keytrail::evidence
