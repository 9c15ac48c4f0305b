#include "log_server/cosignature_collector.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/util/logging.h"

namespace keytrail {
namespace {

// Epochs kept waiting for cosignatures behind the newest one.
constexpr uint64_t kPendingEpochs = 16;

}  // namespace

CosignatureCollector::CosignatureCollector(CollectorOptions options, StateHolder* served,
                                           StateProofSource proofs, CosignedPersister persist)
    : options_(std::move(options)),
      served_(served),
      proofs_(std::move(proofs)),
      persist_(std::move(persist)) {}

CosignatureCollector::~CosignatureCollector() { Stop(); }

void CosignatureCollector::Restore(uint64_t epoch, std::string note) {
  absl::MutexLock lock(&mu_);
  restored_epoch_ = epoch;
  restored_note_ = std::move(note);
}

void CosignatureCollector::GatePushes() {
  absl::MutexLock lock(&mu_);
  gated_ = true;
}

void CosignatureCollector::AllowPush(std::shared_ptr<const PublishedState> state) {
  if (state == nullptr) return;
  absl::MutexLock lock(&mu_);
  if (pushable_ != nullptr && pushable_->log.epoch >= state->log.epoch) return;
  pushable_ = std::move(state);
  changed_.SignalAll();
}

void CosignatureCollector::OnQualified(
    std::function<void(uint64_t epoch, const std::string& note)> f) {
  on_qualified_ = std::move(f);
}

void CosignatureCollector::Start() {
  for (size_t i = 0; i < options_.monitors.size(); ++i) {
    workers_.emplace_back([this, i] { Work(i); });
  }
}

void CosignatureCollector::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    changed_.SignalAll();
  }
  for (std::thread& t : workers_) t.join();
  workers_.clear();
}

size_t CosignatureCollector::served_cosignatures() const {
  absl::MutexLock lock(&mu_);
  return served_cosignatures_;
}

void CosignatureCollector::Publish(std::shared_ptr<const PublishedState> newest) {
  if (newest == nullptr) return;
  absl::MutexLock lock(&mu_);
  const uint64_t epoch = newest->log.epoch;
  newest_ = newest;
  Pending& p = pending_[epoch];
  p.state = newest;
  if (!restored_note_.empty() && restored_epoch_ == epoch) {
    // Cosignatures collected for this very epoch before a restart.
    std::vector<const note::NoteVerifier*> keys;
    for (const MonitorEndpoint& m : options_.monitors) keys.push_back(&m.key);
    auto opened = note::OpenNote(restored_note_, keys);
    auto ours = note::ParseNote(newest->checkpoint);
    if (opened.ok() && ours.ok() && opened->text == ours->text) {
      for (const note::VerifiedSignature& v : opened->verified) {
        for (size_t i = 0; i < options_.monitors.size(); ++i) {
          if (v.verifier == &options_.monitors[i].key) p.cosignatures[i] = v.signature;
        }
      }
      LogInfo("cosignatures: restored %d for epoch %d", p.cosignatures.size(), epoch);
    }
    restored_note_.clear();
  }
  if (p.cosignatures.size() >= options_.required_cosignatures || !served_qualifies_) {
    ServeLocked(p);
  }
  // Forget epochs no push can still help.
  const uint64_t keep_from = std::max<uint64_t>(
      served_qualifies_ ? served_epoch_ : 0, epoch >= kPendingEpochs ? epoch - kPendingEpochs : 0);
  pending_.erase(pending_.begin(), pending_.lower_bound(keep_from));
  changed_.SignalAll();
}

void CosignatureCollector::ServeLocked(const Pending& p) {
  auto parsed = note::ParseNote(p.state->checkpoint);
  auto state = std::make_shared<PublishedState>(*p.state);
  if (parsed.ok() && !p.cosignatures.empty()) {
    for (const auto& [monitor, sig] : p.cosignatures) parsed->signatures.push_back(sig);
    state->checkpoint = note::FormatNote(*parsed);
  }
  const bool qualifies = p.cosignatures.size() >= options_.required_cosignatures;
  if (qualifies && (!served_qualifies_ || served_epoch_ != p.state->log.epoch)) {
    LogInfo("cosignatures: epoch %d (tree size %d) has %d of %d required; serving it",
            p.state->log.epoch, p.state->log.tree_size, p.cosignatures.size(),
            options_.required_cosignatures);
  }
  served_epoch_ = p.state->log.epoch;
  served_qualifies_ = qualifies;
  served_cosignatures_ = p.cosignatures.size();
  has_served_ = true;
  if (qualifies && on_qualified_) on_qualified_(state->log.epoch, state->checkpoint);
  served_->Set(std::move(state));
}

void CosignatureCollector::Record(size_t monitor,
                                  const std::shared_ptr<const PublishedState>& state,
                                  note::NoteSignature cosignature) {
  absl::MutexLock lock(&mu_);
  const uint64_t epoch = state->log.epoch;
  auto it = pending_.find(epoch);
  if (it == pending_.end()) return;  // superseded long ago
  Pending& p = it->second;
  p.cosignatures[monitor] = std::move(cosignature);
  // Store before serving: a cosignature clients have seen survives a crash.
  auto parsed = note::ParseNote(state->checkpoint);
  if (parsed.ok()) {
    for (const auto& [m, sig] : p.cosignatures) parsed->signatures.push_back(sig);
    absl::Status stored = persist_(epoch, note::FormatNote(*parsed));
    if (!stored.ok()) {
      LogError("cosignatures: storing epoch %d failed: %s", epoch, stored.ToString());
      return;  // not served unstored; the next epoch's push tries again
    }
  }
  const bool qualifies = p.cosignatures.size() >= options_.required_cosignatures;
  if (qualifies && (!served_qualifies_ || epoch >= served_epoch_)) ServeLocked(p);
}

void CosignatureCollector::Work(size_t index) {
  WitnessClient client(options_.monitors[index], options_.request_timeout);
  const std::string& name = options_.monitors[index].name;
  bool has_done = false;
  uint64_t done_epoch = 0;  // newest epoch cosigned or refused for good
  absl::Duration backoff = options_.min_backoff;
  while (true) {
    std::shared_ptr<const PublishedState> state;
    {
      absl::MutexLock lock(&mu_);
      // What may be pushed: every new state, or (gated) those whose
      // public tiles are written.
      auto next = [this]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return gated_ ? pushable_ : newest_; };
      while (!stopping_ && (next() == nullptr || (has_done && next()->log.epoch <= done_epoch))) {
        changed_.Wait(&mu_);
      }
      if (stopping_) return;
      state = next();
    }
    auto cosignature = client.Push(state->checkpoint, state->log.tree_size,
                                   [&](uint64_t from) { return proofs_(*state, from); });
    if (cosignature.ok()) {
      Record(index, state, *std::move(cosignature));
      has_done = true;
      done_epoch = state->log.epoch;
      backoff = options_.min_backoff;
      continue;
    }
    if (absl::IsFailedPrecondition(cosignature.status())) {
      LogWarning("cosignatures: monitor %s refused epoch %d: %s", name, state->log.epoch,
                 cosignature.status().message());
      has_done = true;
      done_epoch = state->log.epoch;
      continue;
    }
    LogWarning("cosignatures: pushing epoch %d to monitor %s failed (retry in %s): %s",
               state->log.epoch, name, absl::FormatDuration(backoff),
               cosignature.status().ToString());
    absl::MutexLock lock(&mu_);
    const absl::Time until = absl::Now() + backoff;
    while (!stopping_ && absl::Now() < until) {
      changed_.WaitWithDeadline(&mu_, until);
    }
    if (stopping_) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace keytrail
