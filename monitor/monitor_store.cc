#include "monitor/monitor_store.h"

#include "absl/strings/str_cat.h"
#include "core/bytes/reader.h"
#include "core/merkle/proof_builder.h"
#include "core/storage/log_tiles.h"

namespace keytrail::monitor {
namespace {

// The column families, in the order Open declares them (docs/MONITOR.md).
enum Family : size_t {
  kMeta = 0,   // "state" -> AuditState
  kLogTiles,   // the log's RFC 6962 tree as fat tiles (core/storage/log_tiles.h)
  kMapTiles,   // map tile key -> map tile record (core/map/tiled_map.h)
  kMapLeaves,  // index -> map leaf (core/storage/rocks_map_store.h)
  kEvidence,   // U64Key(sequence number) -> encoded evidence (core/evidence)
};

std::vector<std::string> FamilyNames() {
  return {"meta", "log_tiles", "map_tiles", "map_leaves", "evidence"};
}

constexpr uint8_t kStateFormat = 1;
constexpr absl::string_view kStateKey = "state";
constexpr absl::string_view kStateWhat = "monitor state";

std::string U64Key(uint64_t v) {
  std::string out;
  ByteWriter w(&out);
  w.U64(v);
  return out;
}

}  // namespace

std::string EncodeAuditState(const AuditState& s) {
  std::string out;
  ByteWriter w(&out);
  w.U8(kStateFormat);
  w.U16Prefixed(s.origin);
  w.U64(s.size);
  if (s.size > 0) w.Bytes(EncodeEntry(s.last_epoch));
  w.U8(static_cast<uint8_t>(s.frontier.size()));
  for (const Hash& h : s.frontier) w.Array(h);
  w.U16Prefixed(s.checkpoint);
  return out;
}

namespace {

// Reports malformed bytes as ByteReader does (InvalidArgument, naming the
// field); DecodeAuditState relabels that DataLoss, as log_server/records.cc
// does for the log's records.
absl::StatusOr<AuditState> ParseAuditState(absl::string_view bytes) {
  ByteReader r(bytes);
  AuditState s;
  uint8_t format, count;
  absl::string_view origin, entry, checkpoint;
  if (!r.ReadU8(&format)) return TruncatedError(kStateWhat, "format");
  if (format != kStateFormat) {
    return absl::InvalidArgumentError(absl::StrCat(kStateWhat, ": unknown format ", format));
  }
  if (!r.ReadU16Prefixed(&origin)) return TruncatedError(kStateWhat, "origin");
  if (!r.ReadU64(&s.size)) return TruncatedError(kStateWhat, "size");
  s.origin = std::string(origin);
  if (s.size > 0) {
    if (!r.ReadBytes(kEpochEntrySize, &entry)) return TruncatedError(kStateWhat, "last epoch");
    auto epoch = DecodeEpochEntry(entry);
    if (!epoch.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(kStateWhat, ": last epoch: ", epoch.status().message()));
    }
    s.last_epoch = *epoch;
  }
  if (!r.ReadU8(&count)) return TruncatedError(kStateWhat, "frontier size");
  if (count != static_cast<uint8_t>(__builtin_popcountll(s.size))) {
    return absl::InvalidArgumentError(
        absl::StrCat(kStateWhat, ": frontier does not match the size"));
  }
  s.frontier.resize(count);
  for (Hash& h : s.frontier) {
    if (!r.ReadArray(&h)) return TruncatedError(kStateWhat, "frontier");
  }
  if (!r.ReadU16Prefixed(&checkpoint)) return TruncatedError(kStateWhat, "checkpoint");
  s.checkpoint = std::string(checkpoint);
  if (s.size > 0 && s.checkpoint.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(kStateWhat, ": no checkpoint"));
  }
  if (absl::Status f = r.Finish(kStateWhat); !f.ok()) return f;
  return s;
}

}  // namespace

absl::StatusOr<AuditState> DecodeAuditState(absl::string_view bytes) {
  absl::StatusOr<AuditState> parsed = ParseAuditState(bytes);
  if (!parsed.ok()) return AsDataLoss(parsed.status(), "stored record");
  return parsed;
}

