#include "monitor/follower.h"

#include <deque>
#include <filesystem>
#include <future>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "core/bytes/encoding.h"
#include "core/evidence/old_root.h"
#include "core/merkle/hash_list.h"
#include "core/merkle/hasher.h"
#include "core/merkle/verify.h"
#include "core/protocol/limits.h"
#include "core/util/file.h"
#include "core/util/logging.h"

namespace keytrail::monitor {
namespace {

constexpr uint64_t kEntriesPerCall = 1000;
constexpr size_t kMaxProofHashes = 65;

absl::Status FromGrpc(const grpc::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  // Whatever the log says, for the follower it means "try again later".
  return absl::UnavailableError(absl::StrCat(what, ": ", s.error_message(), " (gRPC code ",
                                             static_cast<int>(s.error_code()), ")"));
}

std::unique_ptr<grpc::ClientContext> Context(absl::Duration timeout) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
  return ctx;
}

// A file name from the origin: letters and digits kept, the rest '_'.
std::string FileSafe(absl::string_view s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Follower>> Follower::Create(FollowerOptions options,
                                                           std::shared_ptr<grpc::Channel> channel) {
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
  auto stub = v1::KeyTransparencyLog::NewStub(channel);
  auto f = std::unique_ptr<Follower>(new Follower(std::move(options), *std::move(verifier),
                                                  *std::move(store), *std::move(auditor),
                                                  std::move(stub)));
  for (size_t i = 0; i < evidence->size(); ++i) {
    v1::EvidenceInfo info;
    auto decoded = evidence::DecodeEvidence((*evidence)[i]);
    auto finding = decoded.ok() ? evidence::VerifyEvidence(*decoded)
                                : absl::StatusOr<evidence::Finding>(decoded.status());
    info.set_summary(finding.ok() ? finding->summary
                                  : absl::StrCat("stored evidence does not verify: ",
                                                 finding.status().message()));
    info.set_file(absl::StrCat(f->options_.evidence_dir, "/", FileSafe(f->origin()), "-", i,
                               ".evidence"));
    info.set_evidence((*evidence)[i]);
    f->evidence_.push_back(std::move(info));
  }
  f->misbehaving_ = !f->evidence_.empty();
  if (f->options_.storage_health != nullptr) f->options_.storage_health->Add(f->StoragePart());
  f->Publish();
  const AuditState& state = f->auditor_->verified();
  LogInfo("%s: following %s from size %d (epoch %d)%s", f->origin(),
          f->options_.log.grpc_address(), state.size, state.size > 0 ? state.last_epoch.epoch : 0,
          f->misbehaving_ ? "; MISBEHAVING, evidence on file: not auditing" : "");
  return f;
}

Follower::Follower(FollowerOptions options, note::Ed25519NoteVerifier verifier,
                   std::unique_ptr<MonitorStore> store, std::unique_ptr<Auditor> auditor,
                   std::unique_ptr<v1::KeyTransparencyLog::Stub> stub)
    : options_(std::move(options)),
      verifier_(std::move(verifier)),
      store_(std::move(store)),
      auditor_(std::move(auditor)),
      stub_(std::move(stub)) {}

Follower::~Follower() { Stop(); }

void Follower::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void Follower::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
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
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, absl::ToChronoMilliseconds(wait), [this, storage_failing] {
      // While the disk is full, pushes and gossip do not cut the backoff short.
      return stop_ || (!storage_failing && (hint_.has_value() || !peer_offers_.empty()));
    });
    if (stop_) return;
  }
}

