// The RFC 6962 tree's hashes in RocksDB, as tiles.
//
// A tile at tile level L and index N holds the complete-subtree hashes of
// tree levels 8L .. 8L+7 inside the subtree over leaves
// [N * 256^(L+1), (N+1) * 256^(L+1)): row k (level 8L+k) has width >> k
// hashes, where width (1..256) is how many level-8L nodes exist so far.
// Every level is stored (a "fat" tile, twice the bytes of a C2SP tlog tile,
// whose row 0 it is), so any proof node is one lookup away: proofs never
// rehash tile contents. Tiles are append-only; only each tile level's
// rightmost tile is ever rewritten. docs/STORAGE.md has the encoding.
#ifndef KEYTRAIL_CORE_STORAGE_LOG_TILES_H_
#define KEYTRAIL_CORE_STORAGE_LOG_TILES_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "core/crypto/sha256.h"
#include "core/merkle/node_id.h"
#include "core/merkle/proof_builder.h"
#include "core/storage/database.h"
#include "rocksdb/write_batch.h"

namespace keytrail {

// One decoded tile. Thread-compatible value type.
class LogTile {
 public:
  static constexpr int kHeight = 8;
  static constexpr int kWidth = 1 << kHeight;

  // Row k, position p: the hash, or nullptr if not (yet) present.
  const Hash* Get(int k, uint64_t pos) const;
  // Appends the next hash of row k. REQUIRES: pos == the row's current size.
  void Append(int k, uint64_t pos, const Hash& hash);
  uint64_t width() const { return rows_[0].size(); }
  bool full() const;

  std::string Encode() const;
  // DataLoss when the bytes are not a well-formed tile.
  static absl::StatusOr<LogTile> Decode(absl::string_view bytes);

 private:
  std::array<std::vector<Hash>, kHeight> rows_;
};

// Storage key of tile (level, index): u8 level || u64 index, big-endian.
std::string LogTileKey(int tile_level, uint64_t tile_index);

// Collects the nodes a CompactRange reports while an epoch is built and
// writes the tiles they touch into the epoch's batch. Keeps the right edge
// of the tree (the only tiles that can still change) in memory.
// Not thread-safe: used by the sequencer thread only.
class LogTileWriter {
 public:
  // Loads the right-edge tiles of a tree of `tree_size` leaves.
  // DataLoss if one is missing or damaged.
  static absl::StatusOr<LogTileWriter> Resume(const Database& db, rocksdb::ColumnFamilyHandle* cf,
                                              uint64_t tree_size);

  // Records one completed node (from CompactRange::Append's callback).
  void Add(merkle::NodeId id, const Hash& hash);
  // Puts every tile changed since the last Flush into `batch`, and forgets
  // tiles that can no longer change.
  void Flush(rocksdb::WriteBatch* batch);

 private:
  explicit LogTileWriter(rocksdb::ColumnFamilyHandle* cf) : cf_(cf) {}
  rocksdb::ColumnFamilyHandle* cf_;
  struct OpenTile {
    LogTile tile;
    bool dirty = false;  // changed since the last Flush
  };
  std::map<std::pair<int, uint64_t>, OpenTile> open_;  // by (level, index)
};

// Reads complete-subtree hashes from the tiles as of a snapshot, for the
// proof builders in core/merkle. Caches the tiles it read (one object per
// request). A node that should exist but doesn't is DataLoss.
class LogTileReader : public merkle::HashSource {
 public:
  LogTileReader(const Database& db, rocksdb::ColumnFamilyHandle* cf,
                const rocksdb::Snapshot* snapshot)
      : db_(db), cf_(cf), snapshot_(snapshot) {}

  absl::StatusOr<std::vector<Hash>> GetNodes(absl::Span<const merkle::NodeId> ids) override;

 private:
  const Database& db_;
  rocksdb::ColumnFamilyHandle* cf_;
  const rocksdb::Snapshot* snapshot_;
  std::map<std::pair<int, uint64_t>, LogTile> cache_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_STORAGE_LOG_TILES_H_
