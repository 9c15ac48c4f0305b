#include "core/map/reference.h"

namespace keytrail {
namespace map {
namespace {

// The leaves whose bit `depth` equals `bit`.
std::vector<MapLeaf> WithBit(const std::vector<MapLeaf>& leaves, int depth, bool bit) {
  std::vector<MapLeaf> out;
  for (const MapLeaf& leaf : leaves) {
    if (IndexBit(leaf.index, depth) == bit) out.push_back(leaf);
  }
  return out;
}

}  // namespace

Hash ReferenceMapHash(const std::vector<MapLeaf>& leaves, int depth) {
  if (leaves.empty()) return EmptyMapHash();
  if (leaves.size() == 1) return MapLeafHash(leaves[0]);
  return MapNodeHash(ReferenceMapHash(WithBit(leaves, depth, false), depth + 1),
                     ReferenceMapHash(WithBit(leaves, depth, true), depth + 1));
}

Hash ReferenceMapRoot(const std::vector<MapLeaf>& leaves) { return ReferenceMapHash(leaves, 0); }

MapProof ReferenceMapProof(const std::vector<MapLeaf>& leaves, const Hash& index) {
  MapProof proof;
  std::vector<MapLeaf> subtree = leaves;  // the leaves under the path node
  int depth = 0;
  while (subtree.size() > 1) {
    bool bit = IndexBit(index, depth);
    proof.siblings.push_back(ReferenceMapHash(WithBit(subtree, depth, !bit), depth + 1));
    subtree = WithBit(subtree, depth, bit);
    ++depth;
  }
  if (subtree.empty()) {
    proof.terminal = MapProof::Terminal::kEmpty;
  } else if (subtree[0].index == index) {
    proof.terminal = MapProof::Terminal::kLeaf;
  } else {
    proof.terminal = MapProof::Terminal::kOtherLeaf;
    proof.other_leaf = subtree[0];
  }
  return proof;
}

}  // namespace map
}  // namespace keytrail
