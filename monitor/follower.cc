#include "monitor/follower.h"

#include <deque>
#include <future>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "core/bytes/encoding.h"
#include "core/merkle/verify.h"
#include "core/protocol/limits.h"
#include "core/util/logging.h"
#include "monitor/checkpoint_judge.h"
#include "monitor/grpc_log_client.h"

namespace keytrail::monitor {
namespace {

constexpr uint64_t kEntriesPerCall = 1000;

}  // namespace

absl::StatusOr<std::unique_ptr<Follower>> Follower::Create(FollowerOptions options,
                                                           std::shared_ptr<grpc::Channel> channel) {
  return Create(std::move(options), std::make_unique<GrpcLogClient>(std::move(channel)));
}

absl::StatusOr<std::unique_ptr<Follower>> Follower::Create(FollowerOptions options,
                                                           std::unique_ptr<LogClient> log) {
  auto verifier = note::ParseVerifierKey(options.log.note_verifier_key());
  if (!verifier.ok()) return verifier.status();
  if (!options.clock) {
    options.clock = [] { return static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())); };
  }
  if (options.log.poll_interval_ms() == 0) options.log.set_poll_interval_ms(1000);
  auto store = MonitorStore::Open(options.db_dir, options.log.origin(), options.block_cache_bytes,
                                  options.env);
  if (!store.ok()) return store.status();
  auto auditor = Auditor::Open(store->get(), options.clock);
  if (!auditor.ok()) return auditor.status();
  auto evidence = (*store)->ListEvidence();
  if (!evidence.ok()) return evidence.status();
  auto f = std::unique_ptr<Follower>(new Follower(std::move(options), *std::move(verifier),
                                                  *std::move(store), *std::move(auditor),
                                                  std::move(log)));
  MonitorStore* db = f->store_.get();
  Follower* self = f.get();
  f->keeper_ = std::make_unique<EvidenceKeeper>(
      EvidenceKeeperOptions{f->origin(), f->options_.evidence_dir,
                            [db](const std::string& e) { return db->AddEvidence(e); },
                            [self](const absl::Status& s) { (void)self->Stored(s); }},
      *evidence);
  if (f->options_.storage_health != nullptr) f->options_.storage_health->Add(f->StoragePart());
  f->Publish();
  const AuditState& state = f->auditor_->verified();
  const v1::FollowedLog& followed = f->options_.log;
  LogInfo(
      "%s: following %s from size %d (epoch %d)%s", f->origin(),
      followed.tiles_url().empty() ? followed.grpc_address() : "tiles at " + followed.tiles_url(),
      state.size, state.size > 0 ? state.last_epoch.epoch : 0,
      f->keeper_->misbehaving() ? "; MISBEHAVING, evidence on file: not auditing" : "");
  return f;
}

Follower::Follower(FollowerOptions options, note::Ed25519NoteVerifier verifier,
                   std::unique_ptr<MonitorStore> store, std::unique_ptr<Auditor> auditor,
                   std::unique_ptr<LogClient> log)
    : options_(std::move(options)),
      verifier_(std::move(verifier)),
      store_(std::move(store)),
      auditor_(std::move(auditor)),
      log_(std::move(log)) {}

Follower::~Follower() { Stop(); }

void Follower::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void Follower::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void Follower::Run() {
  const absl::Duration poll = absl::Milliseconds(options_.log.poll_interval_ms());
  absl::Duration backoff = poll;
  absl::Duration storage_backoff = options_.storage_retry_min;
  bool was_failing = false;
  for (;;) {
    absl::Status s = Step();
    // The monitor's own disk, not the log: StorageHealth logs it (once).
    const bool storage_failing = StorageFailing();
    absl::Duration wait = poll;
    if (storage_failing) {
      wait = storage_backoff;
      storage_backoff = std::min(storage_backoff * 2, options_.storage_retry_max);
    } else {
      storage_backoff = options_.storage_retry_min;
      const bool failing = !s.ok() && s.code() != absl::StatusCode::kFailedPrecondition;
      if (failing && !was_failing) {
        LogWarning("%s: UNREACHABLE: %s (retrying with backoff)", origin(), s.message());
      } else if (!failing && was_failing) {
        LogInfo("%s: reachable again", origin());
      }
      was_failing = failing;
      if (failing) {
        wait = backoff;
        backoff = std::min(backoff * 2, options_.max_backoff);
      } else {
        backoff = poll;
      }
    }
    absl::MutexLock lock(&mu_);
    auto woken = [this, storage_failing]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      // While the disk is full, pushes and gossip do not cut the backoff short.
      return stop_ ||
             (!storage_failing && (hint_.has_value() || !peer_offers_.empty() || !pushed_.empty()));
    };
    mu_.AwaitWithTimeout(absl::Condition(&woken), wait);
    if (stop_) return;
  }
}

