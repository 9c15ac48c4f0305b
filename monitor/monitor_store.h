// MonitorStore: one followed log's audited state in the monitor's own
// RocksDB (one database per log, under the monitor's data directory). The
// only code that knows its column families and keys (docs/MONITOR.md,
// "Storage", has the layout); the Auditor reads the replayed map through
// MapReader() and writes a verified checkpoint through an AuditBatch.
//
//   AuditBatch  everything one verified checkpoint writes (log tiles, map
//               leaves and tiles, the state), committed by Commit() in ONE
//               synced write: after a crash either all of it is there or
//               none, and the monitor resumes from the last state.
//   evidence    written on its own, synced (AddEvidence).
//
// Reads return DataLoss for a damaged record and the mapped RocksDB error
// (core/storage/database.h) otherwise.
//
// Thread safety: all MonitorStore methods may be called from any thread
// (RocksDB is); the object owns its Database. A map reader and an
// AuditBatch are for one thread at a time. Ownership: a map reader, an
// AuditBatch and the writers they hand out borrow the store, which must
// outlive them.
#ifndef KEYTRAIL_MONITOR_MONITOR_STORE_H_
#define KEYTRAIL_MONITOR_MONITOR_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/crypto/sha256.h"
#include "core/protocol/entry.h"
#include "core/storage/database.h"
#include "core/storage/log_tiles.h"
#include "core/storage/rocks_map_store.h"
#include "rocksdb/write_batch.h"

namespace keytrail::monitor {

// What the monitor has replayed and verified of one log.
struct AuditState {
  std::string origin;
  // Entries [0, size) were replayed, passed every rule and are proven to be
  // the first `size` leaves of `checkpoint`. size ends on an epoch entry,
  // `last_epoch`.
  uint64_t size = 0;
  EpochEntry last_epoch{};
  std::vector<Hash> frontier;  // compact range of [0, size)
  std::string checkpoint;      // the log-signed note; its size >= size
};

// u8 format (1) || opaque16 origin || u64 size || [58] last epoch entry
// (absent when size is 0) || u8 count || [32 * count] frontier ||
// opaque16 checkpoint. DataLoss for anything else.
std::string EncodeAuditState(const AuditState& state);
absl::StatusOr<AuditState> DecodeAuditState(absl::string_view bytes);

class MonitorStore;

// Everything one verified checkpoint writes, collected in a RocksDB write
// batch and written by MonitorStore::Commit.
class AuditBatch {
 public:
  explicit AuditBatch(const MonitorStore& store) : store_(store) {}

  // The log tiles changed since the writer's last flush. The writer must
  // come from this store's ResumeLogTiles.
  void PutLogTiles(LogTileWriter& tiles);
  // Where the replayed map's leaves and tiles go (TiledMap writes, or the
  // Auditor's overlay of several epochs). Put them in key order: RocksDB's
  // memtable insert is much cheaper when each key lands next to the last.
  BatchMapWriter MapWriter();
  // What the monitor has verified; what a restart resumes from.
  void PutState(const AuditState& state);

 private:
  friend class MonitorStore;
  const MonitorStore& store_;
  rocksdb::WriteBatch batch_;
};

class MonitorStore {
 public:
  // Opens or creates the database in `path`, for `origin`. FailedPrecondition
  // if it holds another origin's state (or another process has it open);
  // storage errors as Database::Open. `env` as DatabaseOptions::env (tests).
  static absl::StatusOr<std::unique_ptr<MonitorStore>> Open(const std::string& path,
                                                            const std::string& origin,
                                                            size_t block_cache_bytes = 64 << 20,
                                                            rocksdb::Env* env = nullptr);

  // The stored state; a fresh one (size 0, this origin) when none.
  absl::StatusOr<AuditState> GetState() const;

  // The replayed map as last committed (core/map/tiled_map.h reads through
  // it). No snapshot: only the Auditor writes the map, from the thread that
  // reads it, so the committed state does not move under a reader; its
  // leaf scans read as of their first one.
  RocksMapReader MapReader() const;
  // The writer that carries the log tiles' right edge from one commit to
  // the next, loaded for `size` entries as last committed. DataLoss if the
  // edge is missing or damaged.
  absl::StatusOr<LogTileWriter> ResumeLogTiles(uint64_t size) const;
  // Writes the batch atomically and durably (synced): when this returns OK
  // it survives kill -9. Safe while other threads read.
  absl::Status Commit(AuditBatch& batch);
  // Database::ProbeWrite: whether writes work (again, after a full disk).
  absl::Status ProbeWrite() { return db_->ProbeWrite(); }

  // The root of the stored tree at `size` (0 < size <= the stored size), and
  // the consistency proof between two such sizes, from the stored tiles.
  absl::StatusOr<Hash> RootAt(uint64_t size) const;
  absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t size1, uint64_t size2) const;

  // Appends evidence (synced). Returns its sequence number.
  absl::StatusOr<uint64_t> AddEvidence(const std::string& encoded);
  // Every stored evidence, oldest first.
  absl::StatusOr<std::vector<std::string>> ListEvidence() const;

  // A full manual compaction of every column family (RocksDB's CompactRange
  // over all keys): benchmarks measure the disk a store needs after it.
  // Slow; not for the serving path.
  absl::Status CompactAll();

 private:
  friend class AuditBatch;
  explicit MonitorStore(std::unique_ptr<Database> db, std::string origin)
      : db_(std::move(db)), origin_(std::move(origin)) {}
  rocksdb::ColumnFamilyHandle* family(size_t f) const { return db_->cf(f); }
  std::unique_ptr<Database> db_;
  std::string origin_;
};

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_MONITOR_STORE_H_
