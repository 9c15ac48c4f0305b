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
// Messages name the operation and column family.
#ifndef KEYTRAIL_CORE_STORAGE_DATABASE_H_
#define KEYTRAIL_CORE_STORAGE_DATABASE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace keytrail {

// Translates a RocksDB status (see the file comment for the mapping).
absl::Status FromRocksStatus(const rocksdb::Status& s, absl::string_view what);

struct DatabaseOptions {
  // Column families besides "default", in the order handles are returned.
  std::vector<std::string> column_families;
  // Block cache shared by all column families.
  size_t block_cache_bytes = 256 << 20;
  // Create the database if missing (false: NotFound for a missing one).
  bool create_if_missing = true;
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

  // Writes the batch atomically and durably (WAL fsync).
  absl::Status Commit(rocksdb::WriteBatch* batch);

  const std::string& path() const { return path_; }

 private:
  Database() = default;
  std::string path_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // [0] is "default"
};

// rocksdb::Slice <-> string_view.
inline rocksdb::Slice ToSlice(absl::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
inline absl::string_view ToView(const rocksdb::Slice& s) { return absl::string_view(s.data(), s.size()); }

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_STORAGE_DATABASE_H_
