#include "log_server/sequencer.h"

#include <pthread.h>

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/storage/database.h"
#include "core/util/logging.h"

namespace keytrail {
namespace {

// What a caller whose update did not commit is told: the cause in a few
// words (the full error, with file names, goes to the server's log).
absl::Status StorageFailure(const absl::Status& error) {
  const std::string cause = IsDiskFull(error) ? "disk full"
                            : error.code() == absl::StatusCode::kFailedPrecondition
                                ? "write failed, the server needs a restart"
                                : "write failed";
  return absl::UnavailableError(absl::StrCat("the log's storage is failing (", cause,
                                             "); the update was not logged, retry later"));
}

}  // namespace

Sequencer::Sequencer(std::unique_ptr<EpochBuilder> builder, SequencerOptions options,
                     StateHolder* published)
    : options_(options), published_(published), builder_(std::move(builder)) {
  published_->Set(builder_->published());
  last_epoch_ = absl::Now();
}

Sequencer::~Sequencer() { Stop(); }

void Sequencer::Start() {
  absl::MutexLock lock(&mu_);
  if (running_ || stopping_) return;
  running_ = true;
  thread_ = std::thread([this] { Run(); });
}

void Sequencer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    wake_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
  // Never started: nothing will drain the queue.
  std::deque<Queued> left;
  {
    absl::MutexLock lock(&mu_);
    left.swap(queue_);
  }
  for (Queued& q : left) q.done(absl::UnavailableError("log server is shutting down"));
}

void Sequencer::Submit(PreparedUpdate update, UpdateCallback done) {
  absl::Status refused;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      refused = absl::UnavailableError("log server is shutting down");
    } else if (storage_error_.has_value()) {
      refused = StorageFailure(*storage_error_);
    } else if (queue_.size() >= options_.max_queued_updates) {
      refused = absl::ResourceExhaustedError(absl::StrCat(
          "update queue is full (", options_.max_queued_updates, " updates); retry later"));
    } else {
      queue_.push_back(Queued{std::move(update), std::move(done)});
      // The thread sleeps until the next heartbeat while the queue is empty:
      // wake it for the first update (to set the interval deadline) and
      // when a full epoch is waiting.
      if (queue_.size() == 1 || queue_.size() >= options_.max_epoch_updates) wake_.Signal();
      return;
    }
  }
  done(refused);
}

uint64_t Sequencer::epochs_built() const {
  absl::MutexLock lock(&mu_);
  return epochs_built_;
}

bool Sequencer::storage_ok() const {
  absl::MutexLock lock(&mu_);
  return !storage_error_.has_value();
}

bool Sequencer::EpochDue(absl::Time now) const {
  if (queue_.size() >= options_.max_epoch_updates) return true;
  if (!queue_.empty() && now - last_epoch_ >= options_.epoch_interval) return true;
  return now - last_epoch_ >= options_.max_epoch_age;
}

void Sequencer::Run() {
  pthread_setname_np(pthread_self(), "sequencer");  // shows in top, perf, gdb
  std::optional<InFlight> in_flight;
  for (;;) {
    std::deque<Queued> batch;
    bool build = false;
    bool recover = false;
    {
      absl::MutexLock lock(&mu_);
      for (;;) {
        absl::Time now = absl::Now();
        if (storage_error_.has_value()) {
          // Nothing is queued (Submit refuses) and nothing is in flight.
          if (stopping_) break;
          if (now >= next_retry_) {
            recover = true;
            break;
          }
          wake_.WaitWithTimeout(&mu_, std::max(next_retry_ - now, absl::Milliseconds(1)));
          continue;
        }
        if (EpochDue(now) || (stopping_ && !queue_.empty())) {
          build = true;
          break;
        }
        // Nothing due: acknowledge the epoch in flight first, or stop, or sleep.
        if (in_flight.has_value() || stopping_) break;
        absl::Duration wait = options_.max_epoch_age - (now - last_epoch_);
        if (!queue_.empty()) {
          wait = std::min(wait, options_.epoch_interval - (now - last_epoch_));
        }
        wake_.WaitWithTimeout(&mu_, std::max(wait, absl::Milliseconds(1)));
      }
      if (build) {
        size_t n = std::min(queue_.size(), options_.max_epoch_updates);
        for (size_t i = 0; i < n; ++i) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        last_epoch_ = absl::Now();
      }
    }
    if (recover) {
      TryRecover();
    } else if (build) {
      in_flight = Advance(std::move(batch), std::move(in_flight));
    } else if (in_flight.has_value()) {
      (void)AwaitCommitAndAcknowledge(*in_flight);
      in_flight.reset();
    } else {
      return;  // stopping, queue empty, nothing in flight
    }
  }
}

void Sequencer::Fail(std::deque<Queued>& batch, const absl::Status& error) {
  for (Queued& q : batch) q.done(error);
}

void Sequencer::ReloadAfter(const absl::Status& error) {
  LogError("epoch failed, nothing of it committed: %s", error.ToString());
  absl::Status reload = builder_->Reload();
  if (!reload.ok()) LogError("reloading the log's state failed too: %s", reload.ToString());
}

