#include "log_server/epoch_replayer.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/crypto/sha256.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "core/protocol/entry.h"
#include "core/replica/bundle_check.h"
#include "log_server/prepared_update.h"

namespace keytrail {
namespace {

absl::Status Bad(uint64_t epoch, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("replayed epoch ", epoch, ": ", what));
}

// Threads verifying an epoch's VRF proofs (one per new account, ~0.15 ms
// each: most of a catch-up from empty): every core, as the primary's
// preparers prove on every core, up to 8.
size_t VrfThreads() { return std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8); }

// Which fields of a rebuilt update entry differ from the published one.
std::string EntryDifference(absl::string_view rebuilt, absl::string_view published) {
  auto ours = DecodeUpdateEntry(rebuilt);
  auto theirs = DecodeUpdateEntry(published);
  if (!ours.ok() || !theirs.ok()) return "the encodings differ";
  std::string out;
  auto field = [&out](absl::string_view name, const std::string& a, const std::string& b) {
    if (a == b) return;
    absl::StrAppend(&out, out.empty() ? "" : "; ", name, " ", b, " published, ", a, " rebuilt");
  };
  field("index", HashHex(ours->index), HashHex(theirs->index));
  field("version", absl::StrCat(ours->version), absl::StrCat(theirs->version));
  field("epoch", absl::StrCat(ours->epoch), absl::StrCat(theirs->epoch));
  field("commitment", HashHex(ours->commitment), HashHex(theirs->commitment));
  return out.empty() ? "the encodings differ" : out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<EpochReplayer>> EpochReplayer::Open(LogStorage* storage,
                                                                   const LogConfig& config) {
  auto vrf_key = VrfPublicKey::FromBytes(config.vrf_public_key);
  if (!vrf_key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("replica: the log's VRF public key: ", vrf_key.status().message()));
  }
  auto builder = EpochBuilder::OpenForReplay(storage, config);
  if (!builder.ok()) return builder.status();
  auto replayer = std::unique_ptr<EpochReplayer>(
      new EpochReplayer(storage, config.origin, *std::move(vrf_key), *std::move(builder)));
  // A replica killed between the epochs of one checkpoint reopens on an
  // epoch without one: it serves nothing until the next checkpoint.
  std::shared_ptr<const PublishedState> last = replayer->builder_->published();
  replayer->Publish(last != nullptr && !last->checkpoint.empty() ? last : nullptr);
  return replayer;
}

uint64_t EpochReplayer::next_epoch() const {
  absl::MutexLock lock(&mu_);
  return next_epoch_;
}

uint64_t EpochReplayer::tree_size() const {
  absl::MutexLock lock(&mu_);
  return tree_size_;
}

std::vector<Hash> EpochReplayer::frontier() const {
  absl::MutexLock lock(&mu_);
  return frontier_;
}

std::shared_ptr<const PublishedState> EpochReplayer::served() const {
  absl::MutexLock lock(&mu_);
  return served_;
}

void EpochReplayer::Publish(std::shared_ptr<const PublishedState> serve) {
  const std::optional<LogState>& state = builder_->state();
  absl::MutexLock lock(&mu_);
  next_epoch_ = state.has_value() ? state->epoch + 1 : 0;
  tree_size_ = state.has_value() ? state->tree_size : 0;
  timestamp_ms_ = state.has_value() ? state->timestamp_ms : 0;
  frontier_ = state.has_value() ? state->frontier : std::vector<Hash>();
  if (serve != nullptr) served_ = std::move(serve);
}

absl::StatusOr<std::shared_ptr<const PublishedState>> EpochReplayer::Replay(
    const ReplicaEpoch& epoch, const std::string* checkpoint_note) {
  auto result = ReplayOnce(epoch, checkpoint_note);
  if (result.ok()) return result;
  // Drop whatever the failed epoch did to the builder's in-memory tree
  // (a failed commit needs nothing more: Database::Commit resumes itself).
  absl::Status reload = builder_->Reload();
  if (reload.ok()) return result;
  return absl::Status(
      result.status().code(),
      absl::StrCat(result.status().message(), "; reloading state also failed: ", reload.message()));
}

