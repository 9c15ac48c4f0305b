// EpochContext: what every lookup in one epoch shares, built once per epoch
// instead of once per request, and EpochContexts, which builds them off the
// commit path and hands them to readers.
//
// Until the next epoch every Lookup and History answer carries the same
// epoch inclusion proof, and every map proof starts with the same top
// levels. A context holds, for one committed state (one RocksDB snapshot):
//   - the epoch entry's inclusion proof, encoded once;
//   - the top `map_strata` strata of the map in memory (map::MapTop), so a
//     map proof reads only the strata below: at 10^6 accounts one leaf scan
//     instead of five tile reads and a scan, and no tile is decoded or
//     hashed per request;
//   - a bounded cache of encoded consistency proofs to this epoch's size
//     from the sizes clients last verified (most clients come from the same
//     few earlier checkpoints).
// Answers made with a context are byte for byte those made without one
// (log_queries.h; epoch_context_test.cc checks it).
//
// Memory (each bounded by a flag, docs/OPERATIONS.md): the map top, at most
// ~10 MiB with the default 4 strata (map::MapTop), plus at most
// `consistency_proofs` proofs of at most 64 hashes each (2 KiB): 128 KiB
// with the default 64. EpochContexts keeps at most kKept contexts.
//
// Thread safety: an EpochContext is immutable apart from its internally
// locked consistency-proof cache; share it by shared_ptr. EpochContexts is
// thread-safe. Ownership: both borrow the LogStorage, which must outlive
// them; a context holds its snapshot, so all must be gone before the
// storage is destroyed.
#ifndef KEYTRAIL_LOG_SERVER_EPOCH_CONTEXT_H_
#define KEYTRAIL_LOG_SERVER_EPOCH_CONTEXT_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/map/tiled_map.h"
#include "log_server/log_storage.h"
#include "log_server/published_state.h"
#include "rocksdb/iterator.h"

namespace keytrail {

struct EpochContextOptions {
  // Strata of the map held in memory (--lookup_map_strata; 0 holds only
  // the root, at most map::MapTop::kMaxStrata).
  int map_strata = 4;
  // Consistency proofs kept per epoch (--lookup_consistency_proofs; 0:
  // none).
  size_t consistency_proofs = 64;
  // Idle map-leaf iterators kept per epoch for reuse (--lookup_iterators;
  // 0: a new one per lookup).
  size_t leaf_iterators = 16;
};

class EpochContext {
 public:
  // Reads what the context holds from `state`'s snapshot. Errors: the
  // storage's (DataLoss for damaged records, Unavailable).
  static absl::StatusOr<std::shared_ptr<const EpochContext>> Build(
      const LogStorage& storage, const PublishedState& state, const EpochContextOptions& options);

  // Whether this context was built for `state` (the same snapshot: the
  // served copy of a state, with cosignatures added, shares it).
  bool IsFor(const PublishedState& state) const { return state.snapshot == snapshot_; }
  uint64_t epoch() const { return epoch_; }
  const map::MapTop* map_top() const { return map_top_.get(); }
  // merkle::EncodeHashList of the state's epoch_inclusion_proof.
  const std::string& encoded_inclusion_proof() const { return inclusion_proof_; }
  // The encoded consistency proof from `first_size` (0 < first_size <
  // tree size) to this epoch's tree size: from the cache, or built and
  // cached while it has room. Errors as merkle::BuildConsistencyProof.
  absl::StatusOr<std::string> ConsistencyProof(uint64_t first_size) const;
  // Consistency proofs cached now (at most options.consistency_proofs).
  size_t cached_consistency_proofs() const;
  // A map-leaf iterator as of this epoch's snapshot, from the idle ones
  // (null when there is none: the reader makes one), for
  // RocksMapReader::AdoptIterator; given back after the lookup, it is kept
  // while fewer than options.leaf_iterators are idle. An iterator pins the
  // memtables and files it reads until it is destroyed, at the latest with
  // its context (kKept epochs later).
  std::unique_ptr<rocksdb::Iterator> TakeLeafIterator() const;
  void ReturnLeafIterator(std::unique_ptr<rocksdb::Iterator> it) const;
  size_t idle_leaf_iterators() const;
  // Memory held, approximately (the map top and the cached proofs).
  size_t bytes() const;

 private:
  EpochContext(const LogStorage& storage, Snapshot snapshot, uint64_t epoch, uint64_t tree_size,
               size_t max_proofs, size_t max_iterators)
      : storage_(storage),
        snapshot_(std::move(snapshot)),
        epoch_(epoch),
        tree_size_(tree_size),
        max_proofs_(max_proofs),
        max_iterators_(max_iterators) {}

  const LogStorage& storage_;
  const Snapshot snapshot_;
  const uint64_t epoch_;
  const uint64_t tree_size_;
  const size_t max_proofs_;
  const size_t max_iterators_;
  std::shared_ptr<const map::MapTop> map_top_;
  std::string inclusion_proof_;
  mutable absl::Mutex mu_;
  // No eviction: the cache lives for one epoch, and first come first kept
  // is as good as any order when most clients ask from the same sizes.
  mutable absl::flat_hash_map<uint64_t, std::string> proofs_ ABSL_GUARDED_BY(mu_);
  mutable size_t proof_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  mutable std::vector<std::unique_ptr<rocksdb::Iterator>> iterators_ ABSL_GUARDED_BY(mu_);
};

// Builds the context of each published state on a thread of its own (so
// the sequencer, which publishes, never waits for it) and gives readers the
// context of the state they answer from. Between a state's publication and
// its context's completion (a few milliseconds) For() returns null and
// readers answer without one, as before.
class EpochContexts {
 public:
  // Contexts kept: the newest epochs' (the served state may lag the
  // newest by an epoch or two while cosignatures are collected).
  static constexpr size_t kKept = 3;

  EpochContexts(const LogStorage& storage, EpochContextOptions options);
  ~EpochContexts();  // stops the thread; a build in progress finishes first
  EpochContexts(const EpochContexts&) = delete;
  EpochContexts& operator=(const EpochContexts&) = delete;

  // The hook (StateHolder::OnSet): queues `state` for a context, unless
  // one is built or queued for its snapshot. Returns at once.
  void Publish(const std::shared_ptr<const PublishedState>& state);
  // The context of `state`, or null when there is none (not built yet,
  // evicted, or its build failed: an error is logged and readers go on
  // without it).
  std::shared_ptr<const EpochContext> For(const PublishedState& state) const;
  // Waits until nothing is queued or being built (tests, benchmarks).
  void WaitIdle() const;
  // Contexts held now (at most kKept) and the memory they hold.
  size_t size() const;
  size_t bytes() const;
  const EpochContextOptions& options() const { return options_; }

 private:
  void Run();

  const LogStorage& storage_;
  const EpochContextOptions options_;
  mutable absl::Mutex mu_;
  std::deque<std::shared_ptr<const PublishedState>> queue_ ABSL_GUARDED_BY(mu_);
  bool building_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  // Newest last.
  std::vector<std::shared_ptr<const EpochContext>> kept_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_EPOCH_CONTEXT_H_
