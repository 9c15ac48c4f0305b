#include "core/storage/database.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/listener.h"
#include "rocksdb/table.h"

namespace keytrail {
namespace {
constexpr absl::string_view kDiskFull = "disk full";

// RocksDB's own diagnostic log ("LOG" in the database directory), written
// with plain write(2) calls whose failures are ignored. RocksDB's built-in
// logger goes through its WritableFileWriter, which after one failed write
// (a full disk) trips an assertion on the next line it logs and aborts the
// process (Debian's build keeps assertions), in the middle of the very
// error handling that would have recovered.
class InfoLog : public rocksdb::Logger {
 public:
  static std::shared_ptr<rocksdb::Logger> Open(const std::string& dir) {
    const std::string path = dir + "/LOG";
    struct stat st;
    // One earlier log is kept; RocksDB's stats lines would grow it forever.
    if (::stat(path.c_str(), &st) == 0 && st.st_size > kMaxBytes) {
      ::rename(path.c_str(), (path + ".old").c_str());
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    return std::make_shared<InfoLog>(fd);
  }
  explicit InfoLog(int fd) : fd_(fd) {}
  ~InfoLog() override {
    if (fd_ >= 0) ::close(fd_);
  }
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    if (fd_ < 0) return;
    char line[4096];
    const std::string time =
        absl::FormatTime("%Y/%m/%d-%H:%M:%E6S ", absl::Now(), absl::UTCTimeZone());
    size_t n = std::min(time.size(), sizeof(line));
    std::memcpy(line, time.data(), n);
    const int wrote = std::vsnprintf(line + n, sizeof(line) - n, format, ap);
    if (wrote > 0) n = std::min(sizeof(line) - 1, n + static_cast<size_t>(wrote));
    line[n++] = '\n';
    (void)!::write(fd_, line, n);  // a full disk loses diagnostics, nothing else
  }

 private:
  static constexpr off_t kMaxBytes = 64 << 20;
  const int fd_;
};

}  // namespace

// Hears of RocksDB's background errors (with the database mutex held: it
// only sets flags). RocksDB's own automatic recovery is turned off: it
// "recovers" at once when there is nothing to flush, even with the disk
// still full, and it races the checks in Resume(). The owner of the
// database resumes it instead, with backoff (Database::Resume).
class Database::ErrorListener : public rocksdb::EventListener {
 public:
  void OnBackgroundError(rocksdb::BackgroundErrorReason reason,
                         rocksdb::Status* /*error*/) override {
    if (reason == rocksdb::BackgroundErrorReason::kWriteCallback) log_write_failed_.store(true);
  }
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason /*reason*/, rocksdb::Status /*error*/,
                            bool* auto_recovery) override {
    *auto_recovery = false;
  }
  // A write to the write-ahead log failed and no Resume has cleared it.
  std::atomic<bool> log_write_failed_{false};
};

bool IsDiskFull(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable &&
         absl::StartsWith(status.message(), kDiskFull);
}

