// TiledMap: the map of docs/PROTOCOL.md kept in storage as tiles, so that an
// epoch rewrites a few kilobytes per thousand updates instead of every node
// on every path, and a proof reads a handful of records.
//
// Layout (docs/STORAGE.md): the tree is cut into strata 4 bits deep. A subtree
// rooted at a depth that is a multiple of 4 and holding more than
// kTileThreshold leaves has a tile: the summaries (leaf count, hash, and the
// index when the count is 1) of its 16 child subtrees 4 levels down. Smaller
// subtrees have no tile; their hashes are recomputed from their leaves, which
// a range scan returns in index order. Leaf counts only grow (an account
// never leaves the map), so once a subtree has a tile it keeps it. One root
// record holds the whole map's summary.
//
// All functions are stateless: they read through a MapReader (a consistent
// snapshot) and write through a MapWriter. Thread-safe as long as each call
// has its own reader and writer.
//
// Errors: storage errors pass through unchanged; records that fail to decode
// or contradict each other (counts that don't add up) are DataLoss.
#ifndef KEYTRAIL_CORE_MAP_TILED_MAP_H_
#define KEYTRAIL_CORE_MAP_TILED_MAP_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/crypto/sha256.h"
#include "core/map/hasher.h"
#include "core/map/map_storage.h"
#include "core/map/proof.h"

namespace keytrail::map {

// A new value for one leaf. is_new must say exactly whether the index had no
// leaf before: the map's leaf counts depend on it.
struct LeafChange {
  MapLeaf leaf;
  bool is_new;
};

// What is known about one subtree without looking inside it.
struct Summary {
  uint64_t count = 0;  // leaves in the subtree
  Hash hash{};         // its MapHash (zeros when empty)
  Hash single{};       // the index of its leaf, when count == 1
};

class MapTop;

class TiledMap {
 public:
  // Subtrees with more leaves than this get a tile.
  static constexpr uint64_t kTileThreshold = 32;
  static constexpr int kStratumBits = 4;

  // The summary of the whole map (count 0 and zero hash for a new store).
  static absl::StatusOr<Summary> RootSummary(MapReader& reader);

  // Applies one epoch's changes, which must be sorted by index with no index
  // twice (InvalidArgument otherwise). Writes the changed leaves, tiles and
  // root record to `writer` and returns the new root summary. Reads see the
  // state before the epoch.
  //
  // `extra_readers` (views of the same state, one per extra thread) let the
  // 16 subtrees under the root be applied on that many more threads; the
  // result and the writes are the same either way. The writer is only
  // called from the calling thread.
  static absl::StatusOr<Summary> Apply(MapReader& reader, absl::Span<const LeafChange> changes,
                                       MapWriter& writer,
                                       absl::Span<MapReader* const> extra_readers = {});

  // The new value of change `i` of an ApplyUpdates call, computed from the
  // leaf it replaces (`old`, null when the index has no leaf yet). Must
  // return a leaf of the same index. Called exactly once per change, from
  // whichever thread applies that change's subtree: calls for different
  // changes may run at the same time.
  using LeafUpdate = std::function<MapLeaf(size_t i, const MapLeaf* old)>;

  // Like Apply, for a caller that knows which indexes change but not their
  // leaves before the epoch (the monitor: an update's version and head
  // follow from the index's current ones). `indexes` must be sorted, each
  // once (InvalidArgument otherwise); each index's old leaf is taken from
  // the leaves Apply loads anyway, so nothing is read twice. InvalidArgument
  // if `update` returns a leaf of another index. Same writes and result as
  // Apply with the changes `update` computes.
  static absl::StatusOr<Summary> ApplyUpdates(MapReader& reader, absl::Span<const Hash> indexes,
                                              const LeafUpdate& update, MapWriter& writer,
                                              absl::Span<MapReader* const> extra_readers = {});

  // A membership proof if `index` has a leaf, otherwise a non-membership
  // proof, against RootSummary(reader).hash.
  static absl::StatusOr<MapProof> Prove(MapReader& reader, const Hash& index);

  // The same proof, with the tiles `top` holds taken from memory instead of
  // `reader` (`top` must have been loaded from the same state: its root is
  // used, not the reader's). When the proof's reads return the leaf of
  // `index` itself, it is put in *leaf (when not null), so a caller that
  // needs the leaf too does not read it again; otherwise *leaf is left
  // empty. Errors as Prove.
  static absl::StatusOr<MapProof> Prove(MapReader& reader, const Hash& index, const MapTop* top,
                                        std::optional<MapLeaf>* leaf);

  // Storage keys, exposed for storage layers and tests.
  static std::string TileKey(const Hash& prefix, int depth);
  static std::string RootKey();
};

// The top strata of one state of the map, held in memory: the root summary
// and every tile at depths 0, 4, ..., 4 * (strata - 1), each expanded to its
// 31 node summaries, so a proof reads only the strata below (and hashes
// nothing up there). Until the next epoch the top of every proof is the
// same; a log server loads one MapTop per epoch and shares it by all
// lookups (log_server/epoch_context.h).
//
// Memory: a tile takes sizeof(Node) * 32 (~2.3 KiB). Strata s holds at most
// 16^s tiles, and only subtrees of more than kTileThreshold leaves have one,
// so with n leaves at most min(16^s, n / 33) per stratum: strata 4 holds at
// most 4,369 tiles (~10 MiB), strata 5 up to 69,905 (~160 MiB, reached near
// 2.3 million leaves). bytes() tells what one holds.
//
// Immutable after Load: thread-safe, shared by shared_ptr.
class MapTop {
 public:
  static constexpr int kMaxStrata = 5;

  // Reads the root record and the tiles of the top `strata` strata (0:
  // only the root; clamped to kMaxStrata) from `reader`. Errors as Prove
  // (DataLoss for a missing or inconsistent tile).
  static absl::StatusOr<std::shared_ptr<const MapTop>> Load(MapReader& reader, int strata);

  const Summary& root() const { return root_; }
  int strata() const { return strata_; }
  size_t tiles() const { return tiles_; }
  // Memory held (the tiles and the slot arrays).
  size_t bytes() const;

 private:
  friend class TiledMap;
  using Tree = std::array<Summary, 2 << TiledMap::kStratumBits>;
  // The expanded tile of the subtree holding `index` at depth 4 * stratum,
  // or null when that subtree has none (it is small, or absent).
  const Tree* Find(const Hash& index, int stratum) const;

  Summary root_;
  int strata_ = 0;
  size_t tiles_ = 0;
  // slots_[s] has 16^s entries, indexed by the first 4 * s bits of an index.
  std::vector<std::vector<std::unique_ptr<const Tree>>> slots_;
};

}  // namespace keytrail::map

#endif  // KEYTRAIL_CORE_MAP_TILED_MAP_H_
