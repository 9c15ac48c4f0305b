// Auditor: replays one log's entries into the monitor's own map and tree,
// checks every rule, and persists what it verified.
//
// The follower feeds it entries in log order (Feed), starting at the
// verified size. An epoch's update entries are held until its epoch entry
// arrives; then the epoch is checked and applied in one go
// (TiledMap::ApplyUpdates on the whole epoch: each touched index's version
// and head come from the leaves it loads to rehash the map, so each leaf is
// read once). Checked epochs accumulate in memory ("replayed") until the
// follower has proven that the replayed tree is a prefix of a log-signed
// checkpoint and calls Commit, which writes tiles, map, and state in ONE
// synced batch. Nothing is synced per entry.
//
// Rules (core/evidence/evidence.h names them): every entry decodes; epoch
// numbers are consecutive from 0; timestamps never go back and are at most
// kFutureToleranceMs ahead of the clock; each update's version is its
// index's current version + 1 and its epoch the one being built; the epoch
// entry's update_count is the number of updates it closes and its map root
// the one replayed. The first broken rule yields a Violation, which carries
// everything the evidence needs but the inclusion proofs (the follower gets
// those from the log against the checkpoint and checks them).
//
// The monitor never sees an account or a key: heads come from the update
// entries alone (core/protocol/chain.h).
//
// Not thread-safe: one follower thread owns it. The MonitorStore is
// borrowed and must outlive it.
#ifndef KEYTRAIL_MONITOR_AUDITOR_H_
#define KEYTRAIL_MONITOR_AUDITOR_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/evidence/evidence.h"
#include "core/map/hasher.h"
#include "core/merkle/compact_range.h"
#include "core/protocol/entry.h"
#include "core/storage/log_tiles.h"
#include "monitor/monitor_store.h"

namespace keytrail::monitor {

// A broken rule: the entries (leaf index and bytes, increasing) and map
// witnesses the evidence needs, and one line saying what is wrong.
struct Violation {
  evidence::Rule rule;
  std::string message;
  std::vector<uint64_t> indexes;
  std::vector<std::string> entries;
  std::vector<evidence::MapWitness> witnesses;
  uint64_t observed_ms = 0;
};

// The evidence of `v` against the log-signed `checkpoint` (whose tree holds
// every entry of v), with inclusion proofs from `inclusion_proof(index)`.
// Errors from inclusion_proof pass through.
absl::StatusOr<evidence::Evidence> BuildRuleEvidence(
    const Violation& v, const std::string& log_key, const std::string& checkpoint,
    const std::function<absl::StatusOr<std::vector<Hash>>(uint64_t index)>& inclusion_proof);

class Auditor {
 public:
  using ClockMs = std::function<uint64_t()>;  // milliseconds since the Unix epoch

  // Loads the verified state from `store`. DataLoss for damaged records.
  static absl::StatusOr<std::unique_ptr<Auditor>> Open(MonitorStore* store, ClockMs clock);

  const AuditState& verified() const { return verified_; }
  // Entries checked so far: verified plus replayed epochs not yet committed.
  uint64_t replayed_size() const { return range_.size(); }
  // The next entry Feed expects (past replayed_size() while an epoch is open).
  uint64_t fed_size() const { return range_.size() + open_.size(); }
  // The RFC 6962 root of the replayed tree.
  Hash ReplayedRoot() const { return range_.Root(); }
  uint64_t replayed_epochs() const { return last_epoch_.has_value() ? last_epoch_->epoch + 1 : 0; }

  // Checks and replays the next entries (leaf fed_size() onward). Returns a
  // Violation for the first broken rule; after one, only Reset helps.
  // Storage errors pass through (then Reset too); an empty entry or one
  // longer than 65,535 bytes is Unavailable (a broken answer).
  absl::StatusOr<std::optional<Violation>> Feed(absl::Span<const std::string> entries);

  // For a checkpoint of `size` once every entry up to it was fed: a
  // Violation (rule checkpoint-not-on-epoch) if its last entry is no epoch
  // entry, nullopt otherwise. REQUIRES: fed_size() == size.
  std::optional<Violation> CheckCheckpointEnd(uint64_t size) const;

  // Persists the replayed epochs (up to replayed_size(); an open epoch stays
  // in memory) as verified, with `checkpoint` (the signed note the caller
  // proved them to be a prefix of): one synced batch.
  absl::Status Commit(const std::string& checkpoint);

  // Drops everything not committed and reloads the verified state.
  absl::Status Reset();

 private:
  Auditor(MonitorStore* store, ClockMs clock) : store_(store), clock_(std::move(clock)) {}
  absl::StatusOr<std::optional<Violation>> CloseEpoch(const std::string& raw,
                                                      const EpochEntry& epoch);
  // The segment's entries for evidence: previous epoch entry, open updates,
  // the closing entry.
  void AddSegment(const std::string& closing, Violation* v) const;
  // Lays one checked epoch's map leaves (sorted by index) over the
  // uncommitted ones.
  void LayLeaves(std::vector<map::MapLeaf> leaves);

  struct OpenUpdate {
    std::string raw;
    UpdateEntry entry;
  };

  MonitorStore* store_;
  ClockMs clock_;
  AuditState verified_;
  merkle::CompactRange range_;
  std::optional<LogTileWriter> tiles_;
  std::optional<EpochEntry> last_epoch_;  // the replayed tree's last entry
  std::vector<OpenUpdate> open_;          // updates of the epoch being fed
  // Map records written by replayed, uncommitted epochs (latest value).
  std::map<std::string, std::string> overlay_tiles_;
  std::vector<map::MapLeaf> overlay_leaves_;  // sorted by index
};

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_AUDITOR_H_
