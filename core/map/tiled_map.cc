#include "core/map/tiled_map.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/bytes/encoding.h"
#include "core/bytes/reader.h"
#include "core/map/memory_map.h"

namespace keytrail::map {
namespace {

constexpr uint8_t kRecordFormat = 1;
constexpr int kChildren = 1 << TiledMap::kStratumBits;  // 16
constexpr uint8_t kRootKeyByte = 0xff;                  // tile keys start with a depth <= 252

using Children = std::array<Summary, kChildren>;

// ---- Prefix arithmetic ----

int NibbleAt(const Hash& index, int depth) {
  uint8_t byte = index[depth / 8];
  return (depth % 8 == 0) ? (byte >> 4) : (byte & 0x0f);
}

Hash WithNibble(Hash prefix, int depth, int nibble) {
  uint8_t& byte = prefix[depth / 8];
  if (depth % 8 == 0) {
    byte = static_cast<uint8_t>((byte & 0x0f) | (nibble << 4));
  } else {
    byte = static_cast<uint8_t>((byte & 0xf0) | nibble);
  }
  return prefix;
}

// `index` with every bit from `depth` on cleared.
Hash PrefixOf(const Hash& index, int depth) {
  Hash p{};
  for (int i = 0; i < depth / 8; ++i) p[i] = index[i];
  if (depth % 8 != 0) {
    p[depth / 8] = static_cast<uint8_t>(index[depth / 8] & (0xff << (8 - depth % 8)));
  }
  return p;
}

// ---- Summaries ----

Summary SummaryOfLeaves(absl::Span<const MapLeaf> leaves, int depth) {
  Summary s;
  s.count = leaves.size();
  if (leaves.size() == 1) {
    s.hash = MapLeafHash(leaves[0]);
    s.single = leaves[0].index;
  } else if (leaves.size() > 1) {
    s.hash = MemoryMap::SubtreeHash(leaves, depth);
  }
  return s;
}

// The summary of the union of two sibling subtrees. A subtree with at most
// one leaf hashes as that leaf (or as zeros); only two or more make a node.
Summary Combine(const Summary& left, const Summary& right) {
  uint64_t total = left.count + right.count;
  if (total <= 1) return left.count == 1 ? left : right;
  Summary s;
  s.count = total;
  s.hash = MapNodeHash(left.hash, right.hash);
  return s;
}

// The binary tree inside one tile, heap-ordered: node 1 is the tile's root,
// node i has children 2i and 2i+1, nodes 16..31 are the 16 child subtrees.
using TileTree = std::array<Summary, 2 * kChildren>;

TileTree ExpandTile(const Children& children) {
  TileTree t;
  for (int c = 0; c < kChildren; ++c) t[kChildren + c] = children[c];
  for (int i = kChildren - 1; i >= 1; --i) t[i] = Combine(t[2 * i], t[2 * i + 1]);
  return t;
}

// ---- Record encodings (docs/STORAGE.md) ----

void WriteSummary(ByteWriter& w, const Summary& s) {
  w.U64(s.count);
  w.Array(s.hash);
  if (s.count == 1) w.Array(s.single);
}

bool ReadSummary(ByteReader& r, Summary* s) {
  if (!r.ReadU64(&s->count) || !r.ReadArray(&s->hash)) return false;
  if (s->count == 1 && !r.ReadArray(&s->single)) return false;
  return true;
}

std::string EncodeRoot(const Summary& s) {
  ByteWriter w;
  w.U8(kRecordFormat);
  WriteSummary(w, s);
  return w.Release();
}

absl::StatusOr<Summary> DecodeRoot(absl::string_view bytes) {
  constexpr absl::string_view kWhat = "map root record";
  auto parse = [&]() -> absl::StatusOr<Summary> {
    ByteReader r(bytes);
    uint8_t format;
    Summary s;
    if (!r.ReadU8(&format)) return TruncatedError(kWhat, "format");
    if (format != kRecordFormat) {
      return absl::InvalidArgumentError(absl::StrCat(kWhat, ": unknown format ", format));
    }
    if (!ReadSummary(r, &s)) return TruncatedError(kWhat, "summary");
    if (absl::Status st = r.Finish(kWhat); !st.ok()) return st;
    if (s.count == 0 && s.hash != Hash{}) {
      return absl::InvalidArgumentError(absl::StrCat(kWhat, ": empty map with a nonzero hash"));
    }
    return s;
  };
  auto root = parse();
  if (!root.ok()) return AsDataLoss(root.status(), "stored map root");
  return root;
}

std::string EncodeTile(const Children& children) {
  ByteWriter w;
  w.U8(kRecordFormat);
  uint16_t mask = 0;
  for (int c = 0; c < kChildren; ++c) {
    if (children[c].count > 0) mask |= static_cast<uint16_t>(1u << c);
  }
  w.U16(mask);
  for (int c = 0; c < kChildren; ++c) {
    if (children[c].count > 0) WriteSummary(w, children[c]);
  }
  return w.Release();
}

absl::StatusOr<Children> DecodeTile(absl::string_view bytes, absl::string_view key) {
  const std::string what = absl::StrCat("map tile ", HexEncode(key));
  auto parse = [&]() -> absl::StatusOr<Children> {
    ByteReader r(bytes);
    uint8_t format;
    uint16_t mask;
    if (!r.ReadU8(&format)) return TruncatedError(what, "format");
    if (format != kRecordFormat) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": unknown format ", format));
    }
    if (!r.ReadU16(&mask)) return TruncatedError(what, "child mask");
    Children children;
    for (int c = 0; c < kChildren; ++c) {
      if ((mask & (1u << c)) == 0) continue;
      if (!ReadSummary(r, &children[c])) {
        return TruncatedError(what, absl::StrCat("child ", c));
      }
      if (children[c].count == 0) {
        return absl::InvalidArgumentError(absl::StrCat(what, ": empty child ", c, " listed"));
      }
    }
    if (absl::Status st = r.Finish(what); !st.ok()) return st;
    return children;
  };
  auto children = parse();
  if (!children.ok()) return AsDataLoss(children.status(), "stored map tile");
  return children;
}

