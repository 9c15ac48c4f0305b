// LogStorage: the log server's RocksDB database and typed reads of its
// records (records.h). Writes happen only in the sequencer's epoch batches.
//
// Reads take a snapshot (nullptr = latest committed state) and return
// nullopt for absent records, DataLoss for damaged ones, and the mapped
// RocksDB error otherwise. Thread-safe.
#ifndef KEYTRAIL_LOG_SERVER_LOG_STORAGE_H_
#define KEYTRAIL_LOG_SERVER_LOG_STORAGE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/storage/database.h"
#include "log_server/records.h"

namespace keytrail {

class LogStorage {
 public:
  // Opens or creates the database in `data_dir`.
  static absl::StatusOr<std::unique_ptr<LogStorage>> Open(const std::string& data_dir,
                                                          size_t block_cache_bytes);

  Database& db() const { return *db_; }
  rocksdb::ColumnFamilyHandle* cf(LogCf f) const { return db_->cf(static_cast<size_t>(f)); }

  absl::StatusOr<std::optional<LogConfig>> GetConfig() const;
  absl::StatusOr<std::optional<LogState>> GetState(const rocksdb::Snapshot* snap) const;
  absl::StatusOr<std::optional<AccountRecord>> GetAccount(
      absl::string_view account, const rocksdb::Snapshot* snap) const;
  absl::StatusOr<std::optional<VersionRecord>> GetVersion(
      const Hash& index, uint64_t version, const rocksdb::Snapshot* snap) const;
  // Versions first..last (inclusive) of one index, in order. DataLoss if any
  // is missing.
  absl::StatusOr<std::vector<VersionRecord>> GetVersions(
      const Hash& index, uint64_t first, uint64_t last,
      const rocksdb::Snapshot* snap) const;
  absl::StatusOr<std::optional<EpochRecord>> GetEpoch(
      uint64_t epoch, const rocksdb::Snapshot* snap) const;
  // Entries [start, start + count). DataLoss if any is missing.
  absl::StatusOr<std::vector<std::string>> GetEntries(
      uint64_t start, uint64_t count, const rocksdb::Snapshot* snap) const;

 private:
  explicit LogStorage(std::unique_ptr<Database> db) : db_(std::move(db)) {}
  template <typename T, typename Decode>
  absl::StatusOr<std::optional<T>> GetRecord(LogCf f, absl::string_view key,
                                             const rocksdb::Snapshot* snap,
                                             Decode decode) const;
  std::unique_ptr<Database> db_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_LOG_STORAGE_H_