void Follower::FetchLogInfo() {
  if (max_epoch_age_ms_ != 0) return;
  if (options_.log.max_epoch_age_ms() != 0) {
    max_epoch_age_ms_ = options_.log.max_epoch_age_ms();
    return;
  }
  auto info = log_->Info(RpcDeadline());
  if (info.ok()) max_epoch_age_ms_ = info->max_epoch_age_ms;
}

absl::Status Follower::Step() {
  if (keeper_->misbehaving()) return keeper_->StoreUnsaved();
  if (StorageFailing()) {
    // Fetch and replay again only once writes work (Database::ProbeWrite
    // resumes RocksDB first): replaying entries that can't be committed
    // would only load the log and the disk.
    absl::Status probe = Stored(store_->ProbeWrite());
    if (!probe.ok()) {
      absl::MutexLock lock(&mu_);
      last_error_ = std::string(probe.message());
      return probe;
    }
  }
  FetchLogInfo();
  absl::Status result = absl::OkStatus();
  absl::StatusOr<std::string> newest = log_->Checkpoint(RpcDeadline());
  absl::Status fetched = newest.status();
  std::vector<std::string> candidates;
  if (fetched.ok()) candidates.push_back(*std::move(newest));
  {
    absl::MutexLock lock(&mu_);
    if (hint_.has_value()) candidates.push_back(hint_->text);
    hint_.reset();
  }
  if (!fetched.ok()) result = fetched;
  for (const std::string& text : candidates) {
    auto cp = OpenCheckpoint(text, verifier_, origin());
    if (!cp.ok()) {
      result = cp.status();
      continue;
    }
    absl::Status s = Consider(*cp);
    if (s.code() == absl::StatusCode::kFailedPrecondition) return s;
    if (!s.ok()) result = s;
  }
  absl::Status gossip = ConsiderOffers();
  if (gossip.code() == absl::StatusCode::kFailedPrecondition) return gossip;
  if (target_.has_value() && target_->checkpoint.size > auditor_->verified().size) {
    absl::Status s = CatchUp();
    if (!s.ok()) result = s;
  }
  absl::MutexLock lock(&mu_);
  last_error_ = result.ok() ? "" : std::string(result.message());
  if (target_.has_value()) log_size_ = std::max(log_size_, target_->checkpoint.size);
  stale_after_ms_ = max_epoch_age_ms_;
  const uint64_t now = NowMs();
  const bool stale =
      stale_after_ms_ > 0 && verified_size_ > 0 &&
      now > last_epoch_.timestamp_ms + stale_after_ms_ + options_.log.poll_interval_ms();
  if (stale && !stale_) {
    LogWarning("%s: STALE: no new epoch for %d s (its max_epoch_age is %d s)", origin(),
               (now - last_epoch_.timestamp_ms) / 1000, stale_after_ms_ / 1000);
  } else if (!stale && stale_) {
    LogInfo("%s: fresh again: epoch %d", origin(), last_epoch_.epoch);
  }
  stale_ = stale;
  return result;
}

absl::Status Follower::ConsiderOffers() {
  std::vector<std::pair<std::string, std::string>> offers;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [peer, text] : peer_offers_) offers.emplace_back("peer " + peer, std::move(text));
    peer_offers_.clear();
    for (std::string& text : pushed_) offers.emplace_back("a witness push", std::move(text));
    pushed_.clear();
  }
  for (const auto& [peer, text] : offers) {
    auto cp = OpenCheckpoint(text, verifier_, origin());
    absl::Status s = cp.ok() ? Consider(*cp) : cp.status();
    if (s.code() == absl::StatusCode::kFailedPrecondition) return s;  // evidence emitted
    // Anything else proves nothing: said once per peer and problem, and the
    // log's own state is left alone (no false alarm from a peer).
    std::string problem = s.ok() ? "" : std::string(s.message());
    if (!problem.empty() && offer_problem_[peer] != problem) {
      LogWarning("%s: cannot check the checkpoint of %s yet: %s", origin(), peer, problem);
    }
    offer_problem_[peer] = problem;
  }
  return absl::OkStatus();
}

