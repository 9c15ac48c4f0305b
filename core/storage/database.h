// Database: keytrail's RocksDB handle, with the column families a component
// declares, consistent snapshots, and synced write batches.
//
// Durability: Commit() writes a batch with sync = true, so when it returns OK
// the batch survives kill -9 and power loss (RocksDB's WAL is fsynced);
// either the whole batch is visible after a crash or none of it is.
//
// Thread safety: all methods may be called from any thread. Snapshots are
// shared_ptrs; the snapshot is released when the last copy goes.
//
// Errors: RocksDB statuses map onto absl codes on purpose: Corruption ->
// DataLoss, IOError -> Unavailable (disk trouble, a retry may help), NotFound
// -> NotFound, InvalidArgument -> InvalidArgument, anything else -> Internal.
// Messages name the operation and column family; a full disk's start with
// "disk full" (IsDiskFull tells).
//
// A failed write (a full disk, an I/O error) puts RocksDB in a read-only
// "background error" state: reads go on, every later write fails with the
// same error until Resume() clears it. Nothing of the failed batch is
// visible, then or after a restart.
#ifndef KEYTRAIL_CORE_STORAGE_DATABASE_H_
#define KEYTRAIL_CORE_STORAGE_DATABASE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace keytrail {

// Translates a RocksDB status (see the file comment for the mapping).
absl::Status FromRocksStatus(const rocksdb::Status& s, absl::string_view what);

// Whether `status` (from FromRocksStatus) says the disk is full.
bool IsDiskFull(const absl::Status& status);

struct DatabaseOptions {
  // Column families besides "default", in the order handles are returned.
  std::vector<std::string> column_families;
  // Block cache shared by all column families.
  size_t block_cache_bytes = 256 << 20;
  // Size of the data blocks new table files are written in (RocksDB's
  // default, 4 KiB, unless set). Files keep the size they were written
  // with, so changing it needs no migration. Bigger blocks suit a store
  // whose reads are mostly long range scans (the monitor's replay).
  size_t block_bytes = 4 << 10;
  // Keep every table file's index and bloom filter blocks pinned in the
  // block cache (charged to it) for as long as the file is open, instead of
  // only level 0's. Every point read and seek needs them; pinned, a read
  // finds them without a cache lookup (the same few blocks, looked up under
  // one cache shard's mutex by every reader, were where concurrent lookups
  // waited). Their memory: roughly 1-2% of the data (measured in
  // BENCHMARKS.md), held beyond the cache's LRU. Off by default (the log
  // server turns it on; other stores keep level 0's pinned only).
  bool pin_index_and_filter_blocks = false;
  // Create the database if missing (false: NotFound for a missing one).
  bool create_if_missing = true;
  // The file system to use (not owned; must outlive the database). Null:
  // the default one. Tests pass one that fails writes on demand.
  rocksdb::Env* env = nullptr;
};

using Snapshot = std::shared_ptr<const rocksdb::Snapshot>;

class Database {
 public:
  // Opens (or creates) the database in `path`. Fails with FailedPrecondition
  // when another process holds it (RocksDB's LOCK file), with the RocksDB
  // error mapped as above otherwise.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path,
                                                        const DatabaseOptions& options);
  ~Database();

  // Column family i of DatabaseOptions::column_families.
  rocksdb::ColumnFamilyHandle* cf(size_t i) const { return handles_[i + 1]; }
  rocksdb::DB* raw() const { return db_.get(); }

  // A consistent point-in-time view for reads. REQUIRES: every copy is
  // released before the Database is destroyed.
  Snapshot GetSnapshot() const;

  // The value under `key`, or nullopt when absent. `snapshot` may be null
  // (read the latest state).
  absl::StatusOr<std::optional<std::string>> Get(rocksdb::ColumnFamilyHandle* cf,
                                                 absl::string_view key,
                                                 const rocksdb::Snapshot* snapshot) const;

  // Reads `cf` from its first key in order with the block cache filled, so
  // the data, index and filter blocks of its table files are in memory for
  // later point reads (a server warming up before lookups hit it). Stops
  // once `max_bytes` of keys and values were read or `stop` turns true.
  // Returns the bytes of keys and values read; errors as Get (DataLoss for
  // a damaged file). What stays cached is bounded by the block cache
  // (DatabaseOptions::block_cache_bytes), not by this call. Reads the
  // latest state; safe from any thread, during writes.
  absl::StatusOr<uint64_t> WarmCache(rocksdb::ColumnFamilyHandle* cf, uint64_t max_bytes,
                                     const std::atomic<bool>& stop) const;

  // Bytes the block cache holds now (RocksDB's "block-cache-usage"), and of
  // those the bytes pinned (held by open files or readers: index and
  // filter blocks with pin_index_and_filter_blocks).
  uint64_t BlockCacheUsage() const;
  uint64_t BlockCachePinnedUsage() const;

  // Writes the batch atomically and durably (WAL fsync). After a failed
  // write it first calls Resume() and returns Resume's error if that fails:
  // a caller that retries recovers once the cause (a full disk) is gone.
  absl::Status Commit(rocksdb::WriteBatch* batch);

  // Whether writes work: a synced Commit of a batch that changes nothing
  // anyone reads (a delete of a key only this method uses, in the "default"
  // column family), so it resumes writes after a failed one exactly as
  // Commit does. For owners that must find out when a full disk has room
  // again without having anything to write. Errors as Commit.
  absl::Status ProbeWrite();

  // Takes the database out of the background-error state a failed write
  // left it in (see the file comment), so writes work again: flushes the
  // memtables to new files and starts a new write-ahead log, which needs
  // free space. OK at once when there is no error to clear. Unavailable
  // (disk full, "busy" while RocksDB recovers on its own) when a later call
  // may succeed; other codes mapped as above. FailedPrecondition when only
  // a restart can clear it: a write-ahead log write failed while every
  // memtable was empty, and RocksDB switches logs only by flushing one.
  // RocksDB's own automatic recovery is off: this is the only way out.
  // Safe from any thread.
  absl::Status Resume();

  const std::string& path() const { return path_; }

 private:
  class ErrorListener;
  Database() = default;
  bool AllMemtablesEmpty() const;
  std::optional<uint64_t> CurrentLogNumber() const;
  // Whether writes would go to the write-ahead log file whose write failed.
  bool OnBrokenLog() const;
  static absl::Status NeedsRestart();

  std::string path_;
  std::shared_ptr<ErrorListener> errors_;
  absl::Mutex resume_mu_;  // one Resume at a time
  mutable absl::Mutex mu_;
  // The write-ahead log file a write failed on, until a new one replaces it.
  std::optional<uint64_t> broken_log_ ABSL_GUARDED_BY(mu_);
  // A write failed and no Resume has succeeded since.
  std::atomic<bool> write_failed_{false};
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // [0] is "default"
};

// rocksdb::Slice <-> string_view.
inline rocksdb::Slice ToSlice(absl::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
inline absl::string_view ToView(const rocksdb::Slice& s) {
  return absl::string_view(s.data(), s.size());
}

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_STORAGE_DATABASE_H_