absl::StatusOr<std::unique_ptr<MonitorStore>> MonitorStore::Open(const std::string& path,
                                                                 const std::string& origin,
                                                                 size_t block_cache_bytes,
                                                                 rocksdb::Env* env) {
  DatabaseOptions options;
  options.env = env;
  options.column_families = FamilyNames();
  options.block_cache_bytes = block_cache_bytes;
  // Replaying a big epoch reads most of the map's leaves in index order
  // (TiledMap rehashes each touched bottom subtree from all its leaves):
  // 16 KiB blocks load a quarter as many blocks as the default 4 KiB for
  // the same bytes. At 1,000,000 accounts this took the replay's CPU per
  // entry down ~17% (BENCHMARKS.md, monitor replay).
  options.block_bytes = 16 << 10;
  auto db = Database::Open(path, options);
  if (!db.ok()) return db.status();
  auto store = std::unique_ptr<MonitorStore>(new MonitorStore(*std::move(db), origin));
  auto state = store->GetState();
  if (!state.ok()) return state.status();
  if (state->origin != origin) {
    return absl::FailedPreconditionError(absl::StrCat("monitor database ", path,
                                                      " belongs to origin \"", state->origin,
                                                      "\", not \"", origin, "\""));
  }
  return store;
}

absl::StatusOr<AuditState> MonitorStore::GetState() const {
  auto value = db_->Get(family(kMeta), kStateKey, nullptr);
  if (!value.ok()) return value.status();
  if (!value->has_value()) {
    AuditState fresh;
    fresh.origin = origin_;
    return fresh;
  }
  return DecodeAuditState(**value);
}

RocksMapReader MonitorStore::MapReader() const {
  return RocksMapReader(*db_, family(kMapTiles), family(kMapLeaves), nullptr);
}

absl::StatusOr<LogTileWriter> MonitorStore::ResumeLogTiles(uint64_t size) const {
  return LogTileWriter::Resume(*db_, family(kLogTiles), size);
}

absl::Status MonitorStore::Commit(AuditBatch& batch) { return db_->Commit(&batch.batch_); }

absl::StatusOr<Hash> MonitorStore::RootAt(uint64_t size) const {
  Snapshot snapshot = db_->GetSnapshot();
  LogTileReader reader(*db_, family(kLogTiles), snapshot.get());
  return merkle::RootAt(size, reader);
}

absl::StatusOr<std::vector<Hash>> MonitorStore::ConsistencyProof(uint64_t size1,
                                                                 uint64_t size2) const {
  Snapshot snapshot = db_->GetSnapshot();
  LogTileReader reader(*db_, family(kLogTiles), snapshot.get());
  return merkle::BuildConsistencyProof(size1, size2, reader);
}

absl::StatusOr<uint64_t> MonitorStore::AddEvidence(const std::string& encoded) {
  auto existing = ListEvidence();
  if (!existing.ok()) return existing.status();
  const uint64_t seq = existing->size();
  rocksdb::WriteBatch batch;
  std::string key = U64Key(seq);
  batch.Put(family(kEvidence), ToSlice(key), ToSlice(encoded));
  absl::Status s = db_->Commit(&batch);
  if (!s.ok()) return s;
  return seq;
}

absl::StatusOr<std::vector<std::string>> MonitorStore::ListEvidence() const {
  std::vector<std::string> out;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->raw()->NewIterator(rocksdb::ReadOptions(), family(kEvidence)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) out.emplace_back(ToView(it->value()));
  absl::Status s = FromRocksStatus(it->status(), "scan evidence");
  if (!s.ok()) return s;
  return out;
}

absl::Status MonitorStore::CompactAll() {
  rocksdb::CompactRangeOptions options;
  for (size_t f : {kMeta, kLogTiles, kMapTiles, kMapLeaves, kEvidence}) {
    absl::Status s = FromRocksStatus(db_->raw()->CompactRange(options, family(f), nullptr, nullptr),
                                     "compacting");
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

// ---- AuditBatch ----

void AuditBatch::PutLogTiles(LogTileWriter& tiles) { tiles.Flush(&batch_); }

BatchMapWriter AuditBatch::MapWriter() {
  return BatchMapWriter(&batch_, store_.family(kMapTiles), store_.family(kMapLeaves));
}

void AuditBatch::PutState(const AuditState& state) {
  std::string value = EncodeAuditState(state);
  batch_.Put(store_.family(kMeta), ToSlice(kStateKey), ToSlice(value));
}

}  // namespace keytrail::monitor