AuditedView Follower::View(bool with_target) const {
  AuditedView view;
  view.log_key = options_.log.note_verifier_key();
  {
    absl::MutexLock lock(&mu_);
    view.verified = verified_;
  }
  if (with_target) view.head = target_;
  view.root_at = [this](uint64_t size) { return store_->RootAt(size); };
  view.proof = [this](uint64_t size1, uint64_t size2) {
    return store_->ConsistencyProof(size1, size2);
  };
  return view;
}

absl::Status Follower::Consider(const Signed& cp) {
  if (!target_.has_value()) {
    const AuditState& state = auditor_->verified();
    if (state.size > 0) {
      auto stored = OpenCheckpoint(state.checkpoint, verifier_, origin());
      if (!stored.ok()) return absl::DataLossError("stored checkpoint does not verify");
      target_ = *std::move(stored);
    }
  }
  auto verdict = JudgeCheckpoint(cp, View(/*with_target=*/true), log_.get(), RpcDeadline());
  if (!verdict.ok()) return verdict.status();
  switch (verdict->kind) {
    case Verdict::Kind::kSplitView:
      return Keep(*verdict->evidence);
    case Verdict::Kind::kOlder:
      NoteOlder(cp, *target_);
      return absl::OkStatus();
    case Verdict::Kind::kConsistent:
      serving_older_ = false;
      if (!target_.has_value() || cp.checkpoint.size > target_->checkpoint.size) target_ = cp;
      return absl::OkStatus();
  }
  return absl::InternalError("unknown verdict");
}

void Follower::NoteOlder(const Signed& cp, const Signed& big) {
  // Consistent, so no evidence; but clients that saw the newer checkpoint
  // will get OUT_OF_RANGE from this log. Said once per episode.
  if (!serving_older_) {
    LogWarning(
        "%s: the log serves checkpoint size %d, older than size %d it signed before "
        "(consistent: a rollback or a lagging replica, not proof of misbehaviour)",
        origin(), cp.checkpoint.size, big.checkpoint.size);
  }
  serving_older_ = true;
}

absl::Status Follower::CatchUp() {
  const Signed target = *target_;
  const uint64_t size = target.checkpoint.size;
  const uint64_t start = auditor_->fed_size();
  const absl::Time started = absl::Now();
  absl::Time last_progress = started;
  using Batch = absl::StatusOr<std::vector<std::string>>;
  struct InFlight {
    uint64_t start, count;
    std::future<Batch> result;
  };
  auto fetch = [this](uint64_t from, uint64_t count) -> Batch {
    return log_->Entries(from, count, RpcDeadline());
  };
  std::deque<InFlight> inflight;
  uint64_t next = start;
  auto fail = [&](absl::Status s) {
    inflight.clear();  // waits for the calls in flight
    absl::Status reset = auditor_->Reset();
    Publish();
    return reset.ok() ? s : reset;
  };
  while (auditor_->fed_size() < size) {
    while (static_cast<int>(inflight.size()) < options_.entries_in_flight && next < size) {
      const uint64_t count = std::min(kEntriesPerCall, size - next);
      inflight.push_back({next, count, std::async(std::launch::async, fetch, next, count)});
      next += count;
    }
    InFlight call = std::move(inflight.front());
    inflight.pop_front();
    Batch batch = call.result.get();
    if (!batch.ok()) return fail(batch.status());
    auto v = auditor_->Feed(*batch);
    if (!v.ok()) return fail(v.status());
    if (v->has_value()) {
      inflight.clear();
      return ReportViolation(**v, target);
    }
    if (batch->size() < call.count) {
      // A short answer: start over from where it ended.
      inflight.clear();
      next = auditor_->fed_size();
    }
    const absl::Time now = absl::Now();
    const double rate =
        (auditor_->fed_size() - start) / std::max(1e-3, absl::ToDoubleSeconds(now - started));
    {
      absl::MutexLock lock(&mu_);
      entries_audited_ += batch->size();
      fed_size_ = auditor_->fed_size();
      rate_ = rate;
      log_size_ = std::max(log_size_, size);
    }
    if (now - last_progress >= options_.progress_every) {
      last_progress = now;
      const uint64_t left = size - auditor_->fed_size();
      LogInfo("%s: catching up: %d of %d entries (%.1f%%), %.0f entries/s, about %.0f s left",
              origin(), auditor_->fed_size(), size, 100.0 * auditor_->fed_size() / size, rate,
              left / std::max(rate, 1.0));
    }
    if (auditor_->replayed_size() < size &&
        auditor_->replayed_size() - auditor_->verified().size >= options_.commit_every_entries) {
      absl::Status s = CommitPrefix(target);
      if (!s.ok()) return fail(s);
    }
  }
  if (std::optional<Violation> v = auditor_->CheckCheckpointEnd(size)) {
    return ReportViolation(*v, target);
  }
  if (auditor_->ReplayedRoot() != target.checkpoint.root) {
    return fail(absl::UnavailableError(absl::StrCat(
        "the entries the log served hash to ", HashHex(auditor_->ReplayedRoot()),
        ", not to its checkpoint's root ", HashHex(target.checkpoint.root), " at size ", size)));
  }
  absl::Status s = Stored(auditor_->Commit(target.text));
  if (!s.ok()) return fail(s);
  Publish();
  if (size - start > kEntriesPerCall) {
    const double seconds = absl::ToDoubleSeconds(absl::Now() - started);
    LogInfo("%s: audited up to size %d (epoch %d): %d entries in %.1f s (%.0f entries/s)", origin(),
            size, auditor_->verified().last_epoch.epoch, size - start, seconds,
            (size - start) / std::max(seconds, 1e-3));
  }
  return absl::OkStatus();
}

