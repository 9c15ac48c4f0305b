// EpochReplayer: a read replica's storage side (docs/REPLICAS.md). It checks
// each epoch the primary published (entries verified by the follower,
// private parts opened) against what the replica holds, rebuilds it through
// the primary's own EpochBuilder (replay mode), and commits it into the
// replica's LogStorage in the primary's layout, so that LogQueries and
// EpochContexts answer from the replica byte-for-byte as from the primary.
#ifndef KEYTRAIL_LOG_SERVER_EPOCH_REPLAYER_H_
#define KEYTRAIL_LOG_SERVER_EPOCH_REPLAYER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/crypto/ecvrf.h"
#include "core/crypto/sha256.h"
#include "log_server/epoch_builder.h"
#include "log_server/log_storage.h"
#include "log_server/published_state.h"
#include "log_server/records.h"
#include "log_server/replica_epoch.h"

namespace keytrail {

// Thread safety: as ReplicaSink says: Replay from one thread at a time; the
// accessors (and served()) from any thread. Ownership: borrows `storage`,
// which must outlive the replayer; the replayer is its only writer.
class EpochReplayer : public ReplicaSink {
 public:
  // Opens the replica's `storage` for the log `config` names (origin, note
  // verifier key, VRF public key: what the primary's data directory was
  // created for). Empty storage: nothing replayed yet (next_epoch() and
  // tree_size() 0); the genesis epoch comes through Replay like any other.
  // Errors: InvalidArgument for a VRF public key that does not decode;
  // FailedPrecondition for a directory a primary wrote, or a replica of
  // another log (naming the difference); DataLoss for damaged records;
  // storage errors as LogStorage reports them.
  static absl::StatusOr<std::unique_ptr<EpochReplayer>> Open(LogStorage* storage,
                                                             const LogConfig& config);

  uint64_t next_epoch() const override;
  uint64_t tree_size() const override;
  std::vector<Hash> frontier() const override;

  // ReplicaSink::Replay. Checks, each an InvalidArgument naming the epoch
  // (and log index) and what differs: first_log_index == tree_size(); the
  // epoch entry decodes, names this epoch, counts the update entries, and
  // its timestamp is not before the previous epoch's; CheckPrivateBundle
  // (known indexes from the replica's `accounts`); every rebuilt update
  // entry equals the published one byte for byte; the rebuilt map root
  // equals the epoch entry's; a checkpoint note parses, names this log's
  // origin, and its size and root are the rebuilt tree's. FailedPrecondition
  // for an epoch other than next_epoch(). After a failed commit the storage
  // is resumed (LogStorage::Resume) for the next try. Nothing is stored on
  // any error.
  absl::StatusOr<std::shared_ptr<const PublishedState>> Replay(
      const ReplicaEpoch& epoch, const std::string* checkpoint_note) override;

  // What to serve: the last replayed epoch that a checkpoint ends at; null
  // before any, and after an Open whose last committed epoch has no
  // checkpoint (until the next checkpoint's epoch is replayed).
  std::shared_ptr<const PublishedState> served() const;

 private:
  EpochReplayer(LogStorage* storage, std::string origin, VrfPublicKey vrf_key,
                std::unique_ptr<EpochBuilder> builder)
      : storage_(storage),
        origin_(std::move(origin)),
        vrf_key_(std::move(vrf_key)),
        builder_(std::move(builder)) {}
  // Replay without the recovery: the builder may hold a partial epoch on
  // error.
  absl::StatusOr<std::shared_ptr<const PublishedState>> ReplayOnce(
      const ReplicaEpoch& epoch, const std::string* checkpoint_note);
  // Copies the builder's committed state into the guarded fields.
  void Publish(std::shared_ptr<const PublishedState> committed);

  LogStorage* const storage_;
  const std::string origin_;
  const VrfPublicKey vrf_key_;
  const std::unique_ptr<EpochBuilder> builder_;  // used by Replay's thread only

  mutable absl::Mutex mu_;
  uint64_t next_epoch_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t tree_size_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t timestamp_ms_ ABSL_GUARDED_BY(mu_) = 0;  // of the last epoch
  std::vector<Hash> frontier_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const PublishedState> served_ ABSL_GUARDED_BY(mu_);
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_EPOCH_REPLAYER_H_