absl::StatusOr<Follower::Signed> Follower::Open(const std::string& text) const {
  if (text.size() > evidence::kMaxNoteBytes) {
    // Evidence could not carry it; no honest checkpoint comes near this.
    return absl::UnavailableError(absl::StrCat("checkpoint note of ", text.size(),
                                               " bytes, more than ", evidence::kMaxNoteBytes));
  }
  const note::NoteVerifier* verifiers[] = {&verifier_};
  auto opened = note::OpenNote(text, verifiers);
  if (!opened.ok()) {
    return absl::UnavailableError(
        absl::StrCat("checkpoint signature does not verify: ", opened.status().message()));
  }
  auto checkpoint = note::ParseCheckpoint(opened->text);
  if (!checkpoint.ok()) return absl::UnavailableError(checkpoint.status().message());
  if (checkpoint->origin != origin()) {
    return absl::UnavailableError(
        absl::StrCat("checkpoint of origin \"", checkpoint->origin, "\", want \"", origin(), "\""));
  }
  return Signed{text, *std::move(checkpoint)};
}

void Follower::FetchLogInfo() {
  if (max_epoch_age_ms_ != 0) return;
  if (options_.log.max_epoch_age_ms() != 0) {
    max_epoch_age_ms_ = options_.log.max_epoch_age_ms();
    return;
  }
  v1::GetLogInfoRequest req;
  v1::GetLogInfoResponse resp;
  auto ctx = Context(options_.rpc_timeout);
  if (stub_->GetLogInfo(ctx.get(), req, &resp).ok()) max_epoch_age_ms_ = resp.max_epoch_age_ms();
}

absl::Status Follower::Step() {
  bool misbehaving;
  {
    std::lock_guard<std::mutex> lock(mu_);
    misbehaving = misbehaving_;
  }
  if (misbehaving) return StoreUnsavedEvidence();
  if (StorageFailing()) {
    // Fetch and replay again only once writes work (Database::ProbeWrite
    // resumes RocksDB first): replaying entries that can't be committed
    // would only load the log and the disk.
    absl::Status probe = Stored(store_->ProbeWrite());
    if (!probe.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      last_error_ = std::string(probe.message());
      return probe;
    }
  }
  FetchLogInfo();
  absl::Status result = absl::OkStatus();
  v1::GetCheckpointRequest req;
  req.set_newest(true);
  v1::GetCheckpointResponse resp;
  auto ctx = Context(options_.rpc_timeout);
  absl::Status fetched = FromGrpc(stub_->GetCheckpoint(ctx.get(), req, &resp), "GetCheckpoint");
  std::vector<std::string> candidates;
  if (fetched.ok()) candidates.push_back(resp.checkpoint());
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (hint_.has_value()) candidates.push_back(hint_->text);
    hint_.reset();
  }
  if (!fetched.ok()) result = fetched;
  for (const std::string& text : candidates) {
    auto cp = Open(text);
    if (!cp.ok()) {
      result = cp.status();
      continue;
    }
    absl::Status s = Consider(*cp);
    if (s.code() == absl::StatusCode::kFailedPrecondition) return s;
    if (!s.ok()) result = s;
  }
  absl::Status gossip = ConsiderPeerOffers();
  if (gossip.code() == absl::StatusCode::kFailedPrecondition) return gossip;
  if (target_.has_value() && target_->checkpoint.size > auditor_->verified().size) {
    absl::Status s = CatchUp();
    if (!s.ok()) result = s;
  }
  std::lock_guard<std::mutex> lock(mu_);
  last_error_ = result.ok() ? "" : std::string(result.message());
  if (target_.has_value()) log_size_ = std::max(log_size_, target_->checkpoint.size);
  stale_after_ms_ = max_epoch_age_ms_;
  const uint64_t now = NowMs();
  const bool stale = stale_after_ms_ > 0 && verified_size_ > 0 &&
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

void Follower::OfferPeerCheckpoint(const std::string& signed_note, const std::string& peer) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    peer_offers_[peer] = signed_note;
  }
  cv_.notify_all();
}

