// FakeReplicaSink: a ReplicaSink (log_server/replica_epoch.h) for tests of
// what feeds a replica (the ReplicaFollower) without the replica's storage.
// It keeps the log tree of what it was handed (a CompactRange over every
// entry's leaf hash) and each epoch with its note, and checks only what the
// interface promises the caller: epochs arrive in order, each starting at
// the tree size. Replay returns, for an epoch handed with a checkpoint note,
// a minimal PublishedState (log epoch, tree size and timestamp from the
// epoch entry, log root, the note; no snapshot, no map); null otherwise.
// Errors: FailedPrecondition for an epoch out of order or not starting at
// the tree size; the RejectEpoch / FailNextReplay errors. Nothing is kept
// from a failed Replay. Test-only. Thread-safe.
#ifndef KEYTRAIL_TESTING_FAKE_REPLICA_SINK_H_
#define KEYTRAIL_TESTING_FAKE_REPLICA_SINK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "core/merkle/compact_range.h"
#include "log_server/replica_epoch.h"

namespace keytrail::test {

class FakeReplicaSink : public ReplicaSink {
 public:
  struct Replayed {
    ReplicaEpoch epoch;
    std::optional<std::string> note;  // the checkpoint note it came with
  };

  uint64_t next_epoch() const override;
  uint64_t tree_size() const override;
  std::vector<Hash> frontier() const override;
  absl::StatusOr<std::shared_ptr<const PublishedState>> Replay(
      const ReplicaEpoch& epoch, const std::string* checkpoint_note) override;

  // Replay of epoch `epoch` answers InvalidArgument (a replayer that finds
  // it does not check).
  void RejectEpoch(uint64_t epoch);
  // The next `n` Replays answer `error` (e.g. Unavailable storage).
  void FailNextReplays(int n, absl::Status error);

  std::vector<Replayed> replayed() const;

 private:
  mutable absl::Mutex mu_;
  merkle::CompactRange range_ ABSL_GUARDED_BY(mu_);
  uint64_t next_epoch_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<Replayed> replayed_ ABSL_GUARDED_BY(mu_);
  std::optional<uint64_t> reject_ ABSL_GUARDED_BY(mu_);
  int fail_replays_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status replay_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_FAKE_REPLICA_SINK_H_
