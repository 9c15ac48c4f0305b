// The map's storage on RocksDB: MapReader over a snapshot (or the latest
// state) and MapWriter into a write batch, on two column families
// (map_tiles: tile key -> tile record; map_leaves: index -> map_leaf;
// docs/STORAGE.md has the layout).
//
// Leaves that fail to decode are DataLoss. A reader or writer is used by one
// thread at a time; the Database, column families, snapshot and batch are
// borrowed and must outlive it.
#ifndef KEYTRAIL_CORE_STORAGE_ROCKS_MAP_STORE_H_
#define KEYTRAIL_CORE_STORAGE_ROCKS_MAP_STORE_H_

#include <memory>

#include "core/map/map_storage.h"
#include "core/storage/database.h"
#include "rocksdb/write_batch.h"

namespace keytrail {

class RocksMapReader : public map::MapReader {
 public:
  // `snapshot` may be null: read the latest committed state.
  RocksMapReader(const Database& db, rocksdb::ColumnFamilyHandle* tiles,
                 rocksdb::ColumnFamilyHandle* leaves, const rocksdb::Snapshot* snapshot)
      : db_(db), tiles_(tiles), leaves_(leaves), snapshot_(snapshot) {}

  absl::StatusOr<std::optional<std::string>> GetTile(absl::string_view key) override;
  absl::Status ScanLeaves(const Hash& prefix, int depth, std::vector<map::MapLeaf>* out) override;
  absl::StatusOr<std::optional<map::MapLeaf>> GetLeaf(const Hash& index) override;

  // Reuse of the leaf iterator across readers of the same view: creating
  // a RocksDB iterator (a merging iterator over every memtable and level)
  // costs more than the few reads a lookup makes. AdoptIterator gives this
  // reader an iterator to use instead of making one; it must read the
  // leaves column family as of this reader's snapshot (one released by a
  // reader of the same database, column family and snapshot). Null: make
  // one when needed. ReleaseIterator takes it back (null when none was made
  // or it failed) for such a reader.
  void AdoptIterator(std::unique_ptr<rocksdb::Iterator> it);
  std::unique_ptr<rocksdb::Iterator> ReleaseIterator();

 private:
  const Database& db_;
  rocksdb::ColumnFamilyHandle* tiles_;
  rocksdb::ColumnFamilyHandle* leaves_;
  const rocksdb::Snapshot* snapshot_;
  // Positions leaf_iterator_ at the first leaf >= `begin`.
  void SeekLeaf(const Hash& begin);

  // One iterator serves every ScanLeaves of this reader: creating a RocksDB
  // iterator costs far more than a Seek, and an epoch scans tens of
  // thousands of small subtrees. It reads as of its creation (or the
  // snapshot), which is the view this reader promises.
  std::unique_ptr<rocksdb::Iterator> leaf_iterator_;
  // After a scan that ended at a bound, the iterator rests on the first
  // leaf >= `scanned_to_` (or is past the last leaf): no leaf lies in
  // between. A scan that starts at or after that bound (TiledMap walks
  // subtrees in index order) then needs no Seek, which merges every level
  // of the LSM tree and costs as much as several Next steps.
  bool positioned_ = false;
  Hash scanned_to_{};
};

class BatchMapWriter : public map::MapWriter {
 public:
  BatchMapWriter(rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* tiles,
                 rocksdb::ColumnFamilyHandle* leaves)
      : batch_(batch), tiles_(tiles), leaves_(leaves) {}

  void PutTile(std::string key, std::string value) override;
  void PutLeaf(const map::MapLeaf& leaf) override;

 private:
  rocksdb::WriteBatch* batch_;
  rocksdb::ColumnFamilyHandle* tiles_;
  rocksdb::ColumnFamilyHandle* leaves_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_STORAGE_ROCKS_MAP_STORE_H_