absl::Status Follower::ConsiderPeerOffers() {
  std::map<std::string, std::string> offers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    offers.swap(peer_offers_);
  }
  for (const auto& [peer, text] : offers) {
    auto cp = Open(text);
    absl::Status s = cp.ok() ? Consider(*cp) : cp.status();
    if (s.code() == absl::StatusCode::kFailedPrecondition) return s;  // evidence emitted
    // Anything else proves nothing: said once per peer and problem, and the
    // log's own state is left alone (no false alarm from a peer).
    std::string problem = s.ok() ? "" : std::string(s.message());
    if (!problem.empty() && peer_problem_[peer] != problem) {
      LogWarning("%s: gossip: cannot check peer %s's checkpoint yet: %s", origin(), peer, problem);
    }
    peer_problem_[peer] = problem;
  }
  return absl::OkStatus();
}

absl::Status Follower::Consider(const Signed& cp) {
  if (!target_.has_value()) {
    const AuditState& state = auditor_->verified();
    if (state.size > 0) {
      auto stored = Open(state.checkpoint);
      if (!stored.ok()) return absl::DataLossError("stored checkpoint does not verify");
      target_ = *std::move(stored);
    }
  }
  if (!target_.has_value()) {
    target_ = cp;
    return absl::OkStatus();
  }
  const uint64_t verified = auditor_->verified().size;
  const Signed big = *target_;
  if (cp.checkpoint.size <= verified) {
    // Compare with the tree this monitor replayed itself.
    auto root = cp.checkpoint.size == verified ? absl::StatusOr<Hash>(verified_root_)
                                               : store_->RootAt(cp.checkpoint.size);
    if (!root.ok()) return root.status();
    if (*root == cp.checkpoint.root) {
      NoteOlder(cp, big);
      return absl::OkStatus();
    }
    if (cp.checkpoint.size == big.checkpoint.size) return ProveSplit(cp, big, *root, {});
    absl::StatusOr<std::vector<Hash>> proof =
        big.checkpoint.size == verified ? store_->ConsistencyProof(cp.checkpoint.size, verified)
                                        : LogConsistencyProof(cp.checkpoint.size, big.checkpoint.size);
    if (!proof.ok()) return proof.status();
    return ProveSplit(cp, big, *root, *std::move(proof));
  }
  if (cp.checkpoint.size <= big.checkpoint.size) {
    absl::Status s = CheckConsistent(cp, big);
    if (s.ok()) NoteOlder(cp, big);
    return s;
  }
  serving_older_ = false;
  absl::Status s = CheckConsistent(big, cp);
  if (!s.ok()) return s;
  target_ = cp;
  return absl::OkStatus();
}

void Follower::NoteOlder(const Signed& cp, const Signed& big) {
  // Consistent, so no evidence; but clients that saw the newer checkpoint
  // will get OUT_OF_RANGE from this log. Said once per episode.
  const bool older = cp.checkpoint.size < big.checkpoint.size;
  if (older && !serving_older_) {
    LogWarning("%s: the log serves checkpoint size %d, older than size %d it signed before "
               "(consistent: a rollback or a lagging replica, not proof of misbehaviour)",
               origin(), cp.checkpoint.size, big.checkpoint.size);
  }
  serving_older_ = older;
}

absl::Status Follower::CheckConsistent(const Signed& small, const Signed& big) {
  if (small.checkpoint.size == big.checkpoint.size) {
    if (small.checkpoint.root == big.checkpoint.root) return absl::OkStatus();
    return ProveSplit(small, big, big.checkpoint.root, {});
  }
  auto proof = LogConsistencyProof(small.checkpoint.size, big.checkpoint.size);
  if (!proof.ok()) return proof.status();
  absl::Status s = merkle::VerifyConsistency(small.checkpoint.size, big.checkpoint.size, *proof,
                                             small.checkpoint.root, big.checkpoint.root);
  if (s.ok()) return s;
  auto old_root = evidence::OldRootFromConsistencyProof(small.checkpoint.size,
                                                        big.checkpoint.size, *proof,
                                                        big.checkpoint.root);
  if (!old_root.ok()) old_root = PowerOfTwoOldRoot(small.checkpoint.size, big);
  if (old_root.ok() && *old_root != small.checkpoint.root) {
    return ProveSplit(small, big, *old_root, *std::move(proof));
  }
  return absl::UnavailableError(absl::StrCat("the log's consistency proof from ",
                                             small.checkpoint.size, " to ", big.checkpoint.size,
                                             " does not verify: ", s.message()));
}

