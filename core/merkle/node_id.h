// NodeId: the name of a complete (perfect) subtree of an RFC 6962 log.
//
// Vocabulary used throughout core/merkle (as in transparency-dev/merkle):
//   - Leaves are numbered 0, 1, 2, ... in append order. A tree of size n
//     holds leaves [0, n) (ranges are half-open [begin, end)).
//   - Level 0 holds the leaves. Node (level, index) is the root of the
//     complete subtree over leaves [index << level, (index + 1) << level).
//     Its children are (level - 1, 2 * index) and (level - 1, 2 * index + 1).
//   - A node is complete in a tree of size n when it ends at or before n.
//     Complete nodes never change once written, so storage keeps only them.
//     The RFC's tree of a size that is not a power of two also has
//     incomplete nodes on its right border; their hashes are recomputed from
//     complete ones when needed (see proof_nodes.h).
//
// Plain value type; thread-compatible.
#ifndef KEYTRAIL_CORE_MERKLE_NODE_ID_H_
#define KEYTRAIL_CORE_MERKLE_NODE_ID_H_

#include <cstdint>
#include <ostream>
#include <string>

namespace keytrail {
namespace merkle {

// Leaves of a log are addressed by uint64_t, so a complete subtree has at most
// 2^63 leaves (a tree of 2^64 leaves cannot be named): levels are 0..63.
constexpr int kMaxLevel = 63;

struct NodeId {
  uint8_t level = 0;
  uint64_t index = 0;

  // The first leaf under this node. REQUIRES: the node exists, i.e.
  // index < 2^(64 - level) (true of every node the functions in core/merkle
  // produce).
  uint64_t begin() const { return index << level; }
  // One past the last leaf under this node, or 0 when that is 2^64 (the last
  // node of its level); callers comparing against a tree size never see that
  // case because a size is at most 2^64 - 1.
  uint64_t end() const { return (index + 1) << level; }

  // True iff the node's leaves all lie in [0, size).
  bool CompleteIn(uint64_t size) const { return level <= kMaxLevel && index < (size >> level); }

  // "(level, index)", for logs and test failures.
  std::string ToString() const;
};

inline bool operator==(const NodeId& a, const NodeId& b) {
  return a.level == b.level && a.index == b.index;
}
inline bool operator!=(const NodeId& a, const NodeId& b) { return !(a == b); }
// Orders by level, then index (for ordered containers).
inline bool operator<(const NodeId& a, const NodeId& b) {
  return a.level != b.level ? a.level < b.level : a.index < b.index;
}

std::ostream& operator<<(std::ostream& os, const NodeId& id);

}  // namespace merkle
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_MERKLE_NODE_ID_H_
