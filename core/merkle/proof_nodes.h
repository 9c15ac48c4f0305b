// Proof shape: which stored complete subtrees make up an inclusion proof, a
// consistency proof or a root, computed from the sizes alone. No hashing and
// no storage here: proof_builder.h fetches the listed nodes from a HashSource
// and hashes them; verify.h checks proofs against the same lengths.
//
// A proof (RFC 9162 sections 2.1.3, 2.1.4) is a list of node hashes from the
// RFC's tree. Most are complete subtrees, stored as they are. At most one is
// not: when the tree size is not a power of two, the proof may need the hash
// of an incomplete node on the tree's right border (an "ephemeral" node, never
// stored because it changes as leaves are appended). Its hash is rebuilt from
// the complete subtrees that cover the same leaves; ProofNodes lists those
// subtrees in a marked range.
//
// All functions are pure and thread-safe.
#ifndef KEYTRAIL_CORE_MERKLE_PROOF_NODES_H_
#define KEYTRAIL_CORE_MERKLE_PROOF_NODES_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "core/merkle/node_id.h"

namespace keytrail {
namespace merkle {

// The complete subtrees a proof is made from, and how to combine them.
struct ProofNodes {
  // Every node is complete in the tree the proof is for. In proof order,
  // except that ids[ephemeral_begin, ephemeral_end) stand together for ONE
  // proof element (the ephemeral node): they cover adjacent leaf ranges and
  // are listed from the lowest level (rightmost) to the highest (leftmost),
  // so the element's hash is
  //   h = hash(ids[b]); for k in b+1 .. e-1: h = HashChildren(hash(ids[k]), h)
  // The range is empty (begin == end) when no element is ephemeral, and may
  // hold a single node (then the element is that node's hash).
  std::vector<NodeId> ids;
  size_t ephemeral_begin = 0;
  size_t ephemeral_end = 0;

  // The number of hashes in the finished proof.
  size_t ProofSize() const {
    size_t folded = ephemeral_end - ephemeral_begin;
    return ids.size() - folded + (folded > 0 ? 1 : 0);
  }
};

// The nodes of the inclusion proof of leaf `index` in the tree of `size`
// leaves (RFC 9162 2.1.3.1, PATH), siblings from the leaf up to the root.
// InvalidArgument if index >= size (which includes the empty tree).
absl::StatusOr<ProofNodes> InclusionProofNodes(uint64_t index, uint64_t size);

// The nodes of the consistency proof between the trees of size1 and size2
// leaves (RFC 9162 2.1.4.1, PROOF). Empty (no nodes) when size1 == size2, as
// the RFC says. InvalidArgument if size1 > size2, or size1 == 0: every tree
// extends the empty one, so there is nothing to prove, and keytrail clients
// always start from a signed non-empty checkpoint; a caller asking for it has
// a bug worth surfacing.
absl::StatusOr<ProofNodes> ConsistencyProofNodes(uint64_t size1, uint64_t size2);

// The complete subtrees whose hashes make up a compact range over leaves
// [0, size) (its "frontier"): one per set bit of size, largest (leftmost)
// first. They are also what the root of that tree is computed from. Empty
// for size 0.
std::vector<NodeId> FrontierNodes(uint64_t size);

// The lengths the proofs above have, without listing nodes; verifiers check
// a received proof's length against these before hashing anything.
// REQUIRES: index < size; 0 < size1 <= size2.
size_t InclusionProofSize(uint64_t index, uint64_t size);
size_t ConsistencyProofSize(uint64_t size1, uint64_t size2);

}  // namespace merkle
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_MERKLE_PROOF_NODES_H_
