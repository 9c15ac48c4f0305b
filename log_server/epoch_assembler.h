// EpochAssembler: cuts a run of log entries, in order, into epochs (update
// entries, then the epoch entry that counts them) and hands each on as a
// ReplicaEpoch (replica_epoch.h), as a read replica's follower does with the
// entries it fetched. It checks only what names the next objects to fetch
// (the epoch number and its update count); the replayer checks the rest.
//
// Thread-compatible; one run of entries per assembler.
#ifndef KEYTRAIL_LOG_SERVER_EPOCH_ASSEMBLER_H_
#define KEYTRAIL_LOG_SERVER_EPOCH_ASSEMBLER_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "log_server/replica_epoch.h"

namespace keytrail {

class EpochAssembler {
 public:
  // Called with each complete epoch, its epoch entry's timestamp, and
  // whether it ends at `end`; an error stops the run and is returned.
  using DeliverFn = std::function<absl::Status(ReplicaEpoch&, uint64_t timestamp_ms, bool last)>;
  // The run covers log indexes [start, end); its first epoch is `next_epoch`.
  EpochAssembler(uint64_t next_epoch, uint64_t start, uint64_t end, DeliverFn deliver);

  // Entry `index` of the log, in order. InvalidArgument naming the entry
  // (and its bundle) for an entry that does not decode, an epoch entry of
  // another epoch than the next, or one whose update count differs from the
  // update entries before it; `deliver`'s error as it returns it.
  absl::Status Add(absl::string_view entry, uint64_t index);

  // After the last entry: InvalidArgument when the run ends with update
  // entries (a checkpoint must end with an epoch entry).
  absl::Status Finish() const;

 private:
  const uint64_t end_;
  const DeliverFn deliver_;
  ReplicaEpoch current_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_EPOCH_ASSEMBLER_H_
