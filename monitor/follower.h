// Follower: follows and audits one log. A thread polls the log's newest
// checkpoint (GetCheckpoint with newest = true), verifies its signature and
// its consistency with what was verified before, fetches the new entries
// (GetEntries, up to 1,000 per call, a few calls in flight), replays them
// through the Auditor and commits each verified checkpoint in one synced
// batch. After a restart it resumes from the stored state.
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
// Thread safety: Status and CheckAudited may be called from any thread while
// the follower thread runs. Step is for tests that drive it by hand (never
// with the thread running).
#ifndef KEYTRAIL_MONITOR_FOLLOWER_H_
#define KEYTRAIL_MONITOR_FOLLOWER_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "core/evidence/evidence.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "grpcpp/grpcpp.h"
#include "monitor/auditor.h"
#include "monitor/checkpoint_judge.h"
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

  // AuditedLogs::CheckAudited for this log (see monitor/audited_logs.h).
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

  absl::StatusOr<Signed> Open(const std::string& text) const;
  absl::Status Consider(const Signed& cp);
  // Considers what peers offered; FailedPrecondition when it emitted evidence.
  absl::Status ConsiderPeerOffers();
  // Logs once when the log starts serving a consistent but older checkpoint.
  void NoteOlder(const Signed& cp, const Signed& big);
  // What the judge compares with: the published verified checkpoint and,
  // on the follower thread only (with_target), the audit target.
  AuditedView View(bool with_target) const;
  absl::Status CatchUp();
  absl::Status CommitPrefix(const Signed& target);
  absl::Status ReportViolation(const Violation& v, const Signed& target);
  // Verifies, stores and files the evidence; marks the log misbehaving.
  // Returns FailedPrecondition (the code for "misbehaving") on success.
  absl::Status Emit(const evidence::Evidence& e);
  // Stores one evidence and files it (REQUIRES evidence_mu_).
  absl::Status StoreEvidence(const std::string& bytes, const std::string& summary);
  // Stores evidence Emit could not (follower thread). OK when none is left.
  absl::Status StoreUnsavedEvidence();
  // Reports a write's outcome (storage_health, Status); returns it, a
  // FailedPrecondition (needs a restart) as Unavailable.
  absl::Status Stored(absl::Status written);
  bool StorageFailing() const;
  std::string StoragePart() const { return "audit database of " + origin(); }
  void Publish();  // copies the auditor's verified state for other threads

  absl::StatusOr<std::vector<Hash>> LogConsistencyProof(uint64_t size1, uint64_t size2);
  absl::StatusOr<std::vector<Hash>> LogInclusionProof(uint64_t index, uint64_t size);
  void FetchLogInfo();

  const FollowerOptions options_;
  const note::Ed25519NoteVerifier verifier_;
  std::unique_ptr<MonitorStore> store_;
  std::unique_ptr<Auditor> auditor_;  // follower thread only
  std::unique_ptr<LogClient> log_;
  std::optional<Signed> target_;      // follower thread only: newest consistent checkpoint
  uint64_t max_epoch_age_ms_ = 0;     // follower thread only
  bool serving_older_ = false;        // follower thread only: as last logged
  std::map<std::string, std::string> peer_problem_;  // follower thread only: as last logged

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::optional<Signed> hint_;           // a checkpoint CheckAudited wants audited
  std::map<std::string, std::string> peer_offers_;  // peer name -> its cosigned note
  std::deque<std::string> pushed_;  // notes from Observe for the follower thread
  std::optional<Signed> verified_;       // the stored verified checkpoint
  uint64_t verified_size_ = 0;
  Hash verified_root_{};
  EpochEntry last_epoch_{};
  bool misbehaving_ = false;  // set with its evidence (or once storing it failed)
  // Evidence was found: CheckAudited refuses from the moment Emit verified
  // it, before the evidence is stored and misbehaving_ set.
  bool refusing_ = false;
  std::vector<v1::EvidenceInfo> evidence_;
  std::string last_error_;
  uint64_t log_size_ = 0;
  uint64_t entries_audited_ = 0;
  uint64_t fed_size_ = 0;
  double rate_ = 0;
  uint64_t stale_after_ms_ = 0;
  bool stale_ = false;  // as last logged
  std::string storage_error_;  // the failed write while storage fails, else ""
  std::mutex evidence_mu_;  // serializes Emit
  struct UnsavedEvidence {
    std::string bytes, summary;
  };
  std::vector<UnsavedEvidence> unsaved_evidence_;  // guarded by evidence_mu_
  std::thread thread_;
};

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_FOLLOWER_H_
