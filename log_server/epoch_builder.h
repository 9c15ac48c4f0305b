// EpochBuilder: turns a batch of validated updates into the next epoch —
// update entries, map changes, the epoch entry, a signed checkpoint — and
// commits all of it in one synced RocksDB write batch.
#ifndef KEYTRAIL_LOG_SERVER_EPOCH_BUILDER_H_
#define KEYTRAIL_LOG_SERVER_EPOCH_BUILDER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "core/map/hasher.h"
#include "core/map/tiled_map.h"
#include "core/merkle/compact_range.h"
#include "core/note/note.h"
#include "core/storage/log_tiles.h"
#include "log_server/entry_bundles.h"
#include "log_server/log_storage.h"
#include "log_server/prepared_update.h"
#include "log_server/published_state.h"
#include "log_server/records.h"

namespace keytrail {

struct UpdateOutcome {
  uint64_t version = 0;
  uint64_t epoch = 0;
  uint64_t log_index = 0;
  uint64_t tree_size = 0;  // size of the checkpoint that commits the epoch
};

struct EpochResult {
  // One per update, in order: the outcome, or ABORTED for a failed
  // expected_version.
  std::vector<absl::StatusOr<UpdateOutcome>> outcomes;
  std::shared_ptr<const PublishedState> published;
  // Where the time went, for the sequencer's log line.
  absl::Duration sequence_time;  // versions, entries, commitments
  absl::Duration map_time;       // applying the epoch to the map
  absl::Duration commit_time;    // the synced write and publication
};

// An epoch on its way to storage: built by SequenceUpdates() and
// SealEpoch(), written by CommitEpoch(). Owned by the caller; must not
// outlive the storage.
struct PendingEpoch {
  explicit PendingEpoch(const LogStorage& storage) : batch(storage) {}
  uint64_t epoch = 0;
  EpochBatch batch;    // everything the epoch writes
  EpochResult result;  // outcomes (tree_size filled when sealed) and timings
  // The epoch's final map leaves, sorted by index, new ones marked.
  std::vector<map::LeafChange> changes;
  uint64_t update_count = 0;
  uint64_t timestamp_ms = 0;
  bool sealed = false;

  // Replay mode only (EpochBuilder::OpenForReplay).
  // Filled by SequenceReplayed: the rebuilt update entries, encoded, in log
  // order, for the caller to compare with the published ones.
  std::vector<std::string> update_entries;
  // Set by the caller before SealEpoch: the checkpoint note stored in the
  // epoch record (empty for an epoch no checkpoint ends at).
  std::string checkpoint;
  // Filled by SealEpoch (both modes): the rebuilt roots.
  Hash map_root{};
  Hash log_root{};
};

// Builds epochs. The work is split in stages so that one epoch's synced
// write (on any thread) can overlap the next epoch's sequencing:
//
//   SequenceUpdates(N)  versions, commitments, update entries;
//                       needs SealEpoch(N-1) done
//   SealEpoch(N)        map, epoch entry, signed checkpoint;
//                       needs CommitEpoch(N-1) returned OK
//   CommitEpoch(N)      the synced write; touches only the database
//   RecordCommitted(N)  makes N the builder's published state
//
// BuildEpoch() runs all four in order. If any stage fails, the caller must
// Reload() (after any commit in flight has returned) before going on; the
// failed epoch and any epoch sequenced after it are dropped, nothing of them
// visible.
//
// After CommitEpoch returns OK the epoch is durable: it survives kill -9.
// Not thread-safe, except that CommitEpoch may run on another thread while
// the owning thread runs SequenceUpdates for the next epoch. The builder is
// the only writer of the log's storage.
class EpochBuilder {
 public:
  // Milliseconds since the Unix epoch; injectable for tests.
  using Clock = std::function<uint64_t()>;

  // Opens the log in `storage`. A new database gets `config` and the genesis
  // epoch 0 (no updates, empty map). An existing one must have been created
  // for the same origin, note key and VRF key: FailedPrecondition naming the
  // difference otherwise. DataLoss if its records are damaged.
  static absl::StatusOr<std::unique_ptr<EpochBuilder>> Open(LogStorage* storage,
                                                            const LogConfig& config,
                                                            note::Ed25519NoteSigner signer,
                                                            Clock clock);

  // Opens `storage` for a read replica (log_server/epoch_replayer.h), which
  // rebuilds the primary's epochs from their published entries and private
  // parts through the same stages: SequenceReplayed instead of
  // SequenceUpdates (no clock, no random openings), and SealEpoch stores
  // PendingEpoch::checkpoint instead of signing. A new database gets nothing
  // yet: the genesis epoch is replayed like any other, and `config` and the
  // replica marker (LogReader::IsReplica) are written with it. An existing
  // one must be a replica's (FailedPrecondition for a primary's directory)
  // of the same log (FailedPrecondition naming the difference). DataLoss
  // for damaged records.
  static absl::StatusOr<std::unique_ptr<EpochBuilder>> OpenForReplay(LogStorage* storage,
                                                                     const LogConfig& config);

