#include "log_server/log_storage.h"

#include "absl/strings/str_cat.h"
#include "rocksdb/iterator.h"

namespace keytrail {
namespace {

// The column families, in the order Open declares them (docs/STORAGE.md).
enum Family : size_t {
  kMeta = 0,    // "config" -> LogConfig, "state" -> LogState, "cosigned" -> CosignedRecord,
                // "tiles_published" -> TilesPublishedRecord,
                // "account_ids_complete", "replica" -> the byte 01
  kEntries,     // U64Key(bundle) -> entry bundle (entry_bundles.h)
  kLogTiles,    // LogTileKey(level, index) -> log tile (core/storage/log_tiles.h)
  kAccounts,    // account id -> AccountRecord
  kVersions,    // VersionKey(index, version) -> VersionRecord
  kMapLeaves,   // index -> map leaf (core/storage/rocks_map_store.h)
  kMapTiles,    // map tile key -> map tile record (core/map/tiled_map.h)
  kEpochs,      // U64Key(epoch) -> EpochRecord
  kAccountIds,  // index -> AccountIdRecord (the reverse of kAccounts)
};

std::vector<std::string> FamilyNames() {
  return {"meta",       "entries",   "log_tiles", "accounts",   "versions",
          "map_leaves", "map_tiles", "epochs",    "account_ids"};
}

constexpr absl::string_view kConfigKey = "config";
constexpr absl::string_view kStateKey = "state";
constexpr absl::string_view kCosignedKey = "cosigned";
constexpr absl::string_view kTilesPublishedKey = "tiles_published";
constexpr absl::string_view kAccountIdsCompleteKey = "account_ids_complete";
// The record's whole value: its format byte (it has no fields).
constexpr absl::string_view kAccountIdsCompleteValue = "\x01";
constexpr absl::string_view kReplicaKey = "replica";
// The replica marker's whole value: its format byte.
constexpr absl::string_view kReplicaValue = "\x01";
// Reverse records per batch while backfilling (~100 bytes each).
constexpr size_t kBackfillBatch = 10000;

}  // namespace

// ---- LogStorage ----

absl::StatusOr<std::unique_ptr<LogStorage>> LogStorage::Open(const std::string& data_dir,
                                                             size_t block_cache_bytes,
                                                             rocksdb::Env* env,
                                                             bool pin_index_and_filter_blocks) {
  DatabaseOptions options;
  options.pin_index_and_filter_blocks = pin_index_and_filter_blocks;
  options.env = env;
  options.column_families = FamilyNames();
  options.block_cache_bytes = block_cache_bytes;
  auto db = Database::Open(data_dir, options);
  if (!db.ok()) return db.status();
  return std::unique_ptr<LogStorage>(new LogStorage(*std::move(db)));
}

absl::StatusOr<uint64_t> LogStorage::BackfillAccountIds() {
  auto complete = Reader(nullptr).GetAccountIdsComplete();
  if (!complete.ok()) return complete.status();
  if (*complete) return uint64_t{0};
  // Only the builder writes accounts, and it does not run yet (REQUIRES):
  // the latest state is stable while we scan it.
  uint64_t written = 0;
  EpochBatch batch(*this);
  size_t pending = 0;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->raw()->NewIterator(rocksdb::ReadOptions(), family(kAccounts)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const absl::string_view account(it->key().data(), it->key().size());
    auto record = DecodeAccountRecord(absl::string_view(it->value().data(), it->value().size()));
    if (!record.ok()) return record.status();
    std::string id = EncodeAccountIdRecord(AccountIdRecord{std::string(account)});
    batch.batch_.Put(family(kAccountIds), ToSlice(HashView(record->index)), ToSlice(id));
    ++written;
    if (++pending == kBackfillBatch) {
      absl::Status s = Commit(batch);
      if (!s.ok()) return s;
      batch.batch_.Clear();
      pending = 0;
    }
  }
  if (!it->status().ok()) {
    return absl::UnavailableError(absl::StrCat("reading accounts: ", it->status().ToString()));
  }
  // The marker last: a crash before it only means scanning again.
  batch.PutAccountIdsComplete();
  absl::Status s = Commit(batch);
  if (!s.ok()) return s;
  return written;
}

absl::StatusOr<LogTileWriter> LogStorage::ResumeLogTiles(uint64_t tree_size) const {
  return LogTileWriter::Resume(*db_, family(kLogTiles), tree_size);
}

absl::StatusOr<EntryBundleWriter> LogStorage::ResumeEntryBundles(uint64_t tree_size) const {
  return EntryBundleWriter::Resume(*db_, family(kEntries), tree_size);
}

absl::Status LogStorage::Commit(EpochBatch& batch) { return db_->Commit(&batch.batch_); }

absl::StatusOr<uint64_t> LogStorage::WarmLookupCache(
    uint64_t max_bytes, const std::atomic<bool>& stop,
    const std::function<void(absl::string_view, uint64_t, uint64_t, uint64_t)>& progress) const {
  const std::vector<std::string> names = FamilyNames();
  uint64_t total = 0;
  // The order a lookup reads them in; the first are the smallest per
  // account, so a budget smaller than all three covers the most lookups.
  for (size_t f : {kAccounts, kMapLeaves, kVersions}) {
    if (total >= max_bytes || stop.load()) break;
    auto bytes = db_->WarmCache(family(f), max_bytes - total, stop);
    if (!bytes.ok()) return bytes.status();
    total += *bytes;
    progress(names[f], *bytes, db_->BlockCacheUsage(), db_->BlockCachePinnedUsage());
  }
  return total;
}

// ---- LogReader ----

template <typename T, typename Decode>
absl::StatusOr<std::optional<T>> LogReader::GetRecord(size_t f, absl::string_view key,
                                                      Decode decode) const {
  auto value = storage_->db_->Get(storage_->family(f), key, snapshot_);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::optional<T>();
  absl::StatusOr<T> record = decode(**value);
  if (!record.ok()) return record.status();
  return std::optional<T>(*std::move(record));
}

absl::StatusOr<std::optional<LogConfig>> LogReader::GetConfig() const {
  return GetRecord<LogConfig>(kMeta, kConfigKey, DecodeLogConfig);
}

absl::StatusOr<std::optional<LogState>> LogReader::GetState() const {
  return GetRecord<LogState>(kMeta, kStateKey, DecodeLogState);
}

absl::StatusOr<std::optional<AccountRecord>> LogReader::GetAccount(
    absl::string_view account) const {
  return GetRecord<AccountRecord>(kAccounts, account, DecodeAccountRecord);
}

absl::StatusOr<bool> LogReader::GetAccountIdsComplete() const {
  auto value = storage_->db_->Get(storage_->family(kMeta), kAccountIdsCompleteKey, snapshot_);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return false;
  if (**value != kAccountIdsCompleteValue) {
    return absl::DataLossError("stored record: account_ids_complete: not the one valid value");
  }
  return true;
}

absl::StatusOr<bool> LogReader::IsReplica() const {
  auto value = storage_->db_->Get(storage_->family(kMeta), kReplicaKey, snapshot_);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return false;
  if (**value != kReplicaValue) {
    return absl::DataLossError("stored record: replica: not the one valid value");
  }
  return true;
}

absl::StatusOr<std::optional<AccountIdRecord>> LogReader::GetAccountId(const Hash& index) const {
  return GetRecord<AccountIdRecord>(kAccountIds, HashView(index), DecodeAccountIdRecord);
}

absl::StatusOr<std::optional<VersionRecord>> LogReader::GetVersion(const Hash& index,
                                                                   uint64_t version) const {
  return GetRecord<VersionRecord>(kVersions, VersionKey(index, version), DecodeVersionRecord);
}

absl::StatusOr<std::vector<VersionRecord>> LogReader::GetVersions(const Hash& index, uint64_t first,
                                                                  uint64_t last) const {
  std::vector<VersionRecord> out;
  if (first > last) return out;
  rocksdb::ReadOptions read;
  read.snapshot = snapshot_;
  std::string upper = VersionKey(index, last + 1);
  rocksdb::Slice upper_slice = ToSlice(upper);
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      storage_->db_->raw()->NewIterator(read, storage_->family(kVersions)));
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

absl::StatusOr<std::optional<CosignedRecord>> LogReader::GetCosigned() const {
  return GetRecord<CosignedRecord>(kMeta, kCosignedKey, DecodeCosignedRecord);
}

absl::StatusOr<std::optional<TilesPublishedRecord>> LogReader::GetTilesPublished() const {
  return GetRecord<TilesPublishedRecord>(kMeta, kTilesPublishedKey, DecodeTilesPublishedRecord);
}

absl::StatusOr<std::optional<EpochRecord>> LogReader::GetEpoch(uint64_t epoch) const {
  return GetRecord<EpochRecord>(kEpochs, U64Key(epoch), DecodeEpochRecord);
}

absl::StatusOr<std::vector<std::string>> LogReader::GetEntries(uint64_t start,
                                                               uint64_t count) const {
  return ReadEntries(*storage_->db_, storage_->family(kEntries), snapshot_, start, count);
}

RocksMapReader LogReader::MapReader() const {
  return RocksMapReader(*storage_->db_, storage_->family(kMapTiles), storage_->family(kMapLeaves),
                        snapshot_);
}

LogTileReader LogReader::LogTiles() const {
  return LogTileReader(*storage_->db_, storage_->family(kLogTiles), snapshot_);
}

// ---- EpochBatch ----

void EpochBatch::PutConfig(const LogConfig& config) {
  std::string value = EncodeLogConfig(config);
  batch_.Put(storage_.family(kMeta), ToSlice(kConfigKey), ToSlice(value));
  // A new log writes account_ids from its first account on.
  PutAccountIdsComplete();
}

void EpochBatch::PutAccountIdsComplete() {
  batch_.Put(storage_.family(kMeta), ToSlice(kAccountIdsCompleteKey),
             ToSlice(kAccountIdsCompleteValue));
}

void EpochBatch::PutReplicaMarker() {
  batch_.Put(storage_.family(kMeta), ToSlice(kReplicaKey), ToSlice(kReplicaValue));
}

void EpochBatch::PutAccount(absl::string_view account, const AccountRecord& record) {
  std::string value = EncodeAccountRecord(record);
  batch_.Put(storage_.family(kAccounts), ToSlice(account), ToSlice(value));
  std::string id = EncodeAccountIdRecord(AccountIdRecord{std::string(account)});
  batch_.Put(storage_.family(kAccountIds), ToSlice(HashView(record.index)), ToSlice(id));
}

void EpochBatch::PutVersion(const Hash& index, uint64_t version, const VersionRecord& record) {
  std::string key = VersionKey(index, version);
  std::string value = EncodeVersionRecord(record);
  batch_.Put(storage_.family(kVersions), ToSlice(key), ToSlice(value));
}

void EpochBatch::PutEpoch(uint64_t epoch, const EpochRecord& record) {
  std::string value = EncodeEpochRecord(record);
  batch_.Put(storage_.family(kEpochs), ToSlice(U64Key(epoch)), ToSlice(value));
}

void EpochBatch::PutState(const LogState& state) {
  std::string value = EncodeLogState(state);
  batch_.Put(storage_.family(kMeta), ToSlice(kStateKey), ToSlice(value));
}

void EpochBatch::PutCosigned(const CosignedRecord& record) {
  std::string value = EncodeCosignedRecord(record);
  batch_.Put(storage_.family(kMeta), ToSlice(kCosignedKey), ToSlice(value));
}

void EpochBatch::PutTilesPublished(const TilesPublishedRecord& record) {
  std::string value = EncodeTilesPublishedRecord(record);
  batch_.Put(storage_.family(kMeta), ToSlice(kTilesPublishedKey), ToSlice(value));
}

void EpochBatch::PutLogTiles(LogTileWriter& tiles) { tiles.Flush(&batch_); }

void EpochBatch::PutEntryBundles(EntryBundleWriter& entries) { entries.Flush(&batch_); }

BatchMapWriter EpochBatch::MapWriter() {
  return BatchMapWriter(&batch_, storage_.family(kMapTiles), storage_.family(kMapLeaves));
}

}  // namespace keytrail
