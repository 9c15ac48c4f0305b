// LogStorage: the log server's RocksDB database. The only code that knows its
// column families and keys (docs/STORAGE.md has the layout); everyone else
// reads through a LogReader and writes through an EpochBatch.
//
//   LogReader   the records, the map and the log tiles as of one snapshot
//               (or the latest committed state);
//   EpochBatch  everything one epoch writes, committed by Commit() in one
//               synced write.
//
// Reads return nullopt for an absent record, DataLoss for a damaged one, and
// the mapped RocksDB error (core/storage/database.h) otherwise.
//
// Thread safety: LogStorage is thread-safe. A LogReader may be shared by
// threads, but the map and tile readers it hands out are for one thread
// each. An EpochBatch is used by one thread at a time. Ownership: a
// LogReader, an EpochBatch and everything they hand out borrow the storage
// (and the snapshot), which must outlive them.
#ifndef KEYTRAIL_LOG_SERVER_LOG_STORAGE_H_
#define KEYTRAIL_LOG_SERVER_LOG_STORAGE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/sha256.h"
#include "core/storage/database.h"
#include "core/storage/log_tiles.h"
#include "core/storage/rocks_map_store.h"
#include "log_server/entry_bundles.h"
#include "log_server/records.h"
#include "rocksdb/write_batch.h"

namespace keytrail {

class LogStorage;

// Typed reads as of one snapshot. A small value: make one per request.
class LogReader {
 public:
  // What the data directory was created for.
  absl::StatusOr<std::optional<LogConfig>> GetConfig() const;
  // Where the log stood after the last epoch committed in the snapshot.
  absl::StatusOr<std::optional<LogState>> GetState() const;
  absl::StatusOr<std::optional<AccountRecord>> GetAccount(absl::string_view account) const;
  // The account at `index` (nullopt for an index no account has; complete
  // for every account once GetAccountIdsComplete: docs/STORAGE.md).
  absl::StatusOr<std::optional<AccountIdRecord>> GetAccountId(const Hash& index) const;
  // Whether every account has its account_ids record (meta
  // `account_ids_complete`: set with the genesis epoch since this record
  // exists, or by LogStorage::BackfillAccountIds).
  absl::StatusOr<bool> GetAccountIdsComplete() const;
  // Whether a read replica wrote this directory (meta `replica`, written
  // with its replayed genesis epoch): a primary must never open it, and a
  // replica must never open a primary's. DataLoss for another value.
  absl::StatusOr<bool> IsReplica() const;
  absl::StatusOr<std::optional<VersionRecord>> GetVersion(const Hash& index,
                                                          uint64_t version) const;
  // Versions first..last (inclusive) of one index, in order. DataLoss if any
  // is missing.
  absl::StatusOr<std::vector<VersionRecord>> GetVersions(const Hash& index, uint64_t first,
                                                         uint64_t last) const;
  absl::StatusOr<std::optional<EpochRecord>> GetEpoch(uint64_t epoch) const;
  // The newest cosigned checkpoint (only with monitors configured).
  absl::StatusOr<std::optional<CosignedRecord>> GetCosigned() const;
  // How far the public tiles are published (tile_publisher.h).
  absl::StatusOr<std::optional<TilesPublishedRecord>> GetTilesPublished() const;
  // Entries [start, start + count). DataLoss if any is missing.
  absl::StatusOr<std::vector<std::string>> GetEntries(uint64_t start, uint64_t count) const;

  // The map (core/map/tiled_map.h reads and proves through it).
  RocksMapReader MapReader() const;
  // The log tree's hashes, for inclusion and consistency proofs.
  LogTileReader LogTiles() const;

 private:
  friend class LogStorage;
  LogReader(const LogStorage& storage, const rocksdb::Snapshot* snapshot)
      : storage_(&storage), snapshot_(snapshot) {}
  template <typename T, typename Decode>
  absl::StatusOr<std::optional<T>> GetRecord(size_t family, absl::string_view key,
                                             Decode decode) const;

  const LogStorage* storage_;
  const rocksdb::Snapshot* snapshot_;
};

// Everything one epoch writes, collected in a RocksDB write batch and
// written by LogStorage::Commit: either all of it survives a crash or none.
class EpochBatch {
 public:
  explicit EpochBatch(const LogStorage& storage) : storage_(storage) {}