absl::Status FromRocksStatus(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(what, ": ", s.ToString());
  if (s.IsNoSpace()) {
    return absl::UnavailableError(absl::StrCat(kDiskFull, ": ", message));
  }
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

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path,
                                                         const DatabaseOptions& options) {
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
  if (options.env != nullptr) db_options.env = options.env;
  // The directory must exist before the log file can be made in it (RocksDB
  // would make it too; with create_if_missing false it must be there).
  if (options.create_if_missing) ::mkdir(path.c_str(), 0700);
  db_options.info_log = InfoLog::Open(path);
  auto listener = std::make_shared<ErrorListener>();
  db_options.listeners.push_back(listener);
  db_options.max_bgerror_resume_count = 0;  // see ErrorListener

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  if (options.pin_index_and_filter_blocks) {
    table.metadata_cache_options.top_level_index_pinning = rocksdb::PinningTier::kAll;
    table.metadata_cache_options.partition_pinning = rocksdb::PinningTier::kAll;
    table.metadata_cache_options.unpartitioned_pinning = rocksdb::PinningTier::kAll;
  }
  table.block_size = options.block_bytes;
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
  db->errors_ = listener;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(rocksdb::DBOptions(db_options), path, descriptors, &db->handles_, &raw);
  if (!s.ok()) {
    return FromRocksStatus(s, absl::StrCat("opening database ", path));
  }
  db->db_.reset(raw);
  // What the replay left in memtables (see avoid_flush_during_recovery)
  // stays there until new writes fill a memtable: every seek searches a skip
  // list of up to max_total_wal_size (the log server's lookups, whose map
  // proofs seek, took ~20% less CPU once it was flushed: BENCHMARKS.md
  // "Lookups, third pass"), and every later start replays it again. So flush
  // it now, in the background: opening and serving do not wait, and a failed
  // flush is a background error like that of any flush a write starts.
  if (!db->AllMemtablesEmpty()) {
    rocksdb::FlushOptions flush;
    flush.wait = false;
    flush.allow_write_stall = true;
    // Not scheduling it is no error for opening (the data is in the log, as
    // before); a failure of the flush itself reaches ErrorListener.
    raw->Flush(flush, db->handles_).PermitUncheckedError();
  }
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
  return Snapshot(db->GetSnapshot(), [db](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
}

absl::StatusOr<std::optional<std::string>> Database::Get(rocksdb::ColumnFamilyHandle* cf,
                                                         absl::string_view key,
                                                         const rocksdb::Snapshot* snapshot) const {
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  std::string value;
  rocksdb::Status s = db_->Get(read, cf, ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocksStatus(s, absl::StrCat("reading ", cf->GetName()));
  return std::optional<std::string>(std::move(value));
}

absl::StatusOr<uint64_t> Database::WarmCache(rocksdb::ColumnFamilyHandle* cf, uint64_t max_bytes,
                                             const std::atomic<bool>& stop) const {
  rocksdb::ReadOptions read;
  read.fill_cache = true;
  // Sequential reads in big requests: from a cold disk this is the fast
  // way in (point reads of 4 KiB blocks, one at a time, are what it spares
  // the first lookups).
  read.readahead_size = 2 << 20;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, cf));
  uint64_t bytes = 0;
  for (it->SeekToFirst(); it->Valid() && bytes < max_bytes && !stop.load(); it->Next()) {
    bytes += it->key().size() + it->value().size();
  }
  if (!it->status().ok()) {
    return FromRocksStatus(it->status(), absl::StrCat("warming the cache of ", cf->GetName()));
  }
  return bytes;
}

uint64_t Database::BlockCacheUsage() const {
  uint64_t usage = 0;
  db_->GetIntProperty(rocksdb::DB::Properties::kBlockCacheUsage, &usage);
  return usage;
}

uint64_t Database::BlockCachePinnedUsage() const {
  uint64_t usage = 0;
  db_->GetIntProperty(rocksdb::DB::Properties::kBlockCachePinnedUsage, &usage);
  return usage;
}

bool Database::AllMemtablesEmpty() const {
  for (rocksdb::ColumnFamilyHandle* h : handles_) {
    uint64_t entries = 0;
    if (!db_->GetIntProperty(h, rocksdb::DB::Properties::kNumEntriesActiveMemTable, &entries) ||
        entries > 0) {
      return false;
    }
  }
  return true;
}

std::optional<uint64_t> Database::CurrentLogNumber() const {
  std::unique_ptr<rocksdb::LogFile> log;
  if (!db_->GetCurrentWalFile(&log).ok() || log == nullptr) return std::nullopt;
  return log->LogNumber();
}

bool Database::OnBrokenLog() const {
  absl::MutexLock lock(&mu_);
  return broken_log_.has_value() && CurrentLogNumber() == broken_log_;
}

absl::Status Database::Commit(rocksdb::WriteBatch* batch) {
  // After a failed write every later one fails until Resume: try it first,
  // so callers that retry (the monitor's follower, the cosignature store)
  // recover by themselves once space returns.
  if (write_failed_.load()) {
    absl::Status resumed = Resume();
    if (!resumed.ok()) return resumed;
  }
  if (OnBrokenLog()) return NeedsRestart();
  rocksdb::WriteOptions write;
  write.sync = true;
  rocksdb::Status s = db_->Write(write, batch);
  if (!s.ok()) write_failed_.store(true);
  if (!s.ok() && errors_->log_write_failed_.exchange(false)) {
    // RocksDB will not write to this log file again (see NeedsRestart).
    absl::MutexLock lock(&mu_);
    if (!broken_log_.has_value()) broken_log_ = CurrentLogNumber();
  }
  return FromRocksStatus(s, "committing write batch");
}

absl::Status Database::ProbeWrite() {
  rocksdb::WriteBatch batch;
  batch.Delete(handles_[0], "keytrail.write-probe");
  return Commit(&batch);
}

absl::Status Database::NeedsRestart() {
  // RocksDB 7.x refuses every write to a write-ahead log file once one
  // failed (and trips an assertion in builds that keep them), and starts a
  // new log file only when it flushes a memtable that holds something. A
  // failure with every memtable empty leaves it on the failed log: only
  // reopening the database starts a new one.
  return absl::FailedPreconditionError(
      "the write-ahead log failed while RocksDB had nothing in memory to flush, so it "
      "can't switch to a new log; writes need a restart");
}

absl::Status Database::Resume() {
  absl::MutexLock resume_lock(&resume_mu_);
  {
    absl::MutexLock lock(&mu_);
    if (broken_log_.has_value() && CurrentLogNumber() == broken_log_ && AllMemtablesEmpty()) {
      return NeedsRestart();
    }
  }
  rocksdb::Status s = db_->Resume();
  // Busy: RocksDB is already recovering on its own; ask again later.
  if (s.IsBusy()) return absl::UnavailableError(absl::StrCat("resuming writes: ", s.ToString()));
  if (!s.ok()) return FromRocksStatus(s, "resuming writes");
  absl::MutexLock lock(&mu_);
  if (broken_log_.has_value()) {
    if (CurrentLogNumber() == broken_log_) return NeedsRestart();
    broken_log_.reset();
  }
  write_failed_.store(false);
  return absl::OkStatus();
}

}  // namespace keytrail