absl::StatusOr<std::shared_ptr<const PublishedState>> EpochReplayer::ReplayOnce(
    const ReplicaEpoch& epoch, const std::string* checkpoint_note) {
  const uint64_t number = epoch.epoch;
  uint64_t tree_size, previous_timestamp_ms;
  {
    absl::MutexLock lock(&mu_);
    if (number != next_epoch_) {
      return absl::FailedPreconditionError(
          absl::StrCat("replayed epoch ", number, ": the replica expects epoch ", next_epoch_));
    }
    tree_size = tree_size_;
    previous_timestamp_ms = timestamp_ms_;
  }
  if (epoch.first_log_index != tree_size) {
    return Bad(number, absl::StrCat("first log index ", epoch.first_log_index,
                                    ", but the replica's tree has ", tree_size, " entries"));
  }
  const uint64_t n = epoch.update_entries.size();
  const uint64_t epoch_index = tree_size + n;
  auto entry = DecodeEpochEntry(epoch.epoch_entry);
  if (!entry.ok()) {
    return Bad(number, absl::StrCat("epoch entry (log index ", epoch_index,
                                    "): ", entry.status().message()));
  }
  if (entry->epoch != number) {
    return Bad(number, absl::StrCat("the epoch entry (log index ", epoch_index, ") names epoch ",
                                    entry->epoch));
  }
  if (entry->update_count != n) {
    return Bad(number,
               absl::StrCat("the epoch entry (log index ", epoch_index, ") counts ",
                            entry->update_count, " updates, but ", n, " update entries came"));
  }
  if (number > 0 && entry->timestamp_ms < previous_timestamp_ms) {
    return Bad(number, absl::StrCat("the epoch entry (log index ", epoch_index, ") has timestamp ",
                                    entry->timestamp_ms, ", before the previous epoch's ",
                                    previous_timestamp_ms));
  }
  std::optional<note::Checkpoint> checkpoint;
  if (checkpoint_note != nullptr) {
    auto parsed = note::ParseNote(*checkpoint_note);
    if (!parsed.ok()) return Bad(number, absl::StrCat("checkpoint: ", parsed.status().message()));
    auto cp = note::ParseCheckpoint(parsed->text);
    if (!cp.ok()) return Bad(number, absl::StrCat("checkpoint: ", cp.status().message()));
    if (cp->origin != origin_) {
      return Bad(number, absl::StrCat("the checkpoint is for origin \"", cp->origin, "\", not \"",
                                      origin_, "\""));
    }
    if (cp->size != epoch_index + 1) {
      return Bad(number, absl::StrCat("the checkpoint has size ", cp->size,
                                      ", but the epoch ends at ", epoch_index + 1));
    }
    checkpoint = *std::move(cp);
  }

  const LogReader latest = storage_->Reader(nullptr);
  auto known_index = [&latest](absl::string_view account) -> absl::StatusOr<std::optional<Hash>> {
    auto record = latest.GetAccount(account);
    if (!record.ok()) return record.status();
    if (!record->has_value()) return std::optional<Hash>();
    return std::optional<Hash>((*record)->index);
  };
  auto checked = replica::CheckPrivateBundle(number, tree_size, epoch.update_entries, epoch.parts,
                                             vrf_key_, known_index, VrfThreads());
  if (!checked.ok()) {
    if (checked.status().code() != absl::StatusCode::kInvalidArgument) return checked.status();
    return Bad(number, checked.status().message());
  }

  // The builder rebuilds the epoch from the private halves exactly as the
  // primary built it; expected_version makes a version the replica's
  // account is not at show up as a failed outcome instead of a new version.
  std::vector<PreparedUpdate> updates(checked->size());
  for (size_t i = 0; i < updates.size(); ++i) {
    replica::CheckedUpdate& c = (*checked)[i];
    PreparedUpdate& u = updates[i];
    u.account = std::move(c.update.account);
    u.account_record.index = c.entry.index;
    if (c.update.vrf_proof.has_value()) u.account_record.vrf_proof = *c.update.vrf_proof;
    u.key_set = std::move(c.update.key_set);
    u.expected_version = c.entry.version - 1;
    u.opening = std::move(c.update.opening);
  }
  auto pending = builder_->SequenceReplayed(updates, entry->timestamp_ms);
  if (!pending.ok()) return pending.status();
  const auto& outcomes = (*pending)->result.outcomes;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (!outcomes[i].ok()) {
      return Bad(number, absl::StrCat("update entry at log index ", tree_size + i, " is version ",
                                      updates[i].expected_version.value_or(0) + 1, ": ",
                                      outcomes[i].status().message()));
    }
  }
  const std::vector<std::string>& rebuilt = (*pending)->update_entries;
  if (rebuilt.size() != n) {
    return absl::InternalError(absl::StrCat("replayed epoch ", number, ": rebuilt ", rebuilt.size(),
                                            " of ", n, " update entries"));
  }
  for (size_t i = 0; i < n; ++i) {
    if (rebuilt[i] != epoch.update_entries[i]) {
      return Bad(number, absl::StrCat("update entry at log index ", tree_size + i, ": ",
                                      EntryDifference(rebuilt[i], epoch.update_entries[i])));
    }
  }

  (*pending)->checkpoint = checkpoint_note != nullptr ? *checkpoint_note : std::string();
  absl::Status sealed = builder_->SealEpoch(**pending);
  if (!sealed.ok()) return sealed;
  if ((*pending)->map_root != entry->map_root) {
    return Bad(number, absl::StrCat("the epoch entry (log index ", epoch_index, ") has map root ",
                                    HashHex(entry->map_root), ", the rebuilt map's is ",
                                    HashHex((*pending)->map_root)));
  }
  if (checkpoint.has_value() && checkpoint->root != (*pending)->log_root) {
    return Bad(number, absl::StrCat("the checkpoint has root ", HashHex(checkpoint->root),
                                    ", the rebuilt tree's is ", HashHex((*pending)->log_root)));
  }

  auto committed = builder_->CommitEpoch(**pending);
  if (!committed.ok()) return committed.status();
  builder_->RecordCommitted(**pending, *committed);
  std::shared_ptr<const PublishedState> serve =
      checkpoint_note != nullptr ? *std::move(committed) : nullptr;
  Publish(serve);
  return serve;
}

}  // namespace keytrail