absl::StatusOr<Hash> Follower::PowerOfTwoOldRoot(uint64_t size, const Signed& big) {
  // [0, size) is a complete subtree of the big tree: the inclusion proof of
  // its last leaf starts with the subtree's own log2(size) hashes.
  if (size == 0 || (size & (size - 1)) != 0) return absl::InvalidArgumentError("not a power of two");
  v1::GetEntriesRequest req;
  req.set_start(size - 1);
  req.set_count(1);
  v1::GetEntriesResponse resp;
  auto ctx = Context(options_.rpc_timeout);
  absl::Status s = FromGrpc(stub_->GetEntries(ctx.get(), req, &resp), "GetEntries");
  if (!s.ok()) return s;
  if (resp.entries_size() != 1) return absl::UnavailableError("GetEntries: no entry");
  auto proof = LogInclusionProof(size - 1, big.checkpoint.size);
  if (!proof.ok()) return proof.status();
  s = merkle::VerifyInclusion(size - 1, big.checkpoint.size, EntryLeafHash(resp.entries(0)), *proof,
                              big.checkpoint.root);
  if (!s.ok()) return absl::UnavailableError(s.message());
  Hash node = EntryLeafHash(resp.entries(0));
  for (uint64_t width = 1, i = 0; width < size; width <<= 1, ++i) {
    node = merkle::HashChildren((*proof)[i], node);  // the leaf is rightmost: siblings on the left
  }
  return node;
}

absl::Status Follower::ProveSplit(const Signed& small, const Signed& big, const Hash& root_in_big,
                                  std::vector<Hash> proof) {
  evidence::Evidence e;
  e.kind = evidence::EvidenceKind::kSplitView;
  e.log_key = options_.log.note_verifier_key();
  e.checkpoint_a = small.text;
  e.checkpoint_b = big.text;
  if (small.checkpoint.size < big.checkpoint.size) {
    e.root_a_in_b = root_in_big;
    e.consistency_proof = std::move(proof);
  }
  return Emit(e);
}

absl::StatusOr<std::vector<Hash>> Follower::LogConsistencyProof(uint64_t size1, uint64_t size2) {
  v1::GetConsistencyProofRequest req;
  req.set_first_size(size1);
  req.set_second_size(size2);
  v1::GetConsistencyProofResponse resp;
  auto ctx = Context(options_.rpc_timeout);
  absl::Status s = FromGrpc(stub_->GetConsistencyProof(ctx.get(), req, &resp), "GetConsistencyProof");
  if (!s.ok()) return s;
  auto proof = merkle::DecodeHashList(resp.proof(), kMaxProofHashes, "consistency proof");
  if (!proof.ok()) return absl::UnavailableError(proof.status().message());
  return proof;
}