  // Builds and commits the next epoch (an empty batch makes an epoch with no
  // updates). Errors: storage errors as LogStorage reports them; nothing is
  // committed then, and the builder has reloaded.
  absl::StatusOr<EpochResult> BuildEpoch(absl::Span<const PreparedUpdate> updates);

  // Stage 1: gives each update its version (or ABORTED for a failed
  // expected_version), commitment and chain head, appends its update entry
  // to the in-memory tree, and puts its version record (and a new account's
  // record) into the epoch's batch. Reads the map as last committed, plus
  // the leaves of the last sealed epoch. REQUIRES: the previous epoch is
  // sealed. Errors: storage errors reading a leaf; nothing is written then.
  // FailedPrecondition in replay mode.
  absl::StatusOr<std::unique_ptr<PendingEpoch>> SequenceUpdates(
      absl::Span<const PreparedUpdate> updates);
  // Stage 1 in replay mode: as SequenceUpdates, with each update's opening
  // and (for a first version) VRF proof as published, the epoch's timestamp
  // `timestamp_ms` (the published epoch entry's), and the rebuilt entries
  // kept in PendingEpoch::update_entries. FailedPrecondition outside replay
  // mode.
  absl::StatusOr<std::unique_ptr<PendingEpoch>> SequenceReplayed(
      absl::Span<const PreparedUpdate> updates, uint64_t timestamp_ms);
  // Stage 2: applies the epoch's leaf changes to the map, appends the epoch
  // entry, signs the checkpoint (replay mode: takes PendingEpoch::
  // checkpoint) and completes the batch (tiles, entry
  // bundles, epoch and state records). From here on the next epoch builds
  // on this one. REQUIRES: `epoch` is the last one sequenced, and the epoch
  // before it is committed (the map is read from storage). Errors: storage
  // errors (DataLoss for a damaged map) from the map update.
  absl::Status SealEpoch(PendingEpoch& epoch);
  // Stage 3: writes the sealed epoch's batch, synced, and loads the state
  // it publishes. Touches only the database, so it may run on another
  // thread while SequenceUpdates runs for the next epoch. Errors:
  // Internal for an epoch not sealed; the storage's write error; DataLoss
  // if the committed records do not load back.
  absl::StatusOr<std::shared_ptr<const PublishedState>> CommitEpoch(PendingEpoch& epoch) const;
  // Stage 4, on the builder's thread after CommitEpoch returned OK: makes
  // `published` what published() returns, and stores it in the epoch's
  // result.
  void RecordCommitted(PendingEpoch& epoch, std::shared_ptr<const PublishedState> published);
  // Drops everything not committed and reloads from storage: the in-memory
  // tree, the tiles' and bundles' right edge, the published state. Errors:
  // storage errors, DataLoss for damaged records.
  absl::Status Reload();
  // After a failed commit: makes the storage take writes again
  // (LogStorage::Resume), then Reload()s. REQUIRES: no commit in flight.
  // Errors: LogStorage::Resume's (Unavailable while the disk is still
  // full), then Reload's.
  absl::Status ResumeStorage();

  // The state published by the last commit (or found at Open); null before
  // a replica's genesis. In replay mode its checkpoint is empty after an
  // epoch no checkpoint ends at.
  std::shared_ptr<const PublishedState> published() const { return published_; }
  // Where the last sealed epoch left the log (nullopt before genesis).
  const std::optional<LogState>& state() const { return state_; }

 private:
  EpochBuilder(LogStorage* storage, LogConfig config, std::optional<note::Ed25519NoteSigner> signer,
               Clock clock)
      : storage_(storage),
        config_(std::move(config)),
        signer_(std::move(signer)),
        clock_(std::move(clock)) {}
  absl::StatusOr<std::unique_ptr<PendingEpoch>> Sequence(absl::Span<const PreparedUpdate> updates,
                                                         uint64_t timestamp_ms);
  std::string SignCheckpoint(uint64_t size, const Hash& root) const;
  bool HintIsCurrent(const PreparedUpdate& u) const;
  // The leaf of `index` as of the last sealed epoch.
  absl::StatusOr<std::optional<map::MapLeaf>> CurrentLeaf(const PreparedUpdate& u,
                                                          map::MapReader& reader) const;

  LogStorage* storage_;
  const LogConfig config_;  // written with the genesis epoch
  // Unset in replay mode (no clock either).
  const std::optional<note::Ed25519NoteSigner> signer_;
  const Clock clock_;

  // All as of the last *sealed* epoch (which may not be committed yet).
  std::optional<LogState> state_;  // nullopt before genesis
  std::optional<merkle::CompactRange> range_;
  std::optional<LogTileWriter> tiles_;
  std::optional<EntryBundleWriter> entries_;
  // The last sealed epoch's leaves: storage may not hold them yet.
  absl::flat_hash_map<Hash, map::MapLeaf> sealed_leaves_;

  std::shared_ptr<const PublishedState> published_;

  // The indexes each of the last few sealed epochs touched, oldest first:
  // what decides whether a PreparedUpdate's leaf hint is still current.
  static constexpr size_t kHintEpochs = 8;
  std::deque<std::pair<uint64_t, absl::flat_hash_set<Hash>>> recent_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_EPOCH_BUILDER_H_
