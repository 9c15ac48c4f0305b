// What a read replica (docs/REPLICAS.md) passes from the part that follows
// the primary's stores (ReplicaFollower: checkpoint, tiles, private parts)
// to the part that checks and stores each epoch (EpochReplayer), and the
// interface between the two, so each can be tested without the other.
#ifndef KEYTRAIL_LOG_SERVER_REPLICA_EPOCH_H_
#define KEYTRAIL_LOG_SERVER_REPLICA_EPOCH_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/crypto/sha256.h"
#include "core/replica/private_bundle.h"
#include "log_server/published_state.h"

namespace keytrail {

// One epoch as the primary published it. The follower has checked the
// entries' log tree against a log-signed checkpoint (so they are the log's
// entries) and opened the parts (so they come from a holder of the replica
// key); everything else is for the replayer to check.
struct ReplicaEpoch {
  uint64_t epoch = 0;
  // Log index of the epoch's first entry (its first update entry, or its
  // epoch entry when it has none): the tree size before the epoch.
  uint64_t first_log_index = 0;
  std::vector<std::string> update_entries;  // encoded, in log order
  std::string epoch_entry;                  // encoded; the epoch's last entry
  std::vector<replica::PrivatePart> parts;  // opened parts 0.. (none if no updates)
};

// Where the follower hands verified epochs, in order. Implemented by
// EpochReplayer (the replica's storage) and by tests' fakes.
//
// Thread safety: called from the follower's one thread only (the accessors
// may also be called from other threads).
class ReplicaSink {
 public:
  virtual ~ReplicaSink() = default;

  // The epoch the sink expects next (0 for an empty replica).
  virtual uint64_t next_epoch() const = 0;
  // The log tree the sink holds: its size (the next epoch's
  // first_log_index) and its compact range (merkle::CompactRange hashes for
  // that size), from which the follower checks new entries against a
  // checkpoint's root.
  virtual uint64_t tree_size() const = 0;
  virtual std::vector<Hash> frontier() const = 0;

  // Checks `epoch` against what the sink holds and stores it durably
  // (synced). `checkpoint_note` is null for an epoch a checkpoint covers
  // but does not end at; otherwise the log-signed (and cosigned) note whose
  // size is the epoch's end, verified by the follower, which the sink then
  // serves. Returns the state to serve (the epoch with its checkpoint), or
  // null for an epoch without one.
  // Errors: InvalidArgument when the published epoch does not check (a
  // damaged or forged object: the follower stops and logs one ERROR);
  // FailedPrecondition when `epoch` is not the next one; storage errors as
  // LogStorage reports them (Unavailable: retried). Nothing is stored on
  // error.
  virtual absl::StatusOr<std::shared_ptr<const PublishedState>> Replay(
      const ReplicaEpoch& epoch, const std::string* checkpoint_note) = 0;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_REPLICA_EPOCH_H_