  // The log's identity; written once, with the genesis epoch (and with it
  // the account_ids_complete marker).
  void PutConfig(const LogConfig& config);
  // Every account has its account_ids record.
  void PutAccountIdsComplete();
  // Marks the directory as a read replica's (LogReader::IsReplica); written
  // once, with the replayed genesis epoch.
  void PutReplicaMarker();
  // An account's VRF index and proof, and the index's AccountIdRecord;
  // written with its first version.
  void PutAccount(absl::string_view account, const AccountRecord& record);
  // One version of the account at `index`. RocksDB inserts a batch in
  // order, and its memtable insert is much cheaper when each key lands next
  // to the previous one: put an epoch's versions sorted by (index, version).
  void PutVersion(const Hash& index, uint64_t version, const VersionRecord& record);
  // The epoch's record: the tree size and the signed checkpoint.
  void PutEpoch(uint64_t epoch, const EpochRecord& record);
  // Where the log stands after this epoch; what a restart resumes from.
  void PutState(const LogState& state);
  // The newest cosigned checkpoint. Not part of an epoch: the cosignature
  // collector commits it in a batch of its own.
  void PutCosigned(const CosignedRecord& record);
  // How far the public tiles are published. Not part of an epoch: the tile
  // publisher commits it in a batch of its own after each checkpoint it
  // writes to the tile store.
  void PutTilesPublished(const TilesPublishedRecord& record);
  // The log tiles and entry bundles changed since the writers' last flush.
  // The writers must come from this storage's Resume* methods.
  void PutLogTiles(LogTileWriter& tiles);
  void PutEntryBundles(EntryBundleWriter& entries);
  // Where TiledMap::Apply puts the epoch's map leaves and tiles.
  BatchMapWriter MapWriter();

 private:
  friend class LogStorage;
  const LogStorage& storage_;
  rocksdb::WriteBatch batch_;
};

class LogStorage {
 public:
  // Opens or creates the database in `data_dir`. FailedPrecondition when
  // another process holds it. `env`: the file system (not owned; null for
  // the default one); tests pass one that fails writes on demand.
  // `pin_index_and_filter_blocks`: DatabaseOptions' (index and bloom filter
  // blocks of every table file pinned in the block cache).
  static absl::StatusOr<std::unique_ptr<LogStorage>> Open(const std::string& data_dir,
                                                          size_t block_cache_bytes,
                                                          rocksdb::Env* env = nullptr,
                                                          bool pin_index_and_filter_blocks = true);

  // A consistent point-in-time view. REQUIRES: every copy is released
  // before the storage is destroyed.
  Snapshot GetSnapshot() const { return db_->GetSnapshot(); }
  // Reads as of `snapshot` (borrowed); nullptr reads the latest state.
  LogReader Reader(const rocksdb::Snapshot* snapshot) const { return LogReader(*this, snapshot); }

  // The writers that carry the log tiles' and the entry bundles' right edge
  // from one epoch to the next, loaded for a log of `tree_size` entries as
  // last committed. DataLoss if the edge is missing or damaged.
  absl::StatusOr<LogTileWriter> ResumeLogTiles(uint64_t tree_size) const;
  absl::StatusOr<EntryBundleWriter> ResumeEntryBundles(uint64_t tree_size) const;

  // Writes the account_ids record of every account that lacks it (a data
  // directory made before the record existed), in batches of 10,000, then
  // the account_ids_complete marker; idempotent, a crash only means
  // scanning again. Returns how many records it wrote (0, at once, when
  // the marker is there). DataLoss for a damaged account record; commit
  // errors as Commit. REQUIRES: nothing else writes meanwhile (call before
  // the epoch builder starts).
  absl::StatusOr<uint64_t> BackfillAccountIds();

  // Writes the batch atomically and durably (synced): when this returns OK
  // the epoch survives kill -9. Safe to call while other threads read.
  // A failed commit (Unavailable, "disk full ..." for a full disk) leaves
  // nothing of the batch, and every later commit fails until Resume().
  absl::Status Commit(EpochBatch& batch);
  // Makes commits work again after a failed one, once the cause is gone
  // (Database::Resume): OK, Unavailable while it still fails (e.g. the disk
  // is still full), FailedPrecondition when only a restart helps.
  absl::Status Resume() { return db_->Resume(); }

  // Reads what a lookup reads — the accounts, then the map leaves, then the
  // versions — into the block cache (Database::WarmCache), at most
  // `max_bytes` of keys and values in all, stopping early when `stop` turns
  // true. `progress` is called after each family with its name, the bytes
  // read from it, and the block cache's size and pinned part then. Returns the bytes read;
  // DataLoss/Unavailable from a damaged or unreadable file. Safe during
  // reads and commits.
  absl::StatusOr<uint64_t> WarmLookupCache(
      uint64_t max_bytes, const std::atomic<bool>& stop,
      const std::function<void(absl::string_view family, uint64_t bytes, uint64_t cache_bytes,
                               uint64_t pinned_bytes)>& progress) const;

 private:
  friend class LogReader;
  friend class EpochBatch;
  explicit LogStorage(std::unique_ptr<Database> db) : db_(std::move(db)) {}
  rocksdb::ColumnFamilyHandle* family(size_t f) const { return db_->cf(f); }
  std::unique_ptr<Database> db_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_LOG_STORAGE_H_
