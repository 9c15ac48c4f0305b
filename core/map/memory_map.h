// MemoryMap: the map of docs/PROTOCOL.md held in memory, leaves sorted by
// index. It computes roots and proofs straight from the definition (each
// Root() or Prove() hashes the whole tree, O(n) hashes), which makes it the
// reference that stored maps are tested against.
//
// The static helpers work on any sorted span of leaves, so a map that keeps
// its leaves elsewhere can hash and prove over a range it has loaded.
//
// Thread safety: thread-compatible. Const methods may run concurrently; Set()
// needs exclusive access.
#ifndef KEYTRAIL_CORE_MAP_MEMORY_MAP_H_
#define KEYTRAIL_CORE_MAP_MEMORY_MAP_H_

#include <cstddef>
#include <map>
#include <optional>
#include <vector>

#include "absl/types/span.h"
#include "core/crypto/sha256.h"
#include "core/map/hasher.h"
#include "core/map/proof.h"

namespace keytrail {
namespace map {

class MemoryMap {
 public:
  MemoryMap() = default;

  // Inserts `leaf`, or replaces the leaf with the same index.
  void Set(const MapLeaf& leaf);
  // The leaf with `index`, or nullopt if there is none.
  std::optional<MapLeaf> Get(const Hash& index) const;
  size_t size() const { return leaves_.size(); }

  // MapHash(all leaves, 0); EmptyMapHash() for the empty map.
  Hash Root() const;
  // The proof for `index` against Root(): terminal kLeaf if the map holds
  // `index`, otherwise kEmpty or kOtherLeaf. Of the shape the verifier
  // requires, so it verifies against Root().
  MapProof Prove(const Hash& index) const;

  // True iff 0 <= depth <= 256, the indexes strictly increase, and all of
  // them share their first `depth` bits: what a subtree at `depth` of a map
  // looks like in index order.
  static bool IsSortedSubtree(absl::Span<const MapLeaf> leaves, int depth);

  // MapHash(leaves, depth): the hash of the subtree at `depth` that holds
  // exactly `leaves`.
  // REQUIRES: IsSortedSubtree(leaves, depth). Checked in O(n); a violation
  // aborts, so callers holding leaves of doubtful origin (read back from
  // storage) check IsSortedSubtree first and report DataLoss themselves.
  static Hash SubtreeHash(absl::Span<const MapLeaf> sorted_leaves_sharing_prefix, int depth);
  // The proof for `index` in the map made of exactly `sorted_leaves`.
  // REQUIRES (checked as for SubtreeHash): IsSortedSubtree(sorted_leaves, 0).
  static MapProof ProveSorted(absl::Span<const MapLeaf> sorted_leaves, const Hash& index);

 private:
  // The leaves in index order (std::array compares bytewise, which is the
  // order of the bit paths). The hashing helpers take a sorted span, so
  // Root() and Prove() copy the leaves into a vector first: O(n) copying,
  // small next to the O(n) hashes they do anyway.
  std::vector<MapLeaf> SortedLeaves() const;

  std::map<Hash, MapLeaf> leaves_;
};

}  // namespace map
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_MAP_MEMORY_MAP_H_