absl::StatusOr<std::vector<Hash>> Follower::LogInclusionProof(uint64_t index, uint64_t size) {
  v1::GetInclusionProofRequest req;
  req.set_index(index);
  req.set_tree_size(size);
  v1::GetInclusionProofResponse resp;
  auto ctx = Context(options_.rpc_timeout);
  absl::Status s = FromGrpc(stub_->GetInclusionProof(ctx.get(), req, &resp), "GetInclusionProof");
  if (!s.ok()) return s;
  auto proof = merkle::DecodeHashList(resp.proof(), kMaxProofHashes, "inclusion proof");
  if (!proof.ok()) return absl::UnavailableError(proof.status().message());
  return proof;
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
    v1::GetEntriesRequest req;
    req.set_start(from);
    req.set_count(count);
    v1::GetEntriesResponse resp;
    auto ctx = Context(options_.rpc_timeout);
    absl::Status s = FromGrpc(stub_->GetEntries(ctx.get(), req, &resp), "GetEntries");
    if (!s.ok()) return s;
    if (resp.entries_size() == 0 || static_cast<uint64_t>(resp.entries_size()) > count) {
      return absl::UnavailableError(absl::StrCat("GetEntries(", from, ", ", count, ") returned ",
                                                 resp.entries_size(), " entries"));
    }
    return std::vector<std::string>(resp.entries().begin(), resp.entries().end());
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
    const double rate = (auditor_->fed_size() - start) / std::max(1e-3, absl::ToDoubleSeconds(now - started));
    {
      std::lock_guard<std::mutex> lock(mu_);
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
    LogInfo("%s: audited up to size %d (epoch %d): %d entries in %.1f s (%.0f entries/s)",
            origin(), size, auditor_->verified().last_epoch.epoch, size - start, seconds,
            (size - start) / std::max(seconds, 1e-3));
  }
  return absl::OkStatus();
}

absl::Status Follower::CommitPrefix(const Signed& target) {
  const uint64_t prefix = auditor_->replayed_size();
  auto proof = LogConsistencyProof(prefix, target.checkpoint.size);
  if (!proof.ok()) return proof.status();
  absl::Status s = merkle::VerifyConsistency(prefix, target.checkpoint.size, *proof,
                                             auditor_->ReplayedRoot(), target.checkpoint.root);
  if (!s.ok()) {
    return absl::UnavailableError(absl::StrCat("the entries the log served up to ", prefix,
                                               " are not a prefix of its checkpoint: ", s.message()));
  }
  s = Stored(auditor_->Commit(target.text));
  if (!s.ok()) return s;
  Publish();
  return absl::OkStatus();
}

absl::Status Follower::ReportViolation(const Violation& v, const Signed& target) {
  const uint64_t size = target.checkpoint.size;
  auto e = BuildRuleEvidence(v, options_.log.note_verifier_key(), target.text,
                             [this, size](uint64_t index) { return LogInclusionProof(index, size); });
  absl::Status reset = auditor_->Reset();
  if (!e.ok()) {
    return absl::UnavailableError(absl::StrCat("entries break rule ", evidence::RuleName(v.rule),
                                               " (", v.message, ") but the log's inclusion proofs "
                                               "can't be had: ", e.status().message()));
  }
  if (!evidence::VerifyEvidence(*e).ok()) {
    return absl::UnavailableError(absl::StrCat("entries break rule ", evidence::RuleName(v.rule),
                                               " (", v.message, ") but the log's inclusion proofs "
                                               "do not place them in its checkpoint"));
  }
  (void)reset;
  return Emit(*e);
}

absl::Status Follower::Emit(const evidence::Evidence& e) {
  std::lock_guard<std::mutex> emitting(evidence_mu_);
  auto finding = evidence::VerifyEvidence(e);
  if (!finding.ok()) {
    LogError("%s: BUG: evidence built by this monitor does not verify: %s", origin(),
             finding.status().message());
    return absl::InternalError(finding.status().message());
  }
  const std::string bytes = evidence::EncodeEvidence(e);
  {
    // No more cosignatures from now on, whether or not the evidence can be
    // stored.
    std::lock_guard<std::mutex> lock(mu_);
    refusing_ = true;
  }
  absl::Status stored = StoreEvidence(bytes, finding->summary);
  if (!stored.ok()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      misbehaving_ = true;
    }
    unsaved_evidence_.push_back({bytes, finding->summary});
    // Until a write works the evidence lives only in this process: a
    // restart before then would lose it (a split view seen only in a pushed
    // checkpoint is not found again). The log usually goes elsewhere than
    // the full disk, so the line carries a copy when it is small enough for
    // one line (a split view's is a few KiB; a broken rule's with many map
    // witnesses can be megabytes).
    constexpr size_t kMaxLoggedEvidenceBytes = 48 << 10;
    const std::string copy =
        bytes.size() <= kMaxLoggedEvidenceBytes
            ? absl::StrCat("; the evidence file, base64: ", Base64Encode(bytes))
            : absl::StrCat("; the evidence (", bytes.size(), " bytes) is too large to log");
    LogError("%s: MISBEHAVING: %s; the evidence can't be stored yet (%s): retried until it "
             "is; no longer cosigning%s",
             origin(), finding->summary, stored.message(), copy);
  }
  cv_.notify_all();
  return absl::FailedPreconditionError(absl::StrCat(origin(), " is misbehaving: ", finding->summary));
}

