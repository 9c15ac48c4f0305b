#include "core/map/memory_map.h"

#include <algorithm>
#include <cstdlib>

namespace keytrail {
namespace map {
namespace {

using Leaves = absl::Span<const MapLeaf>;

// A precondition violated by the caller: a bug, not bad input.
void CheckSorted(Leaves leaves, int depth) {
  if (!MemoryMap::IsSortedSubtree(leaves, depth)) std::abort();
}

// Where bit `depth` turns from 0 to 1 in leaves that share their first
// `depth` bits and are sorted (the leaves with bit 0 come first).
// REQUIRES: depth < 256.
size_t SplitPoint(Leaves leaves, int depth) {
  auto it = std::partition_point(leaves.begin(), leaves.end(),
                                 [depth](const MapLeaf& l) { return !IndexBit(l.index, depth); });
  return static_cast<size_t>(it - leaves.begin());
}

// MapHash(leaves, depth), preconditions checked by the caller. Two distinct
// indexes differ at some bit < 256, so a span of two or more never reaches
// depth 256 here.
Hash HashSorted(Leaves leaves, int depth) {
  if (leaves.empty()) return EmptyMapHash();
  if (leaves.size() == 1) return MapLeafHash(leaves[0]);
  size_t split = SplitPoint(leaves, depth);
  return MapNodeHash(HashSorted(leaves.subspan(0, split), depth + 1),
                     HashSorted(leaves.subspan(split), depth + 1));
}

}  // namespace

void MemoryMap::Set(const MapLeaf& leaf) { leaves_[leaf.index] = leaf; }

std::optional<MapLeaf> MemoryMap::Get(const Hash& index) const {
  auto it = leaves_.find(index);
  if (it == leaves_.end()) return std::nullopt;
  return it->second;
}

std::vector<MapLeaf> MemoryMap::SortedLeaves() const {
  std::vector<MapLeaf> out;
  out.reserve(leaves_.size());
  for (const auto& [index, leaf] : leaves_) out.push_back(leaf);
  return out;
}

Hash MemoryMap::Root() const { return SubtreeHash(SortedLeaves(), 0); }

MapProof MemoryMap::Prove(const Hash& index) const { return ProveSorted(SortedLeaves(), index); }

bool MemoryMap::IsSortedSubtree(Leaves leaves, int depth) {
  if (depth < 0 || depth > kIndexBits) return false;
  for (size_t i = 1; i < leaves.size(); ++i) {
    if (!(leaves[i - 1].index < leaves[i].index)) return false;
  }
  // Sorted, so all share the first `depth` bits iff the first and last do.
  return leaves.size() < 2 || CommonPrefixBits(leaves.front().index, leaves.back().index) >= depth;
}

Hash MemoryMap::SubtreeHash(Leaves sorted_leaves_sharing_prefix, int depth) {
  CheckSorted(sorted_leaves_sharing_prefix, depth);
  return HashSorted(sorted_leaves_sharing_prefix, depth);
}

MapProof MemoryMap::ProveSorted(Leaves sorted_leaves, const Hash& index) {
  CheckSorted(sorted_leaves, 0);
  MapProof proof;
  // Walk down index's path until the subtree holds at most one leaf.
  Leaves path = sorted_leaves;
  int depth = 0;
  while (path.size() > 1) {
    size_t split = SplitPoint(path, depth);
    Leaves zeros = path.subspan(0, split), ones = path.subspan(split);
    bool bit = IndexBit(index, depth);
    proof.siblings.push_back(HashSorted(bit ? zeros : ones, depth + 1));
    path = bit ? ones : zeros;
    ++depth;
  }
  if (path.empty()) {
    proof.terminal = MapProof::Terminal::kEmpty;
  } else if (path[0].index == index) {
    proof.terminal = MapProof::Terminal::kLeaf;
  } else {
    proof.terminal = MapProof::Terminal::kOtherLeaf;
    proof.other_leaf = path[0];
  }
  return proof;
}

}  // namespace map
}  // namespace keytrail
