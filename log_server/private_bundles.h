// The private epoch bundle of one committed epoch, read back from the log's
// storage (core/replica/private_bundle.h has the format, docs/REPLICAS.md
// the design): for each of the epoch's update entries, in log order, the
// account (the account_ids record of its index), the version's opening and
// key set, and for a first version the account's VRF proof.
//
// Thread-safe (reads one snapshot through a LogReader).
#ifndef KEYTRAIL_LOG_SERVER_PRIVATE_BUNDLES_H_
#define KEYTRAIL_LOG_SERVER_PRIVATE_BUNDLES_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "core/replica/private_bundle.h"
#include "log_server/log_storage.h"

namespace keytrail {

// The parts of `epoch`'s bundle (none for an epoch without updates), as of
// `reader`'s snapshot, which must hold the epoch. DataLoss when a record the
// epoch implies is missing or damaged (the epoch's or the previous epoch's
// record, an entry, a version, an account), or an entry is not an update
// of this epoch; FailedPrecondition naming the index when an account has no
// account_ids record (an older data directory that LogStorage::
// BackfillAccountIds has not completed); RocksDB errors as LogReader
// returns them.
absl::StatusOr<std::vector<replica::PrivatePart>> ReadPrivateParts(const LogReader& reader,
                                                                   uint64_t epoch);

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_PRIVATE_BUNDLES_H_
