// Builds RFC 9162 inclusion and consistency proofs, and past roots, from the
// complete subtrees a HashSource stores. Which nodes a proof needs comes from
// proof_nodes.h; this layer fetches them (one GetNodes call per proof) and
// rehashes the ephemeral node, if any.
//
// Every function returns, on failure:
//   - InvalidArgument for sizes that name no proof (below),
//   - the HashSource's own status, unchanged, when GetNodes fails,
//   - Internal when GetNodes returns the wrong number of hashes.
// Thread safety: as the HashSource's; the functions keep no state.
#ifndef KEYTRAIL_CORE_MERKLE_PROOF_BUILDER_H_
#define KEYTRAIL_CORE_MERKLE_PROOF_BUILDER_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "core/crypto/sha256.h"
#include "core/merkle/hash_source.h"  // HashSource, for users of this header
#include "core/merkle/proof_nodes.h"

namespace keytrail {
namespace merkle {

// The inclusion proof of leaf `index` in the tree of `size` leaves, from the
// leaf's sibling up (RFC 9162 2.1.3.1). InvalidArgument if index >= size.
absl::StatusOr<std::vector<Hash>> BuildInclusionProof(uint64_t index, uint64_t size,
                                                      HashSource& source);

// The consistency proof from the tree of size1 leaves to the tree of size2
// leaves (RFC 9162 2.1.4.1). Empty when size1 == size2 (the source is not
// called). InvalidArgument if size1 > size2 or size1 == 0 (see
// ConsistencyProofNodes in proof_nodes.h for why).
absl::StatusOr<std::vector<Hash>> BuildConsistencyProof(uint64_t size1, uint64_t size2,
                                                        HashSource& source);

// The root of the tree of `size` leaves, from its frontier nodes.
// EmptyRoot() for size 0 (the source is not called).
absl::StatusOr<Hash> RootAt(uint64_t size, HashSource& source);

// Turns the hashes of nodes.ids, in that order, into the finished proof by
// folding the ephemeral range into one element. For storage that fetches the
// nodes itself (e.g. many proofs in one batch). Internal if hashes.size() !=
// nodes.ids.size().
absl::StatusOr<std::vector<Hash>> AssembleProof(const ProofNodes& nodes, std::vector<Hash> hashes);

}  // namespace merkle
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_MERKLE_PROOF_BUILDER_H_
