#include "testing/fake_replica_sink.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/merkle/hasher.h"
#include "core/protocol/entry.h"

namespace keytrail::test {

uint64_t FakeReplicaSink::next_epoch() const {
  absl::MutexLock lock(&mu_);
  return next_epoch_;
}

uint64_t FakeReplicaSink::tree_size() const {
  absl::MutexLock lock(&mu_);
  return range_.size();
}

std::vector<Hash> FakeReplicaSink::frontier() const {
  absl::MutexLock lock(&mu_);
  return range_.hashes();
}

absl::StatusOr<std::shared_ptr<const PublishedState>> FakeReplicaSink::Replay(
    const ReplicaEpoch& epoch, const std::string* checkpoint_note) {
  absl::MutexLock lock(&mu_);
  if (epoch.epoch != next_epoch_ || epoch.first_log_index != range_.size()) {
    return absl::FailedPreconditionError(absl::StrCat("fake sink: epoch ", epoch.epoch, " at ",
                                                      epoch.first_log_index, ", want epoch ",
                                                      next_epoch_, " at ", range_.size()));
  }
  if (fail_replays_ > 0) {
    --fail_replays_;
    return replay_error_;
  }
  if (reject_ == epoch.epoch) {
    return absl::InvalidArgumentError(
        absl::StrCat("fake sink: epoch ", epoch.epoch, " does not check"));
  }
  auto epoch_entry = DecodeEpochEntry(epoch.epoch_entry);
  if (!epoch_entry.ok()) return epoch_entry.status();
  for (const std::string& e : epoch.update_entries) range_.Append(merkle::HashLeaf(e));
  range_.Append(merkle::HashLeaf(epoch.epoch_entry));
  ++next_epoch_;
  Replayed r{epoch, std::nullopt};
  if (checkpoint_note != nullptr) r.note = *checkpoint_note;
  replayed_.push_back(std::move(r));
  if (checkpoint_note == nullptr) return std::shared_ptr<const PublishedState>();
  auto state = std::make_shared<PublishedState>();
  state->log.epoch = epoch.epoch;
  state->log.tree_size = range_.size();
  state->log.timestamp_ms = epoch_entry->timestamp_ms;
  state->log.frontier = range_.hashes();
  state->log_root = range_.Root();
  state->checkpoint = *checkpoint_note;
  state->epoch_entry = epoch.epoch_entry;
  return std::shared_ptr<const PublishedState>(std::move(state));
}

void FakeReplicaSink::RejectEpoch(uint64_t epoch) {
  absl::MutexLock lock(&mu_);
  reject_ = epoch;
}

void FakeReplicaSink::FailNextReplays(int n, absl::Status error) {
  absl::MutexLock lock(&mu_);
  fail_replays_ = n;
  replay_error_ = std::move(error);
}

std::vector<FakeReplicaSink::Replayed> FakeReplicaSink::replayed() const {
  absl::MutexLock lock(&mu_);
  return replayed_;
}

}  // namespace keytrail::test
