// Follower: follows and audits one log — the loop over its pieces. A
// thread polls the log's newest checkpoint through a LogClient
// (monitor/log_client.h), has every checkpoint it sees judged by
// JudgeCheckpoint (monitor/checkpoint_judge.h) — polled, pushed to the
// witness (CheckAudited, Observe) or offered by gossip — fetches the new
// entries (up to 1,000 per call, a few calls in flight), replays them
// through the Auditor and commits each verified checkpoint in one synced
// batch. Evidence goes to its EvidenceKeeper (monitor/evidence_keeper.h).
// After a restart it resumes from the stored state.
//
// On misbehaviour (a split view, or a broken rule whose entries the log's
// own inclusion proofs place in its signed checkpoint) it stores the
// evidence in its database and as a file, logs one line, stops following
// and CheckAudited answers FailedPrecondition from then on (also after a
// restart). An unreachable log, or answers that do not verify but prove
// nothing (a bad signature, a bad proof), make it UNREACHABLE: retried with
// exponential backoff, no evidence.
//
// Its own storage failing (a full disk): a commit of a verified checkpoint
// or a store of evidence that fails is reported to
// FollowerOptions::storage_health (part "audit database of <origin>"),
// which logs it once and turns the monitor unhealthy; the state is
// STORAGE_FAILING (MISBEHAVING stays MISBEHAVING). Nothing past the stored
// verified checkpoint is ever published, so CheckAudited cosigns nothing
// the database does not hold: for a bigger checkpoint it answers
// Unavailable at once. The follower retries with backoff
// (storage_retry_min doubling up to storage_retry_max): first a probe write
// (resuming RocksDB), and only once that works does it fetch and replay
// again from the stored state, so nothing is lost or applied twice.
// Evidence found while the database refuses writes stops cosigning at once
// and is stored (and filed) as soon as a write works.
//
// Thread safety: Status, CheckAudited, Observe and OfferPeerCheckpoint may
// be called from any thread while the follower thread runs; they never call
// the log (CheckAudited waits at most until its deadline for the follower
// thread). Step is for tests that drive it by hand (never with the thread
// running). follower.cc has the loop, follower_intake.cc what other threads
// call.
#ifndef KEYTRAIL_MONITOR_FOLLOWER_H_
#define KEYTRAIL_MONITOR_FOLLOWER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "core/evidence/evidence.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "grpcpp/grpcpp.h"
#include "monitor/auditor.h"
#include "monitor/checkpoint_judge.h"
#include "monitor/evidence_keeper.h"
#include "monitor/log_client.h"
#include "monitor/monitor_store.h"
#include "monitor/storage_health.h"
#include "proto/monitor_config.pb.h"
#include "proto/monitor_service.pb.h"

namespace keytrail::monitor {

struct FollowerOptions {
  v1::FollowedLog log;
  std::string db_dir;        // this log's RocksDB
  std::string evidence_dir;  // evidence files go here (created if missing)
  // Commit a proven prefix at least this often while catching up, so a
  // restart does not start over.
  uint64_t commit_every_entries = 100000;
  int entries_in_flight = 4;  // GetEntries calls pipelined
  absl::Duration max_backoff = absl::Seconds(30);
  absl::Duration rpc_timeout = absl::Seconds(20);
  absl::Duration progress_every = absl::Seconds(5);
  size_t block_cache_bytes = 64 << 20;
  Auditor::ClockMs clock;  // default: the system clock
  // Hears of every write's outcome (borrowed; may be null; must outlive the
  // follower). The follower keeps its own state for Status either way.
  StorageHealth* storage_health = nullptr;
  // Waits between retries while its database refuses writes.
  absl::Duration storage_retry_min = absl::Seconds(1);
  absl::Duration storage_retry_max = absl::Seconds(30);
  rocksdb::Env* env = nullptr;  // the database's file system (tests); null: the default
};

class Follower {
 public:
  // Opens the log's store (creating it) and loads its state and evidence.
  // InvalidArgument for a bad note key; storage errors as MonitorStore::Open.
  // Reads the log through `log`.
  static absl::StatusOr<std::unique_ptr<Follower>> Create(FollowerOptions options,
                                                          std::unique_ptr<LogClient> log);
  // The same over the log's gRPC service (monitor/grpc_log_client.h).
  static absl::StatusOr<std::unique_ptr<Follower>> Create(FollowerOptions options,
                                                          std::shared_ptr<grpc::Channel> channel);
  ~Follower();  // stops the thread

  void Start();
  void Stop();

  // One round: checkpoint, consistency, catch-up. OK when audited up to the
  // newest checkpoint (or already misbehaving); FailedPrecondition when this
  // round found misbehaviour; Unavailable/other codes when it could not
  // finish (the state is then UNREACHABLE).
  absl::Status Step();

  const std::string& origin() const { return options_.log.origin(); }
  const note::Ed25519NoteVerifier& verifier() const { return verifier_; }

  // AuditedLogs::CheckAudited for this log (see monitor/audited_logs.h):
  // waits until `deadline` at most, never calls the log.
  absl::Status CheckAudited(absl::string_view signed_note, const note::Checkpoint& checkpoint,
                            absl::Time deadline);

  v1::LogStatus Status() const;

