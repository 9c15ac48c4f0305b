#include "core/storage/database.h"

#include "absl/strings/str_cat.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"

namespace keytrail {

absl::Status FromRocksStatus(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(what, ": ", s.ToString());
  switch (s.code()) {
    case rocksdb::Status::kNotFound:
      return absl::NotFoundError(message);
    case rocksdb::Status::kCorruption:
      return absl::DataLossError(message);
    case rocksdb::Status::kIOError:
      if (s.ToString().find("lock") != std::string::npos ||
          s.ToString().find("LOCK") != std::string::npos) {
        return absl::FailedPreconditionError(message);
      }
      return absl::UnavailableError(message);
    case rocksdb::Status::kInvalidArgument:
      return absl::InvalidArgumentError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(
    const std::string& path, const DatabaseOptions& options) {
  rocksdb::Options db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = options.create_if_missing;
  db_options.IncreaseParallelism(2);
  db_options.max_background_jobs = 2;
  // Whole epochs are written as one batch; a roomy memtable keeps flushes
  // (and the compactions they start) infrequent.
  db_options.write_buffer_size = 64 << 20;
  db_options.max_total_wal_size = 256 << 20;
  // After a crash, replay the WAL into memtables and serve at once instead
  // of flushing them to SST files first (start-up time after kill -9).
  db_options.avoid_flush_during_recovery = true;
  db_options.bytes_per_sync = 1 << 20;

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  rocksdb::ColumnFamilyOptions cf_options(db_options);
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf_options.compression = rocksdb::kNoCompression;  // hashes don't compress
  // A bloom filter over the memtable's keys: most point reads (an account's
  // record, a map leaf) miss the memtable, and the filter saves a skip-list
  // search in tens of megabytes of randomly keyed entries.
  cf_options.memtable_prefix_bloom_size_ratio = 0.02;
  cf_options.memtable_whole_key_filtering = true;

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_options);
  for (const std::string& name : options.column_families) {
    descriptors.emplace_back(name, cf_options);
  }

  auto db = std::unique_ptr<Database>(new Database());
  db->path_ = path;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(rocksdb::DBOptions(db_options), path,
                                        descriptors, &db->handles_, &raw);
  if (!s.ok()) {
    return FromRocksStatus(s, absl::StrCat("opening database ", path));
  }
  db->db_.reset(raw);
  return db;
}

Database::~Database() {
  if (db_ == nullptr) return;
  for (rocksdb::ColumnFamilyHandle* h : handles_) {
    db_->DestroyColumnFamilyHandle(h);
  }
  db_->Close();
}

Snapshot Database::GetSnapshot() const {
  rocksdb::DB* db = db_.get();
  return Snapshot(db->GetSnapshot(),
                  [db](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
}

absl::StatusOr<std::optional<std::string>> Database::Get(
    rocksdb::ColumnFamilyHandle* cf, absl::string_view key,
    const rocksdb::Snapshot* snapshot) const {
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  std::string value;
  rocksdb::Status s = db_->Get(read, cf, ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocksStatus(s, absl::StrCat("reading ", cf->GetName()));
  return std::optional<std::string>(std::move(value));
}

absl::Status Database::Commit(rocksdb::WriteBatch* batch) {
  rocksdb::WriteOptions write;
  write.sync = true;
  return FromRocksStatus(db_->Write(write, batch), "committing write batch");
}

}  // namespace keytrail
