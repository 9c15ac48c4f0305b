// TilePublisher: writes the log as C2SP tlog-tiles to a TileStore
// (core/tiles/tile_store.h) after each epoch commit, off the commit path.
//
// For every committed epoch, in order: the entry bundles and hash tiles the
// tree gained (core/tiles/tile_path.h NewObjects: full ones create-only and
// immutable, the partial ones of the epoch's tree size mutable; each bundle
// entry exactly PROTOCOL.md's entry bytes), read from the epoch's RocksDB
// snapshot; then, last, the `checkpoint`:
//  - required_cosignatures == 0: the log-signed checkpoint of the newest
//    epoch whose tiles are all written;
//  - required_cosignatures > 0: the cosigned checkpoint the collector
//    reports through Cosigned(), once the tiles of its size are written.
//    The collector hears of an epoch (on_tiles_written, below) only after
//    its tiles are written, so a monitor asked to cosign size N can audit
//    up to N from the tiles.
// A partial tile or bundle whose full one the newest tree already has is
// not written (tlog-tiles lets a log drop such partial tiles).
//
// Crash safety: a checkpoint is written only after every tile and bundle of
// its tree size returned OK (durable), so the store never holds a checkpoint
// that points at missing tiles. After each checkpoint the publisher commits
// `meta/tiles_published` (epoch, tree size) to RocksDB; a restart resumes
// from there and rewrites what may have been cut off (immutable objects
// with identical bytes are success, so this is idempotent). If the store
// has no `checkpoint` at all (a new, empty store) it starts from size 0.
//
// Private bundles (docs/REPLICAS.md): with a private store and a replica
// key, every epoch's sealed private bundle parts (private_bundles.h) are
// written create-only to the private store before that epoch's tiles, so
// before any checkpoint that covers it. Sealing is deterministic, so the
// rewrite after a restart writes the same bytes (idempotent). Their Puts
// are retried like the tiles' and count in the same status and metrics.
//
// Outages: every failed Put is retried with exponential backoff
// (min_backoff .. max_backoff) for as long as it fails; retryable codes
// (tile_store.h IsRetryable) are logged once per change of error, the
// others (FailedPrecondition: the store holds a different tile; DataLoss)
// are logged as errors every time and retried at max_backoff, so an
// operator can repair the store without restarting the log. Commits and
// acknowledgements never wait for the store: Publish() only records the
// newest state. Meanwhile status() reports failing, the error, and how far
// behind publication is; `on_health` hears of each change.
//
// Thread-safe; one worker thread between Start and Stop.
#ifndef KEYTRAIL_LOG_SERVER_TILE_PUBLISHER_H_
#define KEYTRAIL_LOG_SERVER_TILE_PUBLISHER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/replica/private_bundle.h"
#include "core/tiles/tile_store.h"
#include "log_server/log_storage.h"
#include "log_server/published_state.h"

namespace keytrail {

struct TilePublisherOptions {
  size_t required_cosignatures = 0;
  absl::Duration min_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(30);
  // Called on the publisher's thread when the tiles of `state`'s epoch are
  // all written (the log server hands them to the cosignature collector).
  std::function<void(const std::shared_ptr<const PublishedState>& state)> on_tiles_written;
  // Called on the publisher's thread when publication starts or stops
  // failing.
  std::function<void(bool ok)> on_health;
  // Where the sealed private bundles go (not owned; must outlive the
  // publisher), under `replica_key` for the log `origin`. Null: none are
  // written. Never the public tile store: it is served to anyone.
  tiles::TileStore* private_store = nullptr;
  std::shared_ptr<const replica::ReplicaKey> replica_key;
  std::string origin;
};

struct TilePublisherStatus {
  uint64_t newest_epoch = 0;      // newest committed epoch it heard of
  bool has_tiles = false;         // tiles of some epoch written since start
  uint64_t tiles_epoch = 0;       // newest epoch whose tiles are written
  uint64_t tiles_size = 0;        // its tree size
  bool has_checkpoint = false;    // a checkpoint is published (ever)
  uint64_t checkpoint_epoch = 0;  // the epoch of the published checkpoint
  uint64_t checkpoint_size = 0;
  bool failing = false;                // the last Put failed
  std::string last_error;              // of the last failed Put
  uint64_t objects_written = 0;        // Puts that succeeded since start
  uint64_t failed_puts = 0;            // Puts that failed since start
  uint64_t private_parts_written = 0;  // private bundle parts Put since start
};

class TilePublisher {
 public:
  // `storage` and `store` are borrowed and must outlive the publisher.
  TilePublisher(LogStorage* storage, tiles::TileStore* store, TilePublisherOptions options);
  ~TilePublisher();  // Stop(absl::ZeroDuration())

  // Reads where publication stopped (meta/tiles_published; the store's
  // checkpoint). Errors from RocksDB as LogReader gives them (DataLoss for
  // a damaged record). Call once, before Start.
  absl::Status Restore();
  void Start();
  // Lets the worker publish up to the newest state for at most `drain`,
  // then stops it (an in-flight Put finishes first). What is left is
  // published after the next start.
  void Stop(absl::Duration drain);

  // A new epoch is committed (StateHolder::OnSet of the log's published
  // state). Cheap; never blocks on the store. A state whose tiles are
  // already durable (the one a restarted log resumes with) gets
  // on_tiles_written at once, on the caller's thread.
  void Publish(std::shared_ptr<const PublishedState> state);
  // The cosigned checkpoint note of `epoch` qualifies (has the required
  // cosignatures); only used with required_cosignatures > 0.
  void Cosigned(uint64_t epoch, std::string note);

  TilePublisherStatus status() const;
  // Prometheus text of status() (keytrail_log_tiles_* metrics).
  std::string Metrics() const;

 private:
  void Work();
  // Writes the tiles of every epoch after tiles_epoch_ up to `state`'s.
  absl::Status WriteTiles(const std::shared_ptr<const PublishedState>& state);
  // Puts one object, retrying until OK or stopping (false).
  bool PutWithRetry(absl::string_view path, absl::string_view bytes, tiles::ObjectKind kind,
                    tiles::TileStore* store);
  // Seals and writes the private bundle parts of `epoch` (private_store).
  absl::Status WritePrivateParts(const LogReader& reader, uint64_t epoch);
  bool CheckpointDueLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status PublishCheckpoint();
  absl::Status WriteCheckpoint(uint64_t epoch, uint64_t size, const std::string& note);
  bool stopping() const;

  LogStorage* const storage_;
  tiles::TileStore* const store_;
  const TilePublisherOptions options_;

  mutable absl::Mutex mu_;
  absl::CondVar changed_;
  std::shared_ptr<const PublishedState> newest_ ABSL_GUARDED_BY(mu_);
  std::optional<std::pair<uint64_t, std::string>> cosigned_ ABSL_GUARDED_BY(mu_);
  TilePublisherStatus status_ ABSL_GUARDED_BY(mu_);
  uint64_t tiles_size_ ABSL_GUARDED_BY(mu_) = 0;  // tree size of tiles_epoch
  std::shared_ptr<const PublishedState> tiles_state_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time drain_until_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  std::thread worker_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_TILE_PUBLISHER_H_