// ---- Reading ----

absl::StatusOr<Children> LoadTile(MapReader& reader, const Hash& prefix, int depth,
                                  uint64_t expected_count) {
  std::string key = TiledMap::TileKey(prefix, depth);
  auto record = reader.GetTile(key);
  if (!record.ok()) return record.status();
  if (!record->has_value()) {
    return absl::DataLossError(absl::StrCat(
        "map tile ", HexEncode(key), " is missing for a subtree of ", expected_count, " leaves"));
  }
  auto children = DecodeTile(**record, key);
  if (!children.ok()) return children.status();
  uint64_t total = 0;
  for (const Summary& s : *children) total += s.count;
  if (total != expected_count) {
    return absl::DataLossError(absl::StrCat("map tile ", HexEncode(key), " holds ", total,
                                            " leaves, want ", expected_count));
  }
  return children;
}

absl::StatusOr<std::vector<MapLeaf>> LoadLeaves(MapReader& reader, const Hash& prefix, int depth,
                                                uint64_t expected_count) {
  std::vector<MapLeaf> leaves;
  if (expected_count == 0) return leaves;
  absl::Status s = reader.ScanLeaves(prefix, depth, &leaves);
  if (!s.ok()) return s;
  if (leaves.size() != expected_count) {
    return absl::DataLossError(absl::StrCat("map subtree at depth ", depth, " prefix ",
                                            HexEncode(HashView(prefix)), " has ", leaves.size(),
                                            " stored leaves, want ", expected_count));
  }
  if (!MemoryMap::IsSortedSubtree(leaves, depth)) {
    return absl::DataLossError(
        absl::StrCat("map subtree at depth ", depth, " prefix ", HexEncode(HashView(prefix)),
                     ": stored leaves are out of order or outside the subtree"));
  }
  return leaves;
}

// ---- Applying an epoch ----

// What one Apply call knows of its changes. With `update` null the changes
// are final (Apply); otherwise each change's leaf and is_new are filled in
// from the leaf before the epoch, where the subtree's leaves are loaded
// (ApplyUpdates). `first` is changes[0], to tell `update` which change.
struct ApplyContext {
  const TiledMap::LeafUpdate* update = nullptr;
  const LeafChange* first = nullptr;
};

