// Load and waiting for the tile publication tests (log_server's
// tiles_e2e_test on a directory, tiles_s3_e2e_test on radosgw), which drive
// a real log server the same way whatever store it publishes to. TEST ONLY.
#ifndef KEYTRAIL_TESTING_TILE_PUBLICATION_LOAD_H_
#define KEYTRAIL_TESTING_TILE_PUBLICATION_LOAD_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "testing/log_server_harness.h"
#include "testing/tile_checks.h"

namespace keytrail::test {

// A thread sending updates of fresh accounts ("w<id>-<round>-<n>", one
// device) to `log` until `*stop`, adding each acknowledgement to `*acked`.
// It returns at the first update that fails (the server was killed). `log`,
// `stop` and `acked` must outlive the thread.
std::thread StartUpdateWriter(LogServerHarness* log, int id, int round, std::atomic<bool>* stop,
                              std::atomic<uint64_t>* acked);

// Polls `read` (the published tiles) until their checkpoint reaches the
// size of the log's newest checkpoint, for up to ~30 s. OK then; the
// log's error if its newest checkpoint cannot be read; DeadlineExceeded
// ("tiles never caught up with the log") otherwise.
absl::Status WaitUntilTilesCaughtUp(LogServerHarness& log,
                                    const std::function<absl::StatusOr<PublishedLog>()>& read);

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_TILE_PUBLICATION_LOAD_H_
