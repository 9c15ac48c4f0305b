// CosignatureCollector: after every epoch commit, pushes the new checkpoint
// to every configured monitor in parallel (one worker thread and one
// WitnessClient per monitor), collects their cosignatures, stores them
// durably, and publishes the state that reads answer with: the newest epoch
// whose checkpoint carries at least `required` cosignatures, its checkpoint
// note holding every cosignature collected for it.
//
// Each worker pushes only the newest state it has been given (several
// epochs committed during one push are coalesced), with a request timeout,
// and on failure backs off exponentially (min_backoff .. max_backoff) before
// trying again with whatever is newest then. A checkpoint a witness refuses
// for good (FailedPrecondition, e.g. it is on a newer one or holds a fork)
// is not retried; the worker waits for the next epoch.
//
// Durability: each time a cosignature arrives for the newest epoch that has
// any, the note with all of that epoch's cosignatures is written (synced)
// through `persist` BEFORE it is served. At start, Restore() takes the
// stored record back when it is for the epoch being served.
//
// What is acknowledged when does not change: an update is acknowledged once
// its epoch is durable, not once it is cosigned.
//
// Until an epoch qualifies (e.g. just after a restart: older epochs'
// snapshots are gone), reads are served from the newest log-signed state,
// with whatever cosignatures it has; a client that requires cosignatures
// rejects those answers and retries.
//
// Thread-safe. Publish() is cheap and may be called from the sequencer
// thread.
#ifndef KEYTRAIL_LOG_SERVER_COSIGNATURE_COLLECTOR_H_
#define KEYTRAIL_LOG_SERVER_COSIGNATURE_COLLECTOR_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/note/note.h"
#include "log_server/published_state.h"
#include "log_server/witness_client.h"

namespace keytrail {

struct CollectorOptions {
  std::vector<MonitorEndpoint> monitors;
  size_t required_cosignatures = 0;
  absl::Duration request_timeout = absl::Seconds(10);
  absl::Duration min_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(30);
};

// The consistency proof from `from` to state.log.tree_size, read from the
// state's snapshot.
using StateProofSource =
    std::function<absl::StatusOr<std::vector<Hash>>(const PublishedState& state, uint64_t from)>;
// Durably stores the cosigned note of `epoch` (synced write).
using CosignedPersister = std::function<absl::Status(uint64_t epoch, const std::string& note)>;

class CosignatureCollector {
 public:
  // `served` (not owned) receives the state reads answer with. REQUIRES:
  // options.monitors not empty.
  CosignatureCollector(CollectorOptions options, StateHolder* served, StateProofSource proofs,
                       CosignedPersister persist);
  ~CosignatureCollector();  // Stop()s

  // A stored cosigned note of `epoch` (from the last run); used when the
  // first Publish is of that epoch. Call before Start.
  void Restore(uint64_t epoch, std::string note);

  // With public tiles (tile_publisher.h): pushes wait for the tiles. Once
  // GatePushes() is called (before Start), a worker pushes only the newest
  // state given to AllowPush (whose tiles are written), not every Publish'ed
  // one; reads are still served from what Publish gives.
  void GatePushes();
  void AllowPush(std::shared_ptr<const PublishedState> state);
  // Called (under the collector's lock: must not call back into it) each
  // time a checkpoint with the required cosignatures is served, with its
  // epoch and the note holding all its cosignatures. Set before Start.
  void OnQualified(std::function<void(uint64_t epoch, const std::string& note)> f);

  void Start();
  // Stops the workers (an in-flight push finishes or times out first).
  void Stop();

  // A new epoch was committed and published.
  void Publish(std::shared_ptr<const PublishedState> newest);

  // Cosignatures held for the served state (for tests and logs).
  size_t served_cosignatures() const;

 private:
  struct Pending {
    std::shared_ptr<const PublishedState> state;
    std::map<size_t, note::NoteSignature> cosignatures;  // by monitor index
  };
  void Work(size_t monitor);
  void Record(size_t monitor, const std::shared_ptr<const PublishedState>& state,
              note::NoteSignature cosignature);
  // Serves `p` with its cosignatures. REQUIRES: mu_ held.
  void ServeLocked(const Pending& p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const CollectorOptions options_;
  StateHolder* const served_;
  const StateProofSource proofs_;
  const CosignedPersister persist_;

  mutable absl::Mutex mu_;
  absl::CondVar changed_;
  std::shared_ptr<const PublishedState> newest_ ABSL_GUARDED_BY(mu_);
  bool gated_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<const PublishedState> pushable_ ABSL_GUARDED_BY(mu_);  // when gated_
  std::function<void(uint64_t, const std::string&)> on_qualified_;
  std::map<uint64_t, Pending> pending_ ABSL_GUARDED_BY(mu_);  // by epoch
  uint64_t served_epoch_ ABSL_GUARDED_BY(mu_) = 0;
  size_t served_cosignatures_ ABSL_GUARDED_BY(mu_) = 0;
  bool has_served_ ABSL_GUARDED_BY(mu_) = false;
  bool served_qualifies_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t restored_epoch_ ABSL_GUARDED_BY(mu_) = 0;
  std::string restored_note_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_COSIGNATURE_COLLECTOR_H_
