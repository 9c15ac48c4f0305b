// CompactRange: the right edge ("frontier") of a growing log, enough to
// append leaves and compute the root without the rest of the tree.
//
// For a tree of `size` leaves the frontier is the list of the largest
// complete subtrees that cover [0, size): one per set bit of size, largest
// (leftmost) first (FrontierNodes(size) in proof_nodes.h names them). An
// append merges equal-sized subtrees at the right end, like a binary counter,
// and reports each subtree it completes so storage can persist it; the root
// folds the frontier from the right.
//
// Thread-compatible: one thread at a time may modify a CompactRange; const
// methods may run concurrently with each other.
#ifndef KEYTRAIL_CORE_MERKLE_COMPACT_RANGE_H_
#define KEYTRAIL_CORE_MERKLE_COMPACT_RANGE_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "core/crypto/sha256.h"
#include "core/merkle/hash_source.h"
#include "core/merkle/node_id.h"

namespace keytrail {
namespace merkle {

class CompactRange {
 public:
  // Called with each complete subtree an append completes, lowest level
  // first: the new leaf itself (level 0), then every parent the leaf
  // completes. Across all appends each complete node is reported exactly once.
  using NodeCallback = std::function<void(NodeId, const Hash&)>;

  // The empty range (size 0).
  CompactRange();
  // A copy is independent of the original and, like it, has the frontier's
  // full capacity reserved (a plain vector copy would not).
  CompactRange(const CompactRange& other);
  CompactRange& operator=(const CompactRange& other) = default;
  CompactRange(CompactRange&& other) = default;
  CompactRange& operator=(CompactRange&& other) = default;

  // Restores a range of `size` leaves from its frontier hashes (as hashes()
  // returned them, largest subtree first). InvalidArgument if hashes.size()
  // is not the number of set bits of size.
  static absl::StatusOr<CompactRange> FromHashes(uint64_t size, std::vector<Hash> hashes);

  // Restores the range of `size` leaves by fetching its frontier nodes from
  // `source`. Returns the source's error unchanged if it fails, Internal if
  // it returns the wrong number of hashes.
  static absl::StatusOr<CompactRange> Load(uint64_t size, HashSource& source);

  // Appends the leaf with hash `leaf_hash` (HashLeaf of its data). Calls
  // `on_node_completed`, if set, as described at NodeCallback, before
  // returning. REQUIRES: size() < 2^64 - 1. Allocates nothing: the frontier
  // has room for 64 hashes reserved from the start (the callback's own
  // allocations, if any, are its business).
  void Append(const Hash& leaf_hash, const NodeCallback& on_node_completed = nullptr);

  // The RFC 6962 root of the tree of leaves [0, size()); EmptyRoot() for 0.
  Hash Root() const;

  uint64_t size() const { return size_; }

  // The frontier: one hash per set bit of size(), largest subtree first.
  const std::vector<Hash>& hashes() const { return hashes_; }

 private:
  CompactRange(uint64_t size, std::vector<Hash> hashes);

  uint64_t size_ = 0;
  std::vector<Hash> hashes_;
};

}  // namespace merkle
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_MERKLE_COMPACT_RANGE_H_