// How many of `changes` (sorted) add a leaf to `leaves` (sorted, the
// subtree's leaves before the epoch).
uint64_t CountAdded(const ApplyContext& ctx, absl::Span<const MapLeaf> leaves,
                    absl::Span<const LeafChange> changes) {
  uint64_t added = 0;
  if (ctx.update == nullptr) {
    for (const LeafChange& c : changes) added += c.is_new ? 1 : 0;
    return added;
  }
  size_t i = 0;
  for (const LeafChange& c : changes) {
    while (i < leaves.size() && leaves[i].index < c.leaf.index) ++i;
    if (i == leaves.size() || !(leaves[i].index == c.leaf.index)) ++added;
  }
  return added;
}

// `leaves` (sorted) with `changes` (sorted) applied. With ctx.update, each
// change is computed here first, from the leaf it replaces.
absl::StatusOr<std::vector<MapLeaf>> Merge(const ApplyContext& ctx,
                                           absl::Span<const MapLeaf> leaves,
                                           absl::Span<LeafChange> changes) {
  std::vector<MapLeaf> out;
  out.reserve(leaves.size() + changes.size());
  size_t i = 0;
  for (LeafChange& change : changes) {
    while (i < leaves.size() && leaves[i].index < change.leaf.index) {
      out.push_back(leaves[i++]);
    }
    bool exists = i < leaves.size() && leaves[i].index == change.leaf.index;
    if (ctx.update != nullptr) {
      const Hash index = change.leaf.index;
      change.is_new = !exists;
      change.leaf =
          (*ctx.update)(static_cast<size_t>(&change - ctx.first), exists ? &leaves[i] : nullptr);
      if (!(change.leaf.index == index)) {
        return absl::InvalidArgumentError(
            absl::StrCat("map update for index ", HexEncode(HashView(index)),
                         " returned a leaf of index ", HexEncode(HashView(change.leaf.index))));
      }
    } else if (exists == change.is_new) {
      return absl::InvalidArgumentError(
          absl::StrCat("map change for index ", HexEncode(HashView(change.leaf.index)),
                       exists ? " is marked new but the leaf exists"
                              : " is marked existing but there is no leaf"));
    }
    if (exists) ++i;
    out.push_back(change.leaf);
  }
  while (i < leaves.size()) out.push_back(leaves[i++]);
  return out;
}

// Splits a span sorted by index into the runs sharing each nibble at `depth`.
template <typename T, typename IndexOf>
std::array<absl::Span<T>, kChildren> GroupByNibble(absl::Span<T> items, int depth,
                                                   IndexOf index_of) {
  std::array<absl::Span<T>, kChildren> groups;
  size_t begin = 0;
  while (begin < items.size()) {
    int nibble = NibbleAt(index_of(items[begin]), depth);
    size_t end = begin + 1;
    while (end < items.size() && NibbleAt(index_of(items[end]), depth) == nibble) ++end;
    groups[nibble] = items.subspan(begin, end - begin);
    begin = end;
  }
  return groups;
}

// Collects tile writes made on a worker thread, for the caller's writer.
class BufferedTiles : public MapWriter {
 public:
  void PutTile(std::string key, std::string value) override {
    tiles.emplace_back(std::move(key), std::move(value));
  }
  void PutLeaf(const MapLeaf&) override { std::abort(); }  // leaves go in at the top
  std::vector<std::pair<std::string, std::string>> tiles;
};

using LeafGroups = std::array<absl::Span<const MapLeaf>, kChildren>;

// `known_leaves`, when not null, are the subtree's leaves before the epoch,
// already loaded by a parent that had no tile (so none are read again).
absl::StatusOr<Summary> ApplySubtree(MapReader& reader, MapWriter& writer, const ApplyContext& ctx,
                                     int depth, const Hash& prefix, const Summary& old,
                                     absl::Span<LeafChange> changes,
                                     const absl::Span<const MapLeaf>* known_leaves,
                                     absl::Span<MapReader* const> extra_readers);

