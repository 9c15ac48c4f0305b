// Follower: what other threads hand or ask the follower thread — the
// witness's CheckAudited and Observe, gossip's offers, Status — each going through
// the checkpoint judge (monitor/checkpoint_judge.h) and the evidence keeper.
// The loop itself is in follower.cc.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "monitor/follower.h"

namespace keytrail::monitor {

void Follower::OfferPeerCheckpoint(const std::string& signed_note, const std::string& peer) {
  {
    absl::MutexLock lock(&mu_);
    peer_offers_[peer] = signed_note;
  }
}

absl::Status Follower::CheckAudited(absl::string_view signed_note,
                                    const note::Checkpoint& checkpoint, absl::Time deadline) {
  {
    absl::MutexLock lock(&mu_);
    absl::Status waited = AwaitAudit(signed_note, checkpoint, deadline);
    if (!waited.ok()) return waited;
  }
  // At or below the audited size now: the monitor's own tree decides,
  // without a call to the log.
  auto verdict = JudgeCheckpoint(Signed{std::string(signed_note), checkpoint},
                                 View(/*with_target=*/false), nullptr, deadline);
  if (!verdict.ok()) return absl::UnavailableError(verdict.status().message());
  if (verdict->kind == Verdict::Kind::kSplitView) return Keep(*verdict->evidence);
  return absl::OkStatus();
}

absl::Status Follower::AwaitAudit(absl::string_view signed_note, const note::Checkpoint& checkpoint,
                                  absl::Time deadline) {
  auto misbehaving = [this] {
    return absl::FailedPreconditionError(absl::StrCat(origin(), " is misbehaving: not cosigning"));
  };
  if (keeper_->found()) return misbehaving();
  if (signed_note.size() > evidence::kMaxNoteBytes) {
    return absl::UnavailableError("checkpoint note too large to audit");
  }
  if (checkpoint.size <= verified_size_) return absl::OkStatus();
  if (!hint_.has_value() || hint_->checkpoint.size < checkpoint.size) {
    hint_ = Signed{std::string(signed_note), checkpoint};  // wakes the follower thread
  }
  if (!storage_error_.empty()) {
    // Whatever it audits now could not be recorded: no waiting.
    return absl::UnavailableError(
        absl::StrCat("audited up to size ", verified_size_, ", not ", checkpoint.size,
                     ": the monitor's storage is failing (", storage_error_, ")"));
  }
  auto done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return keeper_->found() || stop_ || verified_size_ >= checkpoint.size;
  };
  mu_.AwaitWithDeadline(absl::Condition(&done), deadline);
  if (keeper_->found()) return misbehaving();
  if (verified_size_ < checkpoint.size) {
    return absl::UnavailableError(
        absl::StrCat("audited up to size ", verified_size_, ", not yet ", checkpoint.size));
  }
  return absl::OkStatus();
}

absl::Status Follower::Keep(const evidence::Evidence& e) {
  absl::Status s = keeper_->Keep(e);
  // Wakes CheckAudited's waiters: absl::Mutex checks their conditions
  // (keeper_->found()) when it is released.
  absl::MutexLock lock(&mu_);
  return s;
}

absl::Status Follower::Observe(absl::string_view signed_note, const note::Checkpoint& checkpoint,
                               uint64_t old_size, absl::Span<const Hash> proof) {
  if (keeper_->found()) {
    return absl::FailedPreconditionError(absl::StrCat(origin(), " is misbehaving"));
  }
  if (signed_note.size() > evidence::kMaxNoteBytes) {
    return absl::UnavailableError("checkpoint note too large to judge");
  }
  Signed cp{std::string(signed_note), checkpoint};
  const OfferedProof offered{old_size, std::vector<Hash>(proof.begin(), proof.end())};
  auto verdict = JudgeCheckpoint(cp, View(/*with_target=*/false), nullptr, absl::Now(), &offered);
  if (verdict.ok()) {
    if (verdict->kind == Verdict::Kind::kSplitView) return Keep(*verdict->evidence);
    return absl::OkStatus();
  }
  // Beyond the audited size and not settled by its proof: the follower
  // thread asks the log (Consider) in its next round.
  {
    absl::MutexLock lock(&mu_);
    if (pushed_.size() >= kMaxPushed) pushed_.pop_front();
    pushed_.push_back(std::move(cp.text));
  }
  return absl::OkStatus();
}

v1::LogStatus Follower::Status() const {
  const bool misbehaving = keeper_->misbehaving();  // before the list: it is set after
  std::vector<v1::EvidenceInfo> evidence = keeper_->List();
  absl::MutexLock lock(&mu_);
  v1::LogStatus s;
  s.set_origin(origin());
  s.set_verified_size(verified_size_);
  if (verified_.has_value()) s.set_verified_checkpoint(verified_->text);
  s.set_log_size(std::max(log_size_, verified_size_));
  s.set_lag(s.log_size() - verified_size_);
  s.set_epoch(verified_size_ > 0 ? last_epoch_.epoch : 0);
  s.set_epoch_timestamp_ms(verified_size_ > 0 ? last_epoch_.timestamp_ms : 0);
  s.set_entries_audited(entries_audited_);
  s.set_last_error(last_error_);
  s.set_storage_error(storage_error_);
  for (v1::EvidenceInfo& e : evidence) *s.add_evidence() = std::move(e);
  const bool catching_up = s.lag() > 0;
  if (catching_up) {
    s.set_entries_per_second(rate_);
    const uint64_t left = s.log_size() - std::max(fed_size_, verified_size_);
    s.set_seconds_left(rate_ > 0 ? static_cast<uint64_t>(left / rate_) : 0);
  }
  const uint64_t now = options_.clock();
  const uint64_t age_limit = stale_after_ms_;
  if (misbehaving) {
    s.set_state(v1::LogStatus::MISBEHAVING);
  } else if (!storage_error_.empty()) {
    s.set_state(v1::LogStatus::STORAGE_FAILING);
  } else if (!last_error_.empty()) {
    s.set_state(v1::LogStatus::UNREACHABLE);
  } else if (catching_up || verified_size_ == 0) {
    s.set_state(v1::LogStatus::CATCHING_UP);
  } else if (age_limit > 0 &&
             now > last_epoch_.timestamp_ms + age_limit + options_.log.poll_interval_ms()) {
    s.set_state(v1::LogStatus::STALE);
  } else {
    s.set_state(v1::LogStatus::OK);
  }
  return s;
}

}  // namespace keytrail::monitor