absl::Status Follower::CommitPrefix(const Signed& target) {
  const uint64_t prefix = auditor_->replayed_size();
  auto proof = log_->ConsistencyProof(prefix, target.checkpoint.size, RpcDeadline());
  if (!proof.ok()) return proof.status();
  absl::Status s = merkle::VerifyConsistency(prefix, target.checkpoint.size, *proof,
                                             auditor_->ReplayedRoot(), target.checkpoint.root);
  if (!s.ok()) {
    return absl::UnavailableError(
        absl::StrCat("the entries the log served up to ", prefix,
                     " are not a prefix of its checkpoint: ", s.message()));
  }
  s = Stored(auditor_->Commit(target.text));
  if (!s.ok()) return s;
  Publish();
  return absl::OkStatus();
}

absl::Status Follower::ReportViolation(const Violation& v, const Signed& target) {
  const uint64_t size = target.checkpoint.size;
  auto e = BuildRuleEvidence(
      v, options_.log.note_verifier_key(), target.text,
      [this, size](uint64_t index) { return log_->InclusionProof(index, size, RpcDeadline()); });
  absl::Status reset = auditor_->Reset();
  if (!e.ok()) {
    return absl::UnavailableError(absl::StrCat("entries break rule ", evidence::RuleName(v.rule),
                                               " (", v.message,
                                               ") but the log's inclusion proofs "
                                               "can't be had: ",
                                               e.status().message()));
  }
  if (!evidence::VerifyEvidence(*e).ok()) {
    return absl::UnavailableError(absl::StrCat("entries break rule ", evidence::RuleName(v.rule),
                                               " (", v.message,
                                               ") but the log's inclusion proofs "
                                               "do not place them in its checkpoint"));
  }
  (void)reset;
  return Keep(*e);
}

absl::Status Follower::Stored(absl::Status written) {
  if (options_.storage_health != nullptr) {
    (void)options_.storage_health->Report(StoragePart(), written);
  }
  absl::MutexLock lock(&mu_);
  storage_error_ = written.ok() ? "" : written.ToString();
  // FailedPrecondition means "misbehaving" to Step's callers; a write that
  // needs a restart is a retryable failure for them.
  if (absl::IsFailedPrecondition(written)) {
    return absl::UnavailableError(absl::StrCat("storage: ", written.message()));
  }
  return written;
}

bool Follower::StorageFailing() const {
  absl::MutexLock lock(&mu_);
  return !storage_error_.empty();
}

void Follower::Publish() {
  const AuditState& state = auditor_->verified();
  std::optional<Signed> verified;
  if (state.size > 0) {
    auto opened = OpenCheckpoint(state.checkpoint, verifier_, origin());
    if (opened.ok()) verified = *std::move(opened);
  }
  absl::MutexLock lock(&mu_);
  verified_ = std::move(verified);
  verified_size_ = state.size;
  last_epoch_ = state.last_epoch;
  fed_size_ = auditor_->fed_size();
  log_size_ = std::max(log_size_, state.size);
}

}  // namespace keytrail::monitor