// Applies the changed children of a tile, on 1 + extra_readers.size()
// threads. Worker w takes children w, w + n, w + 2n, ...
absl::Status ApplyChildren(MapReader& reader, MapWriter& writer, const ApplyContext& ctx, int depth,
                           const Hash& prefix, Children& children,
                           const std::array<absl::Span<LeafChange>, kChildren>& groups,
                           const LeafGroups* leaf_groups,
                           absl::Span<MapReader* const> extra_readers) {
  const size_t workers = 1 + extra_readers.size();
  std::vector<BufferedTiles> buffers(workers);
  std::vector<absl::Status> statuses(workers);
  auto work = [&](size_t w) {
    MapReader& r = (w == 0) ? reader : *extra_readers[w - 1];
    for (size_t c = w; c < kChildren; c += workers) {
      if (groups[c].empty()) continue;
      auto child =
          ApplySubtree(r, buffers[w], ctx, depth + TiledMap::kStratumBits,
                       WithNibble(prefix, depth, static_cast<int>(c)), children[c], groups[c],
                       leaf_groups == nullptr ? nullptr : &(*leaf_groups)[c], {});
      if (!child.ok()) {
        statuses[w] = child.status();
        return;
      }
      children[c] = *child;
    }
  };
  std::vector<std::thread> threads;
  for (size_t w = 1; w < workers; ++w) threads.emplace_back(work, w);
  work(0);
  for (auto& t : threads) t.join();
  for (size_t w = 0; w < workers; ++w) {
    if (!statuses[w].ok()) return statuses[w];
    for (auto& [key, value] : buffers[w].tiles) writer.PutTile(std::move(key), std::move(value));
  }
  return absl::OkStatus();
}

absl::StatusOr<Summary> ApplySubtree(MapReader& reader, MapWriter& writer, const ApplyContext& ctx,
                                     int depth, const Hash& prefix, const Summary& old,
                                     absl::Span<LeafChange> changes,
                                     const absl::Span<const MapLeaf>* known_leaves,
                                     absl::Span<MapReader* const> extra_readers) {
  Children children;
  std::vector<MapLeaf> loaded;
  LeafGroups leaf_groups;
  const LeafGroups* child_leaves = nullptr;
  if (old.count > TiledMap::kTileThreshold) {
    auto tile = LoadTile(reader, prefix, depth, old.count);
    if (!tile.ok()) return tile.status();
    children = *tile;
  } else {
    // No tile before the epoch: the subtree's hash comes from its leaves.
    absl::Span<const MapLeaf> leaves;
    if (known_leaves != nullptr) {
      leaves = *known_leaves;
    } else {
      auto read = LoadLeaves(reader, prefix, depth, old.count);
      if (!read.ok()) return read.status();
      loaded = *std::move(read);
      leaves = loaded;
    }
    if (old.count + CountAdded(ctx, leaves, changes) <= TiledMap::kTileThreshold) {
      // Still small after the epoch: rehash it from its leaves.
      auto merged = Merge(ctx, leaves, changes);
      if (!merged.ok()) return merged.status();
      return SummaryOfLeaves(*merged, depth);
    }
    // The subtree grows past the threshold in this epoch: its first tile is
    // built from the leaves it held before, which its children reuse.
    leaf_groups =
        GroupByNibble(leaves, depth, [](const MapLeaf& l) -> const Hash& { return l.index; });
    for (int c = 0; c < kChildren; ++c) {
      children[c] = SummaryOfLeaves(leaf_groups[c], depth + TiledMap::kStratumBits);
    }
    child_leaves = &leaf_groups;
  }

  auto change_groups = GroupByNibble(
      changes, depth, [](const LeafChange& c) -> const Hash& { return c.leaf.index; });
  absl::Status applied = ApplyChildren(reader, writer, ctx, depth, prefix, children, change_groups,
                                       child_leaves, extra_readers);
  if (!applied.ok()) return applied;
  writer.PutTile(TiledMap::TileKey(prefix, depth), EncodeTile(children));
  return ExpandTile(children)[1];
}

