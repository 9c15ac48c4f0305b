// Verification of RFC 9162 inclusion and consistency proofs (sections
// 2.1.3.2 and 2.1.4.2), for clients that hold only a trusted root.
//
// Each function checks the proof's shape from the sizes first (index < size,
// size1 <= size2, the exact proof length) and hashes only proofs of the
// right length, then recomputes the root(s) and compares. Every failure is
// InvalidArgument with a message naming what failed, e.g.
// "inclusion proof: wrong proof size 3, want 5": a proof that does not
// verify is bad input from a peer, never an internal error.
//
// Pure functions; thread-safe. Proof hashes are not secret, so comparisons
// are ordinary ones.
#ifndef KEYTRAIL_CORE_MERKLE_VERIFY_H_
#define KEYTRAIL_CORE_MERKLE_VERIFY_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/crypto/sha256.h"
#include "core/merkle/hash_list.h"  // DecodeHashList: proofs arrive as bytes

namespace keytrail {
namespace merkle {

// The root that `proof` implies for leaf `index` (with hash leaf_hash =
// HashLeaf(data)) in a tree of `size` leaves. It means nothing until compared
// with a trusted root; VerifyInclusion does that. InvalidArgument if
// index >= size (so always for the empty tree) or proof.size() is not the
// length such a proof has.
absl::StatusOr<Hash> RootFromInclusionProof(uint64_t index, uint64_t size, const Hash& leaf_hash,
                                            absl::Span<const Hash> proof);

// OK iff `proof` shows that the leaf with hash leaf_hash is leaf `index` of
// the tree of `size` leaves whose root is `root`. InvalidArgument as for
// RootFromInclusionProof, or if the computed root differs from `root`.
absl::Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                             absl::Span<const Hash> proof, const Hash& root);

// OK iff `proof` shows that the tree of size2 leaves with root root2 extends
// the tree of size1 leaves with root root1 (same first size1 leaves).
//   - size1 == size2: OK iff the proof is empty and root1 == root2 (RFC 9162:
//     the proof between equal sizes is empty).
//   - InvalidArgument if size1 > size2, or size1 == 0 (keytrail treats the
//     empty tree as having no consistency proof, as the builder does: a
//     client always holds a non-empty checkpoint, and accepting "anything
//     extends the empty tree" would let a caller skip checking root2), or
//     the proof has the wrong length, or either recomputed root differs.
absl::Status VerifyConsistency(uint64_t size1, uint64_t size2, absl::Span<const Hash> proof,
                               const Hash& root1, const Hash& root2);

}  // namespace merkle
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_MERKLE_VERIFY_H_
