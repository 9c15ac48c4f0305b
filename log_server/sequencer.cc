#include "log_server/sequencer.h"

#include <pthread.h>

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/util/logging.h"

namespace keytrail {

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
    {
      absl::MutexLock lock(&mu_);
      for (;;) {
        absl::Time now = absl::Now();
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
    if (build) {
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
      Fail(batch, absl::UnavailableError(absl::StrCat(
                      "an earlier epoch failed to commit: ", previous.message())));
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
  next.commit = std::async(std::launch::async, [this, pending] {
    return builder_->CommitEpoch(*pending);
  });
  return next;
}

absl::Status Sequencer::AwaitCommitAndAcknowledge(InFlight& in_flight) {
  auto published = in_flight.commit.get();
  if (!published.ok()) {
    ReloadAfter(published.status());
    Fail(in_flight.batch, published.status());
    return published.status();
  }
  builder_->RecordCommitted(*in_flight.epoch, *published);
  published_->Set(*published);
  const EpochResult& result = in_flight.epoch->result;
  const PublishedState& state = **published;
  size_t accepted = 0;
  for (const auto& o : result.outcomes) accepted += o.ok() ? 1 : 0;
  LogInfo("epoch %d committed: %d updates (%d rejected), tree size %d, %d accounts, "
          "%.1f ms (sequence %.1f, map %.1f, commit %.1f)",
          state.log.epoch, accepted, result.outcomes.size() - accepted, state.log.tree_size,
          state.map_size, absl::ToDoubleMilliseconds(absl::Now() - in_flight.started),
          absl::ToDoubleMilliseconds(result.sequence_time),
          absl::ToDoubleMilliseconds(result.map_time),
          absl::ToDoubleMilliseconds(result.commit_time));
  {
    absl::MutexLock lock(&mu_);
    ++epochs_built_;
  }
  std::vector<absl::StatusOr<UpdateOutcome>>& outcomes = in_flight.epoch->result.outcomes;
  for (size_t i = 0; i < in_flight.batch.size(); ++i) {
    in_flight.batch[i].done(std::move(outcomes[i]));
  }
  return absl::OkStatus();
}

}  // namespace keytrail