// Apply and ApplyUpdates: `changes` sorted by index are applied in place.
absl::StatusOr<Summary> ApplyAll(MapReader& reader, const ApplyContext& ctx,
                                 absl::Span<LeafChange> changes, MapWriter& writer,
                                 absl::Span<MapReader* const> extra_readers) {
  for (size_t i = 1; i < changes.size(); ++i) {
    if (!(changes[i - 1].leaf.index < changes[i].leaf.index)) {
      return absl::InvalidArgumentError("map changes must be sorted by index, each index once");
    }
  }
  auto root = TiledMap::RootSummary(reader);
  if (!root.ok()) return root.status();
  if (changes.empty()) return *root;
  auto updated =
      ApplySubtree(reader, writer, ctx, 0, Hash{}, *root, changes, nullptr, extra_readers);
  if (!updated.ok()) return updated.status();
  for (const LeafChange& c : changes) writer.PutLeaf(c.leaf);
  writer.PutTile(TiledMap::RootKey(), EncodeRoot(*updated));
  return *updated;
}

}  // namespace

std::string TiledMap::TileKey(const Hash& prefix, int depth) {
  std::string key(1, static_cast<char>(depth));
  key.append(reinterpret_cast<const char*>(prefix.data()), (depth + 7) / 8);
  return key;
}

std::string TiledMap::RootKey() { return std::string(1, static_cast<char>(kRootKeyByte)); }

absl::StatusOr<Summary> TiledMap::RootSummary(MapReader& reader) {
  auto record = reader.GetTile(RootKey());
  if (!record.ok()) return record.status();
  if (!record->has_value()) return Summary{};
  return DecodeRoot(**record);
}

absl::StatusOr<Summary> TiledMap::Apply(MapReader& reader, absl::Span<const LeafChange> changes,
                                        MapWriter& writer,
                                        absl::Span<MapReader* const> extra_readers) {
  // The changes are final; the shared code applies them in place.
  std::vector<LeafChange> copy(changes.begin(), changes.end());
  return ApplyAll(reader, ApplyContext{}, absl::MakeSpan(copy), writer, extra_readers);
}

absl::StatusOr<Summary> TiledMap::ApplyUpdates(MapReader& reader, absl::Span<const Hash> indexes,
                                               const LeafUpdate& update, MapWriter& writer,
                                               absl::Span<MapReader* const> extra_readers) {
  std::vector<LeafChange> changes(indexes.size());
  for (size_t i = 0; i < indexes.size(); ++i) changes[i].leaf.index = indexes[i];
  ApplyContext ctx;
  ctx.update = &update;
  ctx.first = changes.data();
  return ApplyAll(reader, ctx, absl::MakeSpan(changes), writer, extra_readers);
}

absl::StatusOr<MapProof> TiledMap::Prove(MapReader& reader, const Hash& index) {
  return Prove(reader, index, nullptr, nullptr);
}

