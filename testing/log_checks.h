// Checks end-to-end tests run against a live log server. Test-only.
#ifndef KEYTRAIL_TESTING_LOG_CHECKS_H_
#define KEYTRAIL_TESTING_LOG_CHECKS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "proto/log_service.grpc.pb.h"

namespace keytrail::test {

// Entries [0, size), fetched with as many GetEntries calls as it takes.
absl::StatusOr<std::vector<std::string>> FetchEntries(v1::KeyTransparencyLog::Stub& stub,
                                                      uint64_t size);

// OK iff the entries decode and form whole epochs: epochs 0, 1, 2, ... in
// order, every update entry belongs to the epoch being built, every epoch
// entry counts the updates before it, and the last entry is an epoch entry.
// Otherwise an error naming the first entry that breaks this.
absl::Status CheckWholeEpochs(absl::Span<const std::string> entries);

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_LOG_CHECKS_H_
