// WitnessStore: the witness's own durable state, one record per log origin
// (keyed by SHA-256 of the origin, the form the monitoring endpoint's path
// names it by):
// the size, root and signed note (the log's signature plus this witness's
// cosignature) of the newest checkpoint it cosigned. Kept in its own small
// RocksDB (e.g. <data_dir>/witness), apart from the monitor's audit storage.
//
// The tlog-witness spec requires the check of a request's old size against
// the state and the write of the new state to be one atomic step, persisted
// before answering: CompareAndSet does both under one mutex, with a synced
// write, so two racing requests can never roll the state back.
//
// Record value: u8 version (1) || u64 size || 32-byte root || u32-prefixed
// note. Bytes read back that do not decode are DataLoss.
//
// Writes are reported to a StorageHealth (monitor/storage_health.h) under
// the part name kWitnessDatabase, when one is given.
//
// Thread-safe.
#ifndef KEYTRAIL_MONITOR_WITNESS_STORE_H_
#define KEYTRAIL_MONITOR_WITNESS_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "core/crypto/sha256.h"
#include "core/storage/database.h"
#include "monitor/storage_health.h"

namespace keytrail::monitor {

struct WitnessState {
  uint64_t size = 0;
  Hash root{};
  std::string note;  // the cosigned checkpoint, as served to readers
};

inline constexpr absl::string_view kWitnessDatabase = "witness database";

class WitnessStore {
 public:
  // Opens or creates the store in directory `path`. Errors as
  // Database::Open (FailedPrecondition when another process holds it).
  // `health` (borrowed, may be null; must outlive the store) hears of every
  // write's outcome. `env` as DatabaseOptions::env (tests).
  static absl::StatusOr<std::unique_ptr<WitnessStore>> Open(const std::string& path,
                                                            StorageHealth* health = nullptr,
                                                            rocksdb::Env* env = nullptr);

  // The state for `origin`, nullopt if this witness never cosigned for it.
  // DataLoss for a damaged record; Unavailable for disk trouble.
  absl::StatusOr<std::optional<WitnessState>> Get(absl::string_view origin) const;
  // The same, by SHA-256 of the origin.
  absl::StatusOr<std::optional<WitnessState>> GetByOriginHash(const Hash& origin_hash) const;

  // Atomically: if the stored state for `origin` has exactly
  // `expected_size` and `expected_root` (or is absent and expected_size is
  // 0), writes `next` durably (synced) and returns OK. Otherwise writes
  // nothing and returns FailedPrecondition "witness state: ..." carrying the
  // stored size (also in *current_size when non-null: 0 when absent).
  // DataLoss/Unavailable as Get and Database::Commit; a write that fails
  // for good until a restart (Database::Commit's FailedPrecondition) is
  // Unavailable too, so FailedPrecondition always means a conflict.
  absl::Status CompareAndSet(absl::string_view origin, uint64_t expected_size,
                             const Hash& expected_root, const WitnessState& next,
                             uint64_t* current_size = nullptr);

  // Database::ProbeWrite, reported to `health`: whether writes work again.
  absl::Status ProbeWrite();

 private:
  WitnessStore(std::unique_ptr<Database> db, StorageHealth* health)
      : db_(std::move(db)), health_(health) {}
  // Reports a write's outcome to health_; returns it, FailedPrecondition
  // (a restart is needed) as Unavailable.
  absl::Status Reported(absl::Status written);

  std::unique_ptr<Database> db_;
  StorageHealth* const health_;
  mutable absl::Mutex mu_;  // serializes CompareAndSet's read and write
};

// The record encoding (exposed for tests).
std::string EncodeWitnessState(const WitnessState& state);
// DataLoss "corrupt stored record: witness state: ..." for anything but
// EncodeWitnessState's output (the bytes come from the witness's own storage;
// log_server/records.h decodes the same way).
absl::StatusOr<WitnessState> DecodeWitnessState(absl::string_view bytes);

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_WITNESS_STORE_H_