absl::Status Follower::StoreUnsavedEvidence() {
  std::lock_guard<std::mutex> emitting(evidence_mu_);
  while (!unsaved_evidence_.empty()) {
    absl::Status s = StoreEvidence(unsaved_evidence_.front().bytes,
                                   unsaved_evidence_.front().summary);
    if (!s.ok()) return s;
    unsaved_evidence_.erase(unsaved_evidence_.begin());
  }
  return absl::OkStatus();
}

absl::Status Follower::Stored(absl::Status written) {
  if (options_.storage_health != nullptr) {
    (void)options_.storage_health->Report(StoragePart(), written);
  }
  std::lock_guard<std::mutex> lock(mu_);
  storage_error_ = written.ok() ? "" : written.ToString();
  // FailedPrecondition means "misbehaving" to Step's callers; a write that
  // needs a restart is a retryable failure for them.
  if (absl::IsFailedPrecondition(written)) {
    return absl::UnavailableError(absl::StrCat("storage: ", written.message()));
  }
  return written;
}

bool Follower::StorageFailing() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !storage_error_.empty();
}

absl::Status Follower::StoreEvidence(const std::string& bytes, const std::string& summary) {
  auto seq = store_->AddEvidence(bytes);
  (void)Stored(seq.status());
  if (!seq.ok()) return seq.status();
  std::error_code ec;
  std::filesystem::create_directories(options_.evidence_dir, ec);
  const std::string file =
      absl::StrCat(options_.evidence_dir, "/", FileSafe(origin()), "-", *seq, ".evidence");
  // The database holds the evidence durably already; the file is the copy an
  // operator hands on, so failing to write it is logged, not fatal.
  const absl::Status written = WriteFileDurably(file, bytes, 0644);
  if (!written.ok()) {
    LogError("%s: could not write the evidence file: %s", origin(), written.ToString());
  }
  LogError("%s: MISBEHAVING: %s; evidence in %s; no longer cosigning", origin(), summary, file);
  v1::EvidenceInfo info;
  info.set_summary(summary);
  info.set_file(file);
  info.set_evidence(bytes);
  std::lock_guard<std::mutex> lock(mu_);
  misbehaving_ = true;
  evidence_.push_back(std::move(info));
  return absl::OkStatus();
}

void Follower::Publish() {
  const AuditState& state = auditor_->verified();
  std::optional<Signed> verified;
  if (state.size > 0) {
    auto opened = Open(state.checkpoint);
    if (opened.ok()) verified = *std::move(opened);
  }
  std::lock_guard<std::mutex> lock(mu_);
  verified_ = std::move(verified);
  verified_size_ = state.size;
  verified_root_ = auditor_->verified().size == auditor_->replayed_size()
                       ? auditor_->ReplayedRoot()
                       : merkle::CompactRange::FromHashes(state.size, state.frontier).value().Root();
  last_epoch_ = state.last_epoch;
  fed_size_ = auditor_->fed_size();
  log_size_ = std::max(log_size_, state.size);
  cv_.notify_all();
}

