// StorageHealth: whether the monitor's databases take writes, for its gRPC
// health, its status and its metrics, with one log line when one starts
// failing and one when it recovers (not one per retry).
//
// Each database is a named part ("audit database of <origin>", "witness
// database"). Code that writes to one reports every outcome: Failed(part,
// error) after a write failed, Succeeded(part) after one worked. A part that
// fails stays failing until a write to it succeeds (RocksDB refuses every
// write after a failed one until Database::Resume; the writers retry and
// resume). While any part fails the monitor is unhealthy: `on_change(false)`
// runs (the monitor turns its gRPC health NOT_SERVING); once the last one
// recovers, `on_change(true)`.
//
// Logged, per part: the first failure (ERROR "storage failing: ..."), a
// failure needing a restart (FailedPrecondition, see core/storage/database.h)
// once more when it first appears (ERROR "storage can't recover without a
// restart: ..."), and the recovery (INFO "storage recovered: ..." with how
// long and how many failed writes). Failures in between only count.
//
// Thread-safe; on_change runs under the object's lock, so it must not call
// back into it.
#ifndef KEYTRAIL_MONITOR_STORAGE_HEALTH_H_
#define KEYTRAIL_MONITOR_STORAGE_HEALTH_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace keytrail::monitor {

struct StoragePartStatus {
  std::string part;
  bool failing = false;
  std::string error;           // the latest failure while failing, else ""
  absl::Time failing_since;    // while failing
  uint64_t failed_writes = 0;  // since the process started
};

class StorageHealth {
 public:
  explicit StorageHealth(std::function<void(bool healthy)> on_change = nullptr,
                         std::function<absl::Time()> clock = absl::Now)
      : on_change_(std::move(on_change)), clock_(std::move(clock)) {}

  // Lists `part` (not failing) in Parts() before any write is reported.
  void Add(absl::string_view part);
  // A write to `part` failed with `error` (not OK).
  void Failed(absl::string_view part, const absl::Status& error);
  // A write to `part` worked.
  void Succeeded(absl::string_view part);
  // Reports `status` as one of the two; returns it unchanged.
  absl::Status Report(absl::string_view part, absl::Status status);

  bool healthy() const;
  bool failing(absl::string_view part) const;
  // Every part reported so far, by name.
  std::vector<StoragePartStatus> Parts() const;

 private:
  void Changed() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::function<void(bool)> on_change_;
  const std::function<absl::Time()> clock_;
  mutable absl::Mutex mu_;
  struct Part {
    bool failing = false;
    bool needs_restart_logged = false;
    std::string error;
    absl::Time since;
    uint64_t failures_this_time = 0;
    uint64_t failed_writes = 0;
  };
  std::map<std::string, Part, std::less<>> parts_ ABSL_GUARDED_BY(mu_);
  bool healthy_ ABSL_GUARDED_BY(mu_) = true;
};

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_STORAGE_HEALTH_H_
