#include "core/evidence/partial_map.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace keytrail::evidence {

// kUnknown: nothing proven about this subtree yet (only the root, before any
// proof). kOpaque: only its hash is known (a proof's sibling).
struct PartialMap::Node {
  enum class Kind { kUnknown, kOpaque, kEmpty, kLeaf, kInner };
  Kind kind = Kind::kUnknown;
  Hash hash{};
  map::MapLeaf leaf;
  std::unique_ptr<Node> child[2];
};

namespace {
using Node = PartialMap::Node;
using Kind = Node::Kind;

Hash HashOf(const Node& n) {
  switch (n.kind) {
    case Kind::kEmpty:
      return map::EmptyMapHash();
    case Kind::kLeaf:
      return map::MapLeafHash(n.leaf);
    case Kind::kInner:
      return map::MapNodeHash(HashOf(*n.child[0]), HashOf(*n.child[1]));
    case Kind::kOpaque:
    case Kind::kUnknown:
      break;
  }
  return n.hash;
}

absl::Status Conflict(const Hash& index) {
  (void)index;
  return absl::InvalidArgumentError("partial map: proofs contradict each other");
}

// Sets `n` to a fully described terminal, or checks it agrees.
absl::Status SetTerminal(Node* n, Kind kind, const map::MapLeaf& leaf, const Hash& index) {
  if (n->kind == Kind::kUnknown || n->kind == Kind::kOpaque) {
    n->kind = kind;
    n->leaf = leaf;
    return absl::OkStatus();
  }
  if (n->kind != kind || (kind == Kind::kLeaf && n->leaf != leaf)) return Conflict(index);
  return absl::OkStatus();
}

}  // namespace

PartialMap::PartialMap(const Hash& root) : root_(std::make_unique<Node>()), initial_root_(root) {
  root_->hash = root;
}
PartialMap::~PartialMap() = default;
PartialMap::PartialMap(PartialMap&&) noexcept = default;
PartialMap& PartialMap::operator=(PartialMap&&) noexcept = default;

absl::StatusOr<std::optional<map::MapLeaf>> PartialMap::AddProof(
    const Hash& index, const std::optional<map::MapLeaf>& leaf, const map::MapProof& proof) {
  if (leaf.has_value()) {
    absl::Status s = map::VerifyMapMembership(initial_root_, *leaf, proof);
    if (!s.ok()) return s;
  } else {
    absl::Status s = map::VerifyMapNonMembership(initial_root_, index, proof);
    if (!s.ok()) return s;
  }
  Node* n = root_.get();
  const int depth = static_cast<int>(proof.siblings.size());
  for (int i = 0; i < depth; ++i) {
    if (n->kind == Kind::kUnknown || n->kind == Kind::kOpaque) {
      n->kind = Kind::kInner;
      n->child[0] = std::make_unique<Node>();
      n->child[1] = std::make_unique<Node>();
    } else if (n->kind != Kind::kInner) {
      return Conflict(index);
    }
    const int bit = map::IndexBit(index, i) ? 1 : 0;
    Node* sibling = n->child[1 - bit].get();
    if (sibling->kind == Kind::kUnknown) {
      if (proof.siblings[i] == map::EmptyMapHash()) {
        sibling->kind = Kind::kEmpty;
      } else {
        sibling->kind = Kind::kOpaque;
        sibling->hash = proof.siblings[i];
      }
    } else if (HashOf(*sibling) != proof.siblings[i]) {
      return Conflict(index);
    }
    n = n->child[bit].get();
  }
  switch (proof.terminal) {
    case map::MapProof::Terminal::kEmpty: {
      absl::Status s = SetTerminal(n, Kind::kEmpty, map::MapLeaf{}, index);
      if (!s.ok()) return s;
      return std::optional<map::MapLeaf>();
    }
    case map::MapProof::Terminal::kLeaf: {
      absl::Status s = SetTerminal(n, Kind::kLeaf, *leaf, index);
      if (!s.ok()) return s;
      return leaf;
    }
    case map::MapProof::Terminal::kOtherLeaf: {
      absl::Status s = SetTerminal(n, Kind::kLeaf, proof.other_leaf, index);
      if (!s.ok()) return s;
      return std::optional<map::MapLeaf>();
    }
  }
  return absl::InvalidArgumentError("partial map: unknown proof terminal");
}

absl::Status PartialMap::Set(const map::MapLeaf& leaf) {
  Node* n = root_.get();
  for (int depth = 0;; ++depth) {
    switch (n->kind) {
      case Kind::kInner:
        n = n->child[map::IndexBit(leaf.index, depth) ? 1 : 0].get();
        continue;
      case Kind::kEmpty:
        n->kind = Kind::kLeaf;
        n->leaf = leaf;
        return absl::OkStatus();
      case Kind::kLeaf: {
        if (n->leaf.index == leaf.index) {
          n->leaf = leaf;
          return absl::OkStatus();
        }
        // Split: the two leaves share bits [depth, common); they part at
        // bit `common`.
        const map::MapLeaf other = n->leaf;
        const int common = map::CommonPrefixBits(other.index, leaf.index);
        for (int d = depth; d < common; ++d) {
          const int bit = map::IndexBit(leaf.index, d) ? 1 : 0;
          n->kind = Kind::kInner;
          n->child[bit] = std::make_unique<Node>();
          n->child[1 - bit] = std::make_unique<Node>();
          n->child[1 - bit]->kind = Kind::kEmpty;
          n = n->child[bit].get();
        }
        const int bit = map::IndexBit(leaf.index, common) ? 1 : 0;
        n->kind = Kind::kInner;
        n->child[bit] = std::make_unique<Node>();
        n->child[bit]->kind = Kind::kLeaf;
        n->child[bit]->leaf = leaf;
        n->child[1 - bit] = std::make_unique<Node>();
        n->child[1 - bit]->kind = Kind::kLeaf;
        n->child[1 - bit]->leaf = other;
        return absl::OkStatus();
      }
      case Kind::kOpaque:
      case Kind::kUnknown:
        return absl::InvalidArgumentError(
            "partial map: a change touches an index that no map proof covers");
    }
  }
}

Hash PartialMap::Root() const { return HashOf(*root_); }

}  // namespace keytrail::evidence