void Sequencer::StorageFailed(const absl::Status& error) {
  const absl::Time now = absl::Now();
  std::deque<Queued> queued;
  bool first = false;
  {
    absl::MutexLock lock(&mu_);
    first = !storage_error_.has_value();
    if (first) {
      storage_error_ = error;
      retry_backoff_ = options_.storage_retry_min;
      failing_since_ = now;
      retries_ = 0;
      told_restart_needed_ = false;
    } else {
      retry_backoff_ = std::min(retry_backoff_ * 2, options_.storage_retry_max);
    }
    next_retry_ = now + retry_backoff_;
    // Queued behind the failure: nothing will commit them soon.
    queued.swap(queue_);
  }
  if (first) {
    LogError(
        "storage failing, updates refused and health NOT_SERVING until a commit works "
        "again (retrying after %s, backing off to %s): %s",
        absl::FormatDuration(options_.storage_retry_min),
        absl::FormatDuration(options_.storage_retry_max), error.ToString());
    if (on_health_) on_health_(false);
  } else if (error.code() == absl::StatusCode::kFailedPrecondition && !told_restart_needed_) {
    told_restart_needed_ = true;
    LogError("storage can't recover without a restart: %s", error.ToString());
  }
  Fail(queued, StorageFailure(error));
}

void Sequencer::TryRecover() {
  ++retries_;
  absl::Status resumed = builder_->ResumeStorage();
  if (!resumed.ok()) {
    StorageFailed(resumed);
    return;
  }
  // The probe: an epoch with no updates. It also replaces the checkpoint
  // that went stale while commits failed.
  std::optional<InFlight> probe = Advance({}, std::nullopt);
  if (probe.has_value()) {
    (void)AwaitCommitAndAcknowledge(*probe);  // leaves failing mode if it committed
  } else {
    StorageFailed(absl::UnavailableError("the probe epoch could not be sealed"));
  }
}

std::optional<Sequencer::InFlight> Sequencer::Advance(std::deque<Queued> batch,
                                                      std::optional<InFlight> in_flight) {
  std::vector<PreparedUpdate> updates;
  updates.reserve(batch.size());
  for (Queued& q : batch) updates.push_back(std::move(q.update));
  absl::Time start = absl::Now();
  // Overlaps the commit in flight.
  auto epoch = builder_->SequenceUpdates(updates);
  if (in_flight.has_value()) {
    absl::Status previous = AwaitCommitAndAcknowledge(*in_flight);
    if (!previous.ok()) {
      // This epoch was built on the one that failed; AwaitCommitAndAcknowledge reloaded.
      Fail(batch, StorageFailure(previous));
      return std::nullopt;
    }
  }
  absl::Status s = epoch.ok() ? builder_->SealEpoch(**epoch) : epoch.status();
  if (!s.ok()) {
    ReloadAfter(s);
    Fail(batch, s);
    return std::nullopt;
  }
  InFlight next;
  next.epoch = *std::move(epoch);
  next.batch = std::move(batch);
  next.started = start;
  PendingEpoch* pending = next.epoch.get();
  next.commit =
      std::async(std::launch::async, [this, pending] { return builder_->CommitEpoch(*pending); });
  return next;
}

absl::Status Sequencer::AwaitCommitAndAcknowledge(InFlight& in_flight) {
  auto published = in_flight.commit.get();
  if (!published.ok()) {
    // Nothing of the epoch (or of the one sequenced behind it) is on disk:
    // the builder forgets them. If reading fails too, TryRecover reloads
    // again before anything is built.
    absl::Status reload = builder_->Reload();
    if (!reload.ok()) LogError("reloading the log's state failed: %s", reload.ToString());
    StorageFailed(published.status());
    Fail(in_flight.batch, StorageFailure(published.status()));
    return published.status();
  }
  builder_->RecordCommitted(*in_flight.epoch, *published);
  published_->Set(*published);
  const EpochResult& result = in_flight.epoch->result;
  const PublishedState& state = **published;
  size_t accepted = 0;
  for (const auto& o : result.outcomes) accepted += o.ok() ? 1 : 0;
  LogInfo(
      "epoch %d committed: %d updates (%d rejected), tree size %d, %d accounts, "
      "%.1f ms (sequence %.1f, map %.1f, commit %.1f)",
      state.log.epoch, accepted, result.outcomes.size() - accepted, state.log.tree_size,
      state.map_size, absl::ToDoubleMilliseconds(absl::Now() - in_flight.started),
      absl::ToDoubleMilliseconds(result.sequence_time), absl::ToDoubleMilliseconds(result.map_time),
      absl::ToDoubleMilliseconds(result.commit_time));
  bool recovered = false;
  {
    absl::MutexLock lock(&mu_);
    ++epochs_built_;
    recovered = storage_error_.has_value();
    storage_error_.reset();
  }
  if (recovered) {
    LogInfo(
        "storage recovered: epoch %d committed after %s failing (%d retries); "
        "updates accepted and health SERVING again",
        state.log.epoch,
        absl::FormatDuration(absl::Trunc(absl::Now() - failing_since_, absl::Milliseconds(1))),
        retries_);
    if (on_health_) on_health_(true);
  }
  std::vector<absl::StatusOr<UpdateOutcome>>& outcomes = in_flight.epoch->result.outcomes;
  for (size_t i = 0; i < in_flight.batch.size(); ++i) {
    in_flight.batch[i].done(std::move(outcomes[i]));
  }
  return absl::OkStatus();
}

}  // namespace keytrail
