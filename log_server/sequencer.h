// Sequencer: the queue in front of the EpochBuilder and the thread that
// drains it. Updates wait in the queue until an epoch is due — epoch_interval
// after the previous one, or at once when max_epoch_updates are waiting —
// and an epoch with no updates is built when max_epoch_age passes without
// one, so clients can tell a live log from a stale one.
//
// Each update's callback runs exactly once, on the sequencer thread, after
// its epoch is durable (or failed): an update is acknowledged only once it
// survives a crash.
//
// Epochs are pipelined: while epoch N's synced write runs on a second
// thread, the sequencer thread already sequences epoch N+1 (versions,
// commitments, entries); N+1's map work waits for N's commit. If a commit
// fails, the epoch sequenced behind it fails with it (nothing of either is
// visible) and the builder reloads from storage.
//
// A failed commit (a full disk, an I/O error) puts the sequencer in
// "storage failing" mode: the failed epoch and everything queued are
// answered UNAVAILABLE naming the cause, nothing of them is visible, and
// the builder reloads what storage holds. While failing, new updates are
// refused at once (UNAVAILABLE) and no epochs are built; the sequencer logs
// one line, tells the health callback false, and every storage_retry_min
// (doubling up to storage_retry_max) resumes the storage and commits an
// epoch from nothing queued as a probe. When one commits it logs one line,
// tells the health callback true and takes updates again.
//
// Thread-safe: Submit() from any thread. Stop() (or the destructor) builds a
// last epoch from what is queued and then fails nothing silently: updates
// submitted after Stop get UNAVAILABLE.
#ifndef KEYTRAIL_LOG_SERVER_SEQUENCER_H_
#define KEYTRAIL_LOG_SERVER_SEQUENCER_H_

#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "log_server/epoch_builder.h"
#include "log_server/published_state.h"

namespace keytrail {

struct SequencerOptions {
  absl::Duration epoch_interval = absl::Seconds(1);
  size_t max_epoch_updates = 100000;
  absl::Duration max_epoch_age = absl::Seconds(60);
  // Submit() fails with RESOURCE_EXHAUSTED beyond this many queued updates.
  size_t max_queued_updates = 1000000;
  // After a failed commit: first retry after storage_retry_min, then
  // doubling up to storage_retry_max.
  absl::Duration storage_retry_min = absl::Seconds(1);
  absl::Duration storage_retry_max = absl::Seconds(30);
};

using UpdateCallback = std::function<void(absl::StatusOr<UpdateOutcome>)>;
// Told false when commits start failing and true when they work again, on
// the sequencer thread, just after storage_ok() has changed (so a reader of
// storage_ok() may see the change a moment before the callback runs).
using StorageHealthCallback = std::function<void(bool healthy)>;

class Sequencer {
 public:
  // Publishes into `published` (not owned) after every epoch. `builder` must
  // already hold the state to start from.
  Sequencer(std::unique_ptr<EpochBuilder> builder, SequencerOptions options,
            StateHolder* published);
  ~Sequencer();

  // Sets who hears of the storage failing and recovering. REQUIRES: before
  // Start.
  void OnStorageHealth(StorageHealthCallback callback) { on_health_ = std::move(callback); }
  void Start();
  void Stop();

  // Queues an update. `done` runs once: on the sequencer thread after the
  // epoch commits, or at once with RESOURCE_EXHAUSTED (queue full) or
  // UNAVAILABLE (stopped).
  void Submit(PreparedUpdate update, UpdateCallback done);

  // Epochs committed since Start (for logs and tests).
  uint64_t epochs_built() const;
  // Whether commits work (false from a failed commit until a probe epoch
  // commits).
  bool storage_ok() const;

 private:
  struct Queued {
    PreparedUpdate update;
    UpdateCallback done;
  };
  // An epoch whose commit runs on another thread.
  struct InFlight {
    std::unique_ptr<PendingEpoch> epoch;
    std::deque<Queued> batch;
    std::future<absl::StatusOr<std::shared_ptr<const PublishedState>>> commit;
    absl::Time started;
  };
  void Run();
  bool EpochDue(absl::Time now) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sequences `batch` (overlapping the commit in flight), then awaits the
  // epoch in flight (if any), seals this one and launches its commit.
  // Returns the new epoch in flight, or nullopt when this epoch failed (its
  // callbacks have run then).
  std::optional<InFlight> Advance(std::deque<Queued> batch, std::optional<InFlight> in_flight);
  // Waits for the epoch's commit; on success publishes its state, logs it
  // and runs each update's callback with its outcome; on failure reloads the
  // builder and fails the callbacks with the commit's error. Returns the
  // commit's status.
  absl::Status AwaitCommitAndAcknowledge(InFlight& in_flight);
  void Fail(std::deque<Queued>& batch, const absl::Status& error);
  void ReloadAfter(const absl::Status& error);
  // A commit failed: enters (or stays in) storage-failing mode, fails what
  // is queued and schedules the next retry.
  void StorageFailed(const absl::Status& error);
  // While failing: resumes the storage and commits an empty epoch; on
  // success leaves storage-failing mode.
  void TryRecover();

  const SequencerOptions options_;
  StateHolder* const published_;
  std::unique_ptr<EpochBuilder> builder_;  // used by the thread only

  mutable absl::Mutex mu_;
  absl::CondVar wake_;
  std::deque<Queued> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_epoch_ ABSL_GUARDED_BY(mu_);
  uint64_t epochs_built_ ABSL_GUARDED_BY(mu_) = 0;
  // Set while commits fail: the first error, what Submit answers with.
  std::optional<absl::Status> storage_error_ ABSL_GUARDED_BY(mu_);
  absl::Time next_retry_ ABSL_GUARDED_BY(mu_);
  // The sequencer thread's own (storage-failing mode).
  absl::Time failing_since_;
  absl::Duration retry_backoff_;
  int retries_ = 0;
  bool told_restart_needed_ = false;
  StorageHealthCallback on_health_;
  std::thread thread_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_SEQUENCER_H_
