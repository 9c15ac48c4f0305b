#include "monitor/witness_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/bytes/reader.h"
#include "rocksdb/write_batch.h"

namespace keytrail::monitor {
namespace {

constexpr uint8_t kRecordVersion = 1;
constexpr char kColumnFamily[] = "witness_state";

}  // namespace

std::string EncodeWitnessState(const WitnessState& state) {
  ByteWriter w;
  w.U8(kRecordVersion);
  w.U64(state.size);
  w.Array(state.root);
  w.U32Prefixed(state.note);
  return w.Release();
}

namespace {

// Reports malformed bytes as ByteReader does (InvalidArgument, naming the
// field); DecodeWitnessState relabels that DataLoss, as log_server/records.cc
// does for the log's records.
absl::StatusOr<WitnessState> ParseWitnessState(absl::string_view bytes) {
  ByteReader r(bytes);
  uint8_t version = 0;
  WitnessState state;
  absl::string_view note;
  if (!r.ReadU8(&version)) return TruncatedError("witness state", "format");
  if (version != kRecordVersion) {
    return absl::InvalidArgumentError(absl::StrCat("witness state: unknown format ", version));
  }
  if (!r.ReadU64(&state.size)) return TruncatedError("witness state", "size");
  if (!r.ReadArray(&state.root)) return TruncatedError("witness state", "root");
  if (!r.ReadU32Prefixed(&note)) return TruncatedError("witness state", "note");
  absl::Status done = r.Finish("witness state");
  if (!done.ok()) return done;
  state.note = std::string(note);
  return state;
}

}  // namespace

absl::StatusOr<WitnessState> DecodeWitnessState(absl::string_view bytes) {
  absl::StatusOr<WitnessState> parsed = ParseWitnessState(bytes);
  if (!parsed.ok()) return AsDataLoss(parsed.status(), "stored record");
  return parsed;
}

absl::StatusOr<std::unique_ptr<WitnessStore>> WitnessStore::Open(const std::string& path,
                                                                 StorageHealth* health,
                                                                 rocksdb::Env* env) {
  DatabaseOptions options;
  options.env = env;
  options.column_families = {kColumnFamily};
  options.block_cache_bytes = 8 << 20;  // a few records per log
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(path, options);
  if (!db.ok()) return db.status();
  if (health != nullptr) health->Add(kWitnessDatabase);
  return std::unique_ptr<WitnessStore>(new WitnessStore(std::move(*db), health));
}

absl::StatusOr<std::optional<WitnessState>> WitnessStore::Get(absl::string_view origin) const {
  return GetByOriginHash(Sha256Of(origin));
}

// A single read needs no lock: RocksDB reads are atomic on their own.
absl::StatusOr<std::optional<WitnessState>> WitnessStore::GetByOriginHash(
    const Hash& origin_hash) const {
  absl::StatusOr<std::optional<std::string>> raw =
      db_->Get(db_->cf(0), HashView(origin_hash), nullptr);
  if (!raw.ok()) return raw.status();
  if (!raw->has_value()) return std::optional<WitnessState>();
  absl::StatusOr<WitnessState> state = DecodeWitnessState(**raw);
  if (!state.ok()) {
    return absl::DataLossError(
        absl::StrCat(state.status().message(), " (origin hash ", HashHex(origin_hash), ")"));
  }
  return std::optional<WitnessState>(std::move(*state));
}

absl::Status WitnessStore::CompareAndSet(absl::string_view origin, uint64_t expected_size,
                                         const Hash& expected_root, const WitnessState& next,
                                         uint64_t* current_size) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<std::optional<WitnessState>> current = Get(origin);
  if (!current.ok()) return current.status();
  const uint64_t stored = current->has_value() ? (*current)->size : 0;
  if (current_size != nullptr) *current_size = stored;
  const bool matches = current->has_value() ? ((*current)->size == expected_size &&
                                               (*current)->root == expected_root)
                                            : expected_size == 0;
  if (!matches) {
    return absl::FailedPreconditionError(absl::StrCat("witness state: origin ", origin,
                                                      " is at size ", stored, ", not the expected ",
                                                      expected_size));
  }
  rocksdb::WriteBatch batch;
  batch.Put(db_->cf(0), ToSlice(HashView(Sha256Of(origin))), EncodeWitnessState(next));
  return Reported(db_->Commit(&batch));
}

absl::Status WitnessStore::ProbeWrite() { return Reported(db_->ProbeWrite()); }

absl::Status WitnessStore::Reported(absl::Status written) {
  if (health_ != nullptr) (void)health_->Report(kWitnessDatabase, written);
  if (absl::IsFailedPrecondition(written)) {
    return absl::UnavailableError(absl::StrCat("witness state: ", written.message()));
  }
  return written;
}

}  // namespace keytrail::monitor
