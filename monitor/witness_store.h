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

namespace keytrail::monitor {

struct WitnessState {
  uint64_t size = 0;
  Hash root{};
  std::string note;  // the cosigned checkpoint, as served to readers
};

class WitnessStore {
 public:
  // Opens or creates the store in directory `path`. Errors as
  // Database::Open (FailedPrecondition when another process holds it).
  static absl::StatusOr<std::unique_ptr<WitnessStore>> Open(
      const std::string& path);

  // The state for `origin`, nullopt if this witness never cosigned for it.
  // DataLoss for a damaged record; Unavailable for disk trouble.
  absl::StatusOr<std::optional<WitnessState>> Get(absl::string_view origin) const;
  // The same, by SHA-256 of the origin.
  absl::StatusOr<std::optional<WitnessState>> GetByOriginHash(
      const Hash& origin_hash) const;

  // Atomically: if the stored state for `origin` has exactly
  // `expected_size` and `expected_root` (or is absent and expected_size is
  // 0), writes `next` durably (synced) and returns OK. Otherwise writes
  // nothing and returns FailedPrecondition "witness state: ..." carrying the
  // stored size (also in *current_size when non-null: 0 when absent).
  // DataLoss/Unavailable as Get and Database::Commit.
  absl::Status CompareAndSet(absl::string_view origin, uint64_t expected_size,
                             const Hash& expected_root,
                             const WitnessState& next,
                             uint64_t* current_size = nullptr);

 private:
  explicit WitnessStore(std::unique_ptr<Database> db) : db_(std::move(db)) {}

  std::unique_ptr<Database> db_;
  mutable absl::Mutex mu_;  // serializes CompareAndSet's read and write
};

// The record encoding (exposed for tests).
std::string EncodeWitnessState(const WitnessState& state);
// InvalidArgument "witness state: ..." for anything but EncodeWitnessState's
// output.
absl::StatusOr<WitnessState> DecodeWitnessState(absl::string_view bytes);

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_WITNESS_STORE_H_
