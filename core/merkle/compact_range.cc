#include "core/merkle/compact_range.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/merkle/hasher.h"
#include "core/merkle/proof_nodes.h"

namespace keytrail {
namespace merkle {
namespace {

// A frontier never holds more than one hash per bit of a uint64_t size.
constexpr size_t kMaxFrontier = 64;

}  // namespace

CompactRange::CompactRange() { hashes_.reserve(kMaxFrontier); }

CompactRange::CompactRange(uint64_t size, std::vector<Hash> hashes)
    : size_(size), hashes_(std::move(hashes)) {
  hashes_.reserve(kMaxFrontier);
}

CompactRange::CompactRange(const CompactRange& other) : size_(other.size_) {
  hashes_.reserve(kMaxFrontier);
  hashes_ = other.hashes_;  // fits the reserved capacity: no reallocation
}

absl::StatusOr<CompactRange> CompactRange::FromHashes(uint64_t size, std::vector<Hash> hashes) {
  const size_t want = static_cast<size_t>(__builtin_popcountll(size));
  if (hashes.size() != want) {
    return absl::InvalidArgumentError(
        absl::StrCat("compact range: ", hashes.size(), " hashes for size ", size, ", want ", want));
  }
  return CompactRange(size, std::move(hashes));
}

absl::StatusOr<CompactRange> CompactRange::Load(uint64_t size, HashSource& source) {
  const std::vector<NodeId> ids = FrontierNodes(size);
  if (ids.empty()) return CompactRange();
  absl::StatusOr<std::vector<Hash>> hashes = FetchNodes(source, ids);
  if (!hashes.ok()) return hashes.status();
  return CompactRange(size, *std::move(hashes));
}

void CompactRange::Append(const Hash& leaf_hash, const NodeCallback& on_node_completed) {
  NodeId id{0, size_};
  Hash hash = leaf_hash;
  if (on_node_completed) on_node_completed(id, hash);
  // Each trailing set bit of size_ is a subtree of the new node's size
  // waiting for a right sibling: merge and carry, as in binary addition.
  for (uint64_t carry = size_; carry & 1; carry >>= 1) {
    hash = HashChildren(hashes_.back(), hash);
    hashes_.pop_back();
    id = NodeId{static_cast<uint8_t>(id.level + 1), id.index >> 1};
    if (on_node_completed) on_node_completed(id, hash);
  }
  hashes_.push_back(hash);
  ++size_;
}

Hash CompactRange::Root() const {
  if (hashes_.empty()) return EmptyRoot();
  // The RFC's tree splits off the largest power of two on the left, so the
  // root nests the frontier from the right: H(f0, H(f1, ... H(fk-1, fk))).
  Hash root = hashes_.back();
  for (size_t i = hashes_.size() - 1; i-- > 0;) {
    root = HashChildren(hashes_[i], root);
  }
  return root;
}

}  // namespace merkle
}  // namespace keytrail
