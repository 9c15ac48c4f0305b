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

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "core/map/hasher.h"
#include "core/map/tiled_map.h"
#include "core/merkle/compact_range.h"
#include "core/note/note.h"
#include "log_server/entry_bundles.h"
#include "log_server/log_storage.h"
#include "core/storage/log_tiles.h"
#include "log_server/published_state.h"
#include "log_server/records.h"
#include "rocksdb/write_batch.h"

namespace keytrail {

// An update that passed validation (limits, canonical key set, device
// signatures) and whose VRF index is known.
struct PreparedUpdate {
  std::string account;
  AccountRecord account_record;  // VRF index and proof of `account`
  std::string key_set;           // canonical key_set encoding
  std::optional<uint64_t> expected_version;
  std::string opening;           // the commitment opening (random, 32 bytes)

  // Read ahead, off the sequencer thread: the account's map leaf as of the
  // committed epoch `leaf_epoch` (nullopt leaf: none then). The builder uses
  // it only if it can tell no later epoch touched the index; otherwise it
  // reads storage. Unset leaf_epoch: no hint.
  std::optional<map::MapLeaf> leaf;
  std::optional<uint64_t> leaf_epoch;
};

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

// An epoch on its way to storage: built by Sequence() and Finish(), written
// by Write(). Owned by the caller.
struct PendingEpoch {
  uint64_t epoch = 0;
  rocksdb::WriteBatch batch;
  EpochResult result;  // outcomes (tree_size filled at commit) and timings
  // The epoch's final map leaves, sorted by index, new ones marked.
  std::vector<map::LeafChange> changes;
  uint64_t update_count = 0;
  uint64_t timestamp_ms = 0;
  bool finished = false;
};

// Builds epochs. The work is split so that one epoch's commit (the synced
// write, on any thread) can overlap the next epoch's sequencing:
//
//   Sequence(N)    versions, commitments, entries; needs Finish(N-1) done
//   Finish(N)      map, epoch entry, checkpoint; needs Write(N-1) done
//   Write(N)       the synced write; touches only the database
//   MarkWritten(N) records the publication (on the builder's thread)
//
// BuildEpoch() runs all four in order. If any step fails, the caller must
// Reload() (after any commit in flight has returned) before going on; the
// failed epoch and any epoch sequenced after it are dropped, nothing of them
// visible.
//
// After Write returns OK the epoch is durable: it survives kill -9. Not
// thread-safe, except that Write may run on another thread while the owning
// thread runs Sequence for the next epoch. The builder is the only writer of
// the log's database.
class EpochBuilder {
 public:
  // Milliseconds since the Unix epoch; injectable for tests.
  using Clock = std::function<uint64_t()>;

  // Opens the log in `storage`. A new database gets `config` and the genesis
  // epoch 0 (no updates, empty map). An existing one must have been created
  // for the same origin, note key and VRF key: FailedPrecondition naming the
  // difference otherwise. DataLoss if its records are damaged.
  static absl::StatusOr<std::unique_ptr<EpochBuilder>> Open(
      LogStorage* storage, const LogConfig& config, note::Ed25519NoteSigner signer,
      Clock clock);

  // Builds and commits the next epoch (an empty batch makes an epoch with no
  // updates). Errors: storage errors as LogStorage reports them; nothing is
  // committed then, and the builder has reloaded.
  absl::StatusOr<EpochResult> BuildEpoch(absl::Span<const PreparedUpdate> updates);

  absl::StatusOr<std::unique_ptr<PendingEpoch>> Sequence(
      absl::Span<const PreparedUpdate> updates);
  absl::Status Finish(PendingEpoch& epoch);
  // Thread-safe with respect to Sequence(); touches only the database.
  absl::StatusOr<std::shared_ptr<const PublishedState>> Write(PendingEpoch& epoch) const;
  void MarkWritten(PendingEpoch& epoch, std::shared_ptr<const PublishedState> published);
  // Drops everything not committed and reloads from storage.
  absl::Status Reload();

  // The state published by the last commit (or found at Open).
  std::shared_ptr<const PublishedState> published() const { return published_; }

 private:
  EpochBuilder(LogStorage* storage, note::Ed25519NoteSigner signer, Clock clock)
      : storage_(storage), signer_(std::move(signer)), clock_(std::move(clock)) {}
  std::string SignCheckpoint(uint64_t size, const Hash& root) const;
  bool HintIsCurrent(const PreparedUpdate& u) const;
  // The leaf of `index` as of the last finished epoch.
  absl::StatusOr<std::optional<map::MapLeaf>> CurrentLeaf(const PreparedUpdate& u,
                                                          map::MapReader& reader) const;

  LogStorage* storage_;
  const note::Ed25519NoteSigner signer_;
  const Clock clock_;

  // All as of the last *finished* epoch (which may not be committed yet).
  std::optional<LogState> state_;  // nullopt before genesis
  std::optional<merkle::CompactRange> range_;
  std::optional<LogTileWriter> tiles_;
  std::optional<EntryBundleWriter> entries_;
  // The last finished epoch's leaves: storage may not hold them yet.
  absl::flat_hash_map<Hash, map::MapLeaf> finished_leaves_;

  std::shared_ptr<const PublishedState> published_;
  std::string pending_config_;  // written with the genesis epoch

  // The indexes each of the last few finished epochs touched, oldest first:
  // what decides whether a PreparedUpdate's leaf hint is still current.
  static constexpr size_t kHintEpochs = 8;
  std::deque<std::pair<uint64_t, absl::flat_hash_set<Hash>>> recent_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_EPOCH_BUILDER_H_
