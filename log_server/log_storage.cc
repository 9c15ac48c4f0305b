#include "log_server/log_storage.h"

#include "absl/strings/str_cat.h"
#include "log_server/entry_bundles.h"
#include "rocksdb/iterator.h"

namespace keytrail {

absl::StatusOr<std::unique_ptr<LogStorage>> LogStorage::Open(const std::string& data_dir,
                                                             size_t block_cache_bytes) {
  DatabaseOptions options;
  options.column_families = LogColumnFamilyNames();
  options.block_cache_bytes = block_cache_bytes;
  auto db = Database::Open(data_dir, options);
  if (!db.ok()) return db.status();
  return std::unique_ptr<LogStorage>(new LogStorage(*std::move(db)));
}

template <typename T, typename Decode>
absl::StatusOr<std::optional<T>> LogStorage::GetRecord(LogCf f, absl::string_view key,
                                                       const rocksdb::Snapshot* snap,
                                                       Decode decode) const {
  auto value = db_->Get(cf(f), key, snap);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::optional<T>();
  absl::StatusOr<T> record = decode(**value);
  if (!record.ok()) return record.status();
  return std::optional<T>(*std::move(record));
}

absl::StatusOr<std::optional<LogConfig>> LogStorage::GetConfig() const {
  return GetRecord<LogConfig>(LogCf::kMeta, "config", nullptr, DecodeLogConfig);
}

absl::StatusOr<std::optional<LogState>> LogStorage::GetState(
    const rocksdb::Snapshot* snap) const {
  return GetRecord<LogState>(LogCf::kMeta, "state", snap, DecodeLogState);
}

absl::StatusOr<std::optional<AccountRecord>> LogStorage::GetAccount(
    absl::string_view account, const rocksdb::Snapshot* snap) const {
  return GetRecord<AccountRecord>(LogCf::kAccounts, account, snap, DecodeAccountRecord);
}

absl::StatusOr<std::optional<VersionRecord>> LogStorage::GetVersion(
    const Hash& index, uint64_t version, const rocksdb::Snapshot* snap) const {
  return GetRecord<VersionRecord>(LogCf::kVersions, VersionKey(index, version), snap,
                                  DecodeVersionRecord);
}

absl::StatusOr<std::vector<VersionRecord>> LogStorage::GetVersions(
    const Hash& index, uint64_t first, uint64_t last,
    const rocksdb::Snapshot* snap) const {
  std::vector<VersionRecord> out;
  if (first > last) return out;
  rocksdb::ReadOptions read;
  read.snapshot = snap;
  std::string upper = VersionKey(index, last + 1);
  rocksdb::Slice upper_slice = ToSlice(upper);
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->raw()->NewIterator(read, cf(LogCf::kVersions)));
  uint64_t want = first;
  for (it->Seek(ToSlice(VersionKey(index, first))); it->Valid(); it->Next(), ++want) {
    if (ToView(it->key()) != VersionKey(index, want)) break;
    auto rec = DecodeVersionRecord(ToView(it->value()));
    if (!rec.ok()) return rec.status();
    out.push_back(*std::move(rec));
  }
  if (!it->status().ok()) return FromRocksStatus(it->status(), "reading versions");
  if (want != last + 1) {
    return absl::DataLossError(absl::StrCat("version ", want, " of an account is missing"));
  }
  return out;
}

absl::StatusOr<std::optional<EpochRecord>> LogStorage::GetEpoch(
    uint64_t epoch, const rocksdb::Snapshot* snap) const {
  return GetRecord<EpochRecord>(LogCf::kEpochs, U64Key(epoch), snap, DecodeEpochRecord);
}

absl::StatusOr<std::vector<std::string>> LogStorage::GetEntries(
    uint64_t start, uint64_t count, const rocksdb::Snapshot* snap) const {
  return ReadEntries(*db_, cf(LogCf::kEntries), snap, start, count);
}

}  // namespace keytrail
