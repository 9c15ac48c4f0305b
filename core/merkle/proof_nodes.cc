#include "core/merkle/proof_nodes.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace keytrail {
namespace merkle {
namespace {

// x >> n, defined as 0 for n >= 64 (where the C++ shift is undefined).
uint64_t Shr(uint64_t x, unsigned n) { return n >= 64 ? 0 : x >> n; }

// The number of significant bits of x (0 for x == 0).
unsigned BitLength(uint64_t x) {
  return x == 0 ? 0 : 64 - static_cast<unsigned>(__builtin_clzll(x));
}

// Appends to `out` the proof nodes of the path from the complete node
// (level, index) up to the root of the tree of `size` leaves: at every level,
// the sibling of the path's node, if it has one. REQUIRES: the node is
// complete in the tree.
//
// On the tree's right border, a node that is the last of its level and a left
// child has no sibling: the RFC's tree lifts it unchanged to the next level
// (the sizes of left subtrees are powers of two). A sibling that is the last
// of its level and incomplete is the ephemeral node; at most one exists on
// any path, since once the path reaches the right border it stays there.
void AppendPath(unsigned level, uint64_t index, uint64_t size, ProofNodes* out) {
  const uint64_t last_leaf = size - 1;
  for (unsigned l = level; l < 64 && (last_leaf >> l) > 0; ++l) {
    const uint64_t node = index >> (l - level);
    const uint64_t sibling = node ^ 1;
    if (sibling > (last_leaf >> l)) continue;  // lifted; no sibling here
    if (sibling < (size >> l)) {               // complete: stored as it is
      out->ids.push_back(NodeId{static_cast<uint8_t>(l), sibling});
      continue;
    }
    // The ephemeral sibling covers [sibling << l, size): size's low l bits
    // give its width, and each set bit b one complete node, the one ending
    // size's prefix at that bit. Listed lowest level first.
    out->ephemeral_begin = out->ids.size();
    for (unsigned b = 0; b < l; ++b) {
      if ((size >> b) & 1) {
        out->ids.push_back(NodeId{static_cast<uint8_t>(b), (size >> b) - 1});
      }
    }
    out->ephemeral_end = out->ids.size();
  }
}

}  // namespace

absl::StatusOr<ProofNodes> InclusionProofNodes(uint64_t index, uint64_t size) {
  if (index >= size) {
    return absl::InvalidArgumentError(
        absl::StrCat("inclusion proof: index ", index, " is not below tree size ", size));
  }
  ProofNodes nodes;
  nodes.ids.reserve(64);
  AppendPath(0, index, size, &nodes);
  return nodes;
}

absl::StatusOr<ProofNodes> ConsistencyProofNodes(uint64_t size1, uint64_t size2) {
  if (size1 > size2) {
    return absl::InvalidArgumentError(
        absl::StrCat("consistency proof: size1 ", size1, " is greater than size2 ", size2));
  }
  if (size1 == 0) {
    return absl::InvalidArgumentError(
        "consistency proof: size1 is 0 (the empty tree has no proof)");
  }
  ProofNodes nodes;
  if (size1 == size2) return nodes;
  // The largest complete subtree ending at size1 is the one node of the old
  // tree that the new tree also has; the proof is that node followed by its
  // path to the new root. When size1 is a power of two that node is the old
  // root itself, which the verifier already holds, so the RFC leaves it out.
  const unsigned level = static_cast<unsigned>(__builtin_ctzll(size1));
  const uint64_t index = (size1 - 1) >> level;
  nodes.ids.reserve(65);
  if (index != 0) {
    nodes.ids.push_back(NodeId{static_cast<uint8_t>(level), index});
  }
  AppendPath(level, index, size2, &nodes);
  return nodes;
}

std::vector<NodeId> FrontierNodes(uint64_t size) {
  std::vector<NodeId> ids;
  ids.reserve(static_cast<size_t>(__builtin_popcountll(size)));
  for (int b = kMaxLevel; b >= 0; --b) {
    if ((size >> b) & 1) {
      ids.push_back(NodeId{static_cast<uint8_t>(b), (size >> b) - 1});
    }
  }
  return ids;
}

size_t InclusionProofSize(uint64_t index, uint64_t size) {
  // Below the level where the paths of `index` and of the last leaf meet,
  // every node has a sibling; above it the path runs along the right border,
  // where only right children (set bits of the index) have one.
  const unsigned inner = BitLength(index ^ (size - 1));
  return inner + static_cast<size_t>(__builtin_popcountll(Shr(index, inner)));
}

size_t ConsistencyProofSize(uint64_t size1, uint64_t size2) {
  if (size1 == size2) return 0;
  const unsigned level = static_cast<unsigned>(__builtin_ctzll(size1));
  const uint64_t index = (size1 - 1) >> level;
  // The path of node (level, index) has the length of a leaf's path in the
  // tree seen from that level up, which has ((size2 - 1) >> level) + 1 nodes.
  return (index != 0 ? 1 : 0) + InclusionProofSize(index, ((size2 - 1) >> level) + 1);
}

}  // namespace merkle
}  // namespace keytrail
