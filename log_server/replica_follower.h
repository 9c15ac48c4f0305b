// ReplicaFollower: the part of a read replica (docs/REPLICAS.md, "Following
// the primary") that follows the primary's stores and hands each verified
// epoch to a ReplicaSink (replica_epoch.h: the EpochReplayer, or a test's
// fake), in order. One worker thread between Start and Stop.
//
// Each round:
//  1. Get `checkpoint` from the tile store; open it with the log's note key
//     (its line must verify), require `origin`, and count the cosignatures
//     of `cosigner_vkeys` (core/note CountCosignatures: as a verifier
//     counts them); fewer than `required_cosignatures` is a forged
//     checkpoint.
//  2. Compare its size with sink->tree_size(): equal needs the sink's root
//     (else a fork); smaller is a rollback; larger: catch up.
//  3. Catch-up: fetch the entries [tree_size, size) from the entry bundles
//     (full `tile/entries/N`; for the last, the partial bundle of the
//     checkpoint's size, or the full one once the partial is gone), a few
//     at once, and check that sink->frontier() plus their leaf hashes has
//     the checkpoint's RFC 6962 root BEFORE any epoch reaches the sink.
//     With more than `max_entries_held` new entries the entries are not
//     kept: a first pass checks the root, keeping a digest of each bundle's
//     leaf hashes (32 bytes per 256 entries); a second pass fetches them
//     again epoch by epoch and refuses any bundle whose digest changed.
//     One epoch is always held whole (ReplicaEpoch carries it all).
//  4. Split the entries into epochs (update entries, then the epoch entry
//     of the sink's next epoch with their count; the checkpoint must end
//     with an epoch entry), fetch each epoch's sealed parts
//     (`private/epoch/<N>/<k>`, k < PrivatePartCount(updates)) from the
//     private store, open them (OpenPrivatePart) and call sink->Replay in
//     order, with the checkpoint note for the epoch ending at its size
//     (null for the others); on_served hears what Replay returns for it.
//
// Faults:
//  - Bad data (a checkpoint whose signature or cosignatures do not verify,
//    a rollback, a fork, entries whose root is not the checkpoint's, an
//    unparsable bundle or entry, a part that does not open, a bundle that
//    changed between passes, InvalidArgument / FailedPrecondition /
//    DataLoss from the sink or DataLoss from a store): the follower STOPS
//    at the last good epoch with one ERROR line naming the object and what
//    failed, and stays stopped (no retries) until the process restarts;
//    health is NOT_SERVING; the sink keeps serving what it has.
//  - Anything else (a store unreachable, Unavailable, NotFound of an object
//    a checkpoint needs: eventual consistency; a sink storage error):
//    the round is retried with exponential backoff (min_backoff ..
//    max_backoff), one WARNING per failure episode and one INFO when it
//    works again; the sink keeps serving what it has.
//  - One INFO line per checkpoint served (size, epochs, time taken).
//
// Health (on_health, healthy(), Metrics()): serving means some epoch with a
// checkpoint was served, by this run or (`serving`) before it; healthy
// means serving, not stopped by bad data, and the served epoch's timestamp
// (its epoch entry's) at most `max_staleness` old. Until the first
// checkpoint is served in this run a replica started without `serving` is
// not healthy (it does not know the age of what its sink holds).
//
// Thread safety: status(), healthy() and Metrics() may be called from any
// thread. Step() is for tests that drive rounds by hand (never while the
// thread runs). The sink is only called from the round's thread.
#ifndef KEYTRAIL_LOG_SERVER_REPLICA_FOLLOWER_H_
#define KEYTRAIL_LOG_SERVER_REPLICA_FOLLOWER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/merkle/compact_range.h"
#include "core/note/checkpoint.h"
#include "core/note/cosignature.h"
#include "core/note/note.h"
#include "core/replica/private_bundle.h"
#include "core/tiles/tile_store.h"
#include "log_server/published_state.h"
#include "log_server/replica_epoch.h"