absl::Status Follower::CheckAudited(absl::string_view signed_note,
                                    const note::Checkpoint& checkpoint, absl::Time deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  auto misbehaving = [this] {
    return absl::FailedPreconditionError(absl::StrCat(origin(), " is misbehaving: not cosigning"));
  };
  if (misbehaving_ || refusing_) return misbehaving();
  if (signed_note.size() > evidence::kMaxNoteBytes) {
    return absl::UnavailableError("checkpoint note too large to audit");
  }
  if (checkpoint.size > verified_size_) {
    if (!hint_.has_value() || hint_->checkpoint.size < checkpoint.size) {
      hint_ = Signed{std::string(signed_note), checkpoint};
    }
    if (!storage_error_.empty()) {
      // Whatever it audits now could not be recorded: no waiting.
      return absl::UnavailableError(absl::StrCat(
          "audited up to size ", verified_size_, ", not ", checkpoint.size,
          ": the monitor's storage is failing (", storage_error_, ")"));
    }
    cv_.notify_all();
    cv_.wait_until(lock, absl::ToChronoTime(deadline), [&] {
      return misbehaving_ || refusing_ || stop_ || verified_size_ >= checkpoint.size;
    });
    if (misbehaving_ || refusing_) return misbehaving();
    if (verified_size_ < checkpoint.size) {
      return absl::UnavailableError(absl::StrCat("audited up to size ", verified_size_,
                                                 ", not yet ", checkpoint.size));
    }
  }
  const uint64_t verified = verified_size_;
  const Hash verified_root = verified_root_;
  const std::optional<Signed> big = verified_;
  lock.unlock();
  auto root = checkpoint.size == verified ? absl::StatusOr<Hash>(verified_root)
                                          : store_->RootAt(checkpoint.size);
  if (!root.ok()) return absl::UnavailableError(root.status().message());
  if (*root == checkpoint.root) return absl::OkStatus();
  // Another root at a size already audited: a split view.
  if (!big.has_value()) {
    // Only a size-0 checkpoint gets here (nothing audited yet), and its root
    // is not the empty tree's: nonsense, but no evidence of anything.
    return absl::UnavailableError("nothing audited yet");
  }
  Signed small{std::string(signed_note), checkpoint};
  if (checkpoint.size == big->checkpoint.size) return ProveSplit(small, *big, *root, {});
  absl::StatusOr<std::vector<Hash>> proof =
      big->checkpoint.size == verified ? store_->ConsistencyProof(checkpoint.size, verified)
                                       : LogConsistencyProof(checkpoint.size, big->checkpoint.size);
  if (!proof.ok()) return proof.status();
  return ProveSplit(small, *big, *root, *std::move(proof));
}

v1::LogStatus Follower::Status() const {
  std::lock_guard<std::mutex> lock(mu_);
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
  for (const v1::EvidenceInfo& e : evidence_) *s.add_evidence() = e;
  const bool catching_up = s.lag() > 0;
  if (catching_up) {
    s.set_entries_per_second(rate_);
    const uint64_t left = s.log_size() - std::max(fed_size_, verified_size_);
    s.set_seconds_left(rate_ > 0 ? static_cast<uint64_t>(left / rate_) : 0);
  }
  const uint64_t now = options_.clock();
  const uint64_t age_limit = stale_after_ms_;
  if (misbehaving_) {
    s.set_state(v1::LogStatus::MISBEHAVING);
  } else if (!storage_error_.empty()) {
    s.set_state(v1::LogStatus::STORAGE_FAILING);
  } else if (!last_error_.empty()) {
    s.set_state(v1::LogStatus::UNREACHABLE);
  } else if (catching_up || verified_size_ == 0) {
    s.set_state(v1::LogStatus::CATCHING_UP);
  } else if (age_limit > 0 && now > last_epoch_.timestamp_ms + age_limit +
                                        options_.log.poll_interval_ms()) {
    s.set_state(v1::LogStatus::STALE);
  } else {
    s.set_state(v1::LogStatus::OK);
  }
  return s;
}

}  // namespace keytrail::monitor