absl::StatusOr<MapProof> TiledMap::Prove(MapReader& reader, const Hash& index, const MapTop* top,
                                         std::optional<MapLeaf>* leaf) {
  if (leaf != nullptr) leaf->reset();
  Summary node;
  if (top != nullptr) {
    node = top->root();
  } else {
    auto root = RootSummary(reader);
    if (!root.ok()) return root.status();
    node = *root;
  }
  MapProof proof;
  int depth = 0;
  while (node.count >= 2) {
    // `depth` is a stratum boundary here.
    if (node.count > kTileThreshold) {
      const int stratum = depth / kStratumBits;
      TileTree loaded_tree;
      const TileTree* held = nullptr;
      if (top != nullptr && stratum < top->strata()) {
        held = top->Find(index, stratum);
        if (held == nullptr || (*held)[1].count != node.count) {
          return absl::DataLossError(absl::StrCat("map tile at depth ", depth, " for index ",
                                                  HexEncode(HashView(index)),
                                                  " is not held in memory as loaded"));
        }
      } else {
        auto children = LoadTile(reader, PrefixOf(index, depth), depth, node.count);
        if (!children.ok()) return children.status();
        loaded_tree = ExpandTile(*children);
        held = &loaded_tree;
      }
      const TileTree& tree = *held;
      int i = 1;
      for (int k = 0; k < kStratumBits && node.count >= 2; ++k) {
        bool right = IndexBit(index, depth);
        proof.siblings.push_back(tree[2 * i + (right ? 0 : 1)].hash);
        i = 2 * i + (right ? 1 : 0);
        node = tree[i];
        ++depth;
      }
      continue;
    }
    // Small subtree: walk the sorted leaves, rehashing the sibling halves.
    auto loaded = LoadLeaves(reader, PrefixOf(index, depth), depth, node.count);
    if (!loaded.ok()) return loaded.status();
    absl::Span<const MapLeaf> leaves(*loaded);
    while (leaves.size() >= 2) {
      size_t split = 0;
      while (split < leaves.size() && !IndexBit(leaves[split].index, depth)) ++split;
      bool right = IndexBit(index, depth);
      absl::Span<const MapLeaf> mine = right ? leaves.subspan(split) : leaves.subspan(0, split);
      absl::Span<const MapLeaf> other = right ? leaves.subspan(0, split) : leaves.subspan(split);
      proof.siblings.push_back(SummaryOfLeaves(other, depth + 1).hash);
      leaves = mine;
      ++depth;
    }
    node = SummaryOfLeaves(leaves, depth);
    if (leaf != nullptr && leaves.size() == 1 && leaves[0].index == index) *leaf = leaves[0];
  }

  if (node.count == 0) {
    proof.terminal = MapProof::Terminal::kEmpty;
  } else if (node.single == index) {
    proof.terminal = MapProof::Terminal::kLeaf;
  } else {
    auto other = reader.GetLeaf(node.single);
    if (!other.ok()) return other.status();
    if (!other->has_value()) {
      return absl::DataLossError(
          absl::StrCat("map leaf ", HexEncode(HashView(node.single)), " is listed but missing"));
    }
    proof.terminal = MapProof::Terminal::kOtherLeaf;
    proof.other_leaf = **other;
  }
  return proof;
}

// ---- MapTop ----

absl::StatusOr<std::shared_ptr<const MapTop>> MapTop::Load(MapReader& reader, int strata) {
  auto root = TiledMap::RootSummary(reader);
  if (!root.ok()) return root.status();
  auto top = std::make_shared<MapTop>();
  top->root_ = *root;
  top->strata_ = std::clamp(strata, 0, kMaxStrata);
  top->slots_.resize(top->strata_);
  for (int s = 0; s < top->strata_; ++s) top->slots_[s].resize(size_t{1} << (4 * s));
  // Depth first, in index order: (stratum, slot, the subtree's summary).
  struct Pending {
    int stratum;
    size_t slot;
    Summary summary;
  };
  std::vector<Pending> stack;
  if (top->strata_ > 0 && root->count > TiledMap::kTileThreshold) {
    stack.push_back({0, 0, *root});
  }
  while (!stack.empty()) {
    const Pending p = stack.back();
    stack.pop_back();
    const int depth = p.stratum * TiledMap::kStratumBits;
    // The slot number is the prefix's first `depth` bits.
    Hash prefix{};
    for (int bit = 0; bit < depth; ++bit) {
      if ((p.slot >> (depth - 1 - bit)) & 1)
        prefix[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
    }
    auto children = LoadTile(reader, prefix, depth, p.summary.count);
    if (!children.ok()) return children.status();
    top->slots_[p.stratum][p.slot] = std::make_unique<const TileTree>(ExpandTile(*children));
    ++top->tiles_;
    if (p.stratum + 1 >= top->strata_) continue;
    for (int c = kChildren - 1; c >= 0; --c) {
      const Summary& child = (*children)[c];
      if (child.count > TiledMap::kTileThreshold) {
        stack.push_back({p.stratum + 1, (p.slot << TiledMap::kStratumBits) | c, child});
      }
    }
  }
  return std::shared_ptr<const MapTop>(std::move(top));
}

const MapTop::Tree* MapTop::Find(const Hash& index, int stratum) const {
  if (stratum >= strata_) return nullptr;
  size_t slot = 0;
  for (int n = 0; n < stratum; ++n)
    slot = (slot << TiledMap::kStratumBits) | NibbleAt(index, 4 * n);
  return slots_[stratum][slot].get();
}

size_t MapTop::bytes() const {
  size_t total = sizeof(MapTop) + tiles_ * sizeof(Tree);
  for (const auto& s : slots_) total += s.size() * sizeof(s[0]);
  return total;
}

}  // namespace keytrail::map