namespace keytrail {

struct ReplicaFollowerOptions {
  // Where the primary publishes (not owned; must outlive the follower):
  // its public tiles and its private epoch bundles. Only Get is called.
  tiles::TileStore* tiles = nullptr;
  tiles::TileStore* private_store = nullptr;
  std::shared_ptr<const replica::ReplicaKey> replica_key;
  std::string origin;    // the log's origin (checkpoint and part sealing)
  std::string log_vkey;  // the log's note verifier key (C2SP vkey)
  // The monitors whose cosignatures a checkpoint must carry (cosignature
  // verifier keys), and how many distinct ones (0: none required).
  std::vector<std::string> cosigner_vkeys;
  size_t required_cosignatures = 0;
  // Where verified epochs go (not owned; must outlive the follower).
  ReplicaSink* sink = nullptr;
  absl::Duration poll_interval = absl::Seconds(1);
  absl::Duration min_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(30);
  // Health: NOT_SERVING once the served epoch is older than this.
  absl::Duration max_staleness = absl::Minutes(10);
  // New entries held in memory at once during a catch-up (~130 bytes each
  // with their strings); beyond it, the two-pass catch-up above.
  uint64_t max_entries_held = 1 << 16;
  // Objects fetched at once (bundles; an epoch's parts).
  int parallel_fetches = 4;
  // What the sink serves at start (from its storage), or null: the served
  // epoch, size and age reported until this run serves a newer one.
  std::shared_ptr<const PublishedState> serving;
  // Called on the round's thread with what Replay returns for an epoch it
  // served with a checkpoint (when not null).
  std::function<void(const std::shared_ptr<const PublishedState>& state)> on_served;
  // Called on the round's thread when health changes (see above).
  std::function<void(bool healthy)> on_health;
  // The time, for the served epoch's age (tests); default absl::Now.
  std::function<absl::Time()> clock;
};

struct ReplicaFollowerStatus {
  bool serving = false;              // some checkpoint is served
  uint64_t served_epoch = 0;         // the epoch of the served checkpoint
  uint64_t served_size = 0;          // its tree size
  uint64_t served_timestamp_ms = 0;  // its epoch entry's timestamp
  uint64_t store_size = 0;           // the store's newest verified checkpoint size
  uint64_t replayed_size = 0;        // the sink's tree size after the last round
  uint64_t rounds = 0;               // rounds run since start
  uint64_t errors = 0;               // rounds that failed since start
  uint64_t epochs_replayed = 0;      // epochs handed to the sink since start
  bool failing = false;              // the last round failed (retrying)
  bool stopped = false;              // stopped by bad data
  std::string last_error;            // of the last failed round
};

class ReplicaFollower {
 public:
  // InvalidArgument for a missing store, sink, replica key or origin, an
  // unparsable log or cosigner key, or more required cosignatures than
  // cosigner keys.
  static absl::StatusOr<std::unique_ptr<ReplicaFollower>> Create(ReplicaFollowerOptions options);
  ~ReplicaFollower();  // Stop()

  void Start();
  // Stops the worker: a round in progress stops between two objects or
  // epochs (what the sink stored stays stored). Idempotent.
  void Stop();

  // One round (see the top). OK: the sink holds the store's checkpoint.
  // After bad data: the error (InvalidArgument, FailedPrecondition or
  // DataLoss naming the object), and FailedPrecondition "stopped: ..." from
  // every later call. Otherwise the retryable error (the caller waits and
  // calls again). Cancelled when Stop was called.
  absl::Status Step();

  ReplicaFollowerStatus status() const;
  bool healthy() const;
  // Prometheus text (keytrail_replica_* metrics): served size and epoch,
  // the store's checkpoint size, the lag in entries, the served epoch's
  // age, rounds, errors, stopped, healthy.
  std::string Metrics() const;

 private:
  struct Verified {  // a checkpoint whose signatures verified
    std::string note;
    note::Checkpoint checkpoint;
  };

  ReplicaFollower(ReplicaFollowerOptions options, note::Ed25519NoteVerifier log_verifier,
                  std::vector<note::CosignatureVerifier> cosigners);
  void Work();
  absl::Status Round();
  absl::StatusOr<Verified> FetchCheckpoint();
  // Steps 3 and 4 of a round, from the sink's tree `range` to `v`.
  absl::Status CatchUp(const Verified& v, merkle::CompactRange range);
  // Fetches and opens `epoch`'s parts and hands it to the sink; `last`: it
  // ends at the checkpoint `v`.
  absl::Status Deliver(const Verified& v, ReplicaEpoch& epoch, uint64_t timestamp_ms, bool last);
  // What Step does with a round's outcome (counters, the log lines, health).
  void Account(const absl::Status& outcome);
  // Records an epoch handed to the sink; with `served` its checkpoint.
  void Replayed(uint64_t epoch, uint64_t end, uint64_t timestamp_ms, bool served);
  void UpdateHealth();
  bool HealthyLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool stopping() const;
  absl::Time Now() const;

  const ReplicaFollowerOptions options_;
  const note::Ed25519NoteVerifier log_verifier_;
  const std::vector<note::CosignatureVerifier> cosigners_;

  mutable absl::Mutex mu_;
  absl::CondVar changed_;
  ReplicaFollowerStatus status_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<bool> reported_health_;  // round thread only
  std::thread worker_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_REPLICA_FOLLOWER_H_
