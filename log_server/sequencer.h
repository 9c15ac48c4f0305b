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
// Thread-safe: Submit() from any thread. Stop() (or the destructor) builds a
// last epoch from what is queued and then fails nothing silently: updates
// submitted after Stop get UNAVAILABLE.
#ifndef KEYTRAIL_LOG_SERVER_SEQUENCER_H_
#define KEYTRAIL_LOG_SERVER_SEQUENCER_H_

#include <deque>
#include <functional>
#include <future>
#include <optional>
#include <memory>
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
};

using UpdateCallback = std::function<void(absl::StatusOr<UpdateOutcome>)>;

class Sequencer {
 public:
  // Publishes into `published` (not owned) after every epoch. `builder` must
  // already hold the state to start from.
  Sequencer(std::unique_ptr<EpochBuilder> builder, SequencerOptions options,
            StateHolder* published);
  ~Sequencer();

  void Start();
  void Stop();

  // Queues an update. `done` runs once: on the sequencer thread after the
  // epoch commits, or at once with RESOURCE_EXHAUSTED (queue full) or
  // UNAVAILABLE (stopped).
  void Submit(PreparedUpdate update, UpdateCallback done);

  // Epochs committed since Start (for logs and tests).
  uint64_t epochs_built() const;

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
  std::thread thread_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_SEQUENCER_H_