  // AuditedLogs::Observe for this log: a log-signed checkpoint the witness
  // was pushed and will not cosign (with the request's old size and proof),
  // judged now against what was audited (monitor/checkpoint_judge.h); one
  // beyond the audited size that its proof does not settle is judged by the
  // follower thread with the log's proof in its next round (up to
  // kMaxPushed kept; the oldest dropped). FailedPrecondition when the log is
  // (now) known to misbehave, OK otherwise. Never calls the log.
  absl::Status Observe(absl::string_view signed_note, const note::Checkpoint& checkpoint,
                       uint64_t old_size, absl::Span<const Hash> proof);
  static constexpr size_t kMaxPushed = 16;

  // A checkpoint of this log a peer monitor cosigned (monitor/gossip.h
  // checked the log's signature and the peer's). The follower thread, woken
  // now, compares it with its own view in its next round exactly as a
  // checkpoint from the log (Consider): a split view becomes evidence and
  // MISBEHAVING; a larger consistent one becomes the audit target; anything
  // that proves nothing (e.g. the log cannot prove consistency yet) is only
  // logged and never changes the log's state. Keeps the newest offer per peer.
  void OfferPeerCheckpoint(const std::string& signed_note, const std::string& peer);

 private:
  using Signed = SignedCheckpoint;

  Follower(FollowerOptions options, note::Ed25519NoteVerifier verifier,
           std::unique_ptr<MonitorStore> store, std::unique_ptr<Auditor> auditor,
           std::unique_ptr<LogClient> log);
  void Run();
  uint64_t NowMs() const { return options_.clock(); }
  absl::Time RpcDeadline() const { return absl::Now() + options_.rpc_timeout; }

  // Judges one checkpoint (monitor/checkpoint_judge.h) against the audited
  // view and the audit target; a larger consistent one becomes the target.
  // FailedPrecondition when it was a split view (kept as evidence).
  absl::Status Consider(const Signed& cp);
  // Considers what peers offered and what pushes left for this thread;
  // FailedPrecondition when it kept evidence.
  absl::Status ConsiderOffers();
  // Logs once when the log starts serving a consistent but older checkpoint.
  void NoteOlder(const Signed& cp, const Signed& big);
  // What the judge compares with: the published verified checkpoint and,
  // on the follower thread only (with_target), the audit target.
  AuditedView View(bool with_target) const ABSL_LOCKS_EXCLUDED(mu_);
  // CheckAudited's wait: OK once `checkpoint.size` is audited.
  absl::Status AwaitAudit(absl::string_view signed_note, const note::Checkpoint& checkpoint,
                          absl::Time deadline) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CatchUp();
  absl::Status CommitPrefix(const Signed& target);
  absl::Status ReportViolation(const Violation& v, const Signed& target);
  // keeper_->Keep, then wakes CheckAudited's waiters.
  absl::Status Keep(const evidence::Evidence& e) ABSL_LOCKS_EXCLUDED(mu_);
  // Reports a write's outcome (storage_health, Status); returns it, a
  // FailedPrecondition (needs a restart) as Unavailable.
  absl::Status Stored(absl::Status written) ABSL_LOCKS_EXCLUDED(mu_);
  bool StorageFailing() const ABSL_LOCKS_EXCLUDED(mu_);
  std::string StoragePart() const { return "audit database of " + origin(); }
  void Publish() ABSL_LOCKS_EXCLUDED(mu_);  // copies the auditor's verified state for other threads
  void FetchLogInfo();

  const FollowerOptions options_;
  const note::Ed25519NoteVerifier verifier_;
  std::unique_ptr<MonitorStore> store_;
  std::unique_ptr<Auditor> auditor_;  // follower thread only
  std::unique_ptr<LogClient> log_;
  std::unique_ptr<EvidenceKeeper> keeper_;  // set by Create; thread-safe itself
  // Follower thread only.
  std::optional<Signed> target_;  // newest consistent checkpoint
  uint64_t max_epoch_age_ms_ = 0;
  bool serving_older_ = false;                        // as last logged
  std::map<std::string, std::string> offer_problem_;  // by source, as last logged
  bool stale_ = false;                                // as last logged

  // Shared with the other threads (CheckAudited, Observe, offers, Status).
  mutable absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<Signed> hint_ ABSL_GUARDED_BY(mu_);  // a checkpoint CheckAudited wants audited
  std::map<std::string, std::string> peer_offers_ ABSL_GUARDED_BY(mu_);  // peer -> its note
  std::deque<std::string> pushed_ ABSL_GUARDED_BY(mu_);  // notes Observe left for this thread
  std::optional<Signed> verified_ ABSL_GUARDED_BY(mu_);  // the stored verified checkpoint
  uint64_t verified_size_ ABSL_GUARDED_BY(mu_) = 0;
  EpochEntry last_epoch_ ABSL_GUARDED_BY(mu_){};
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  uint64_t log_size_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t entries_audited_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t fed_size_ ABSL_GUARDED_BY(mu_) = 0;
  double rate_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t stale_after_ms_ ABSL_GUARDED_BY(mu_) = 0;
  std::string storage_error_ ABSL_GUARDED_BY(mu_);  // the failed write while storage fails
  std::thread thread_;                              // started and joined under the owner's control
};

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_FOLLOWER_H_
