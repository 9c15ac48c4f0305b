// LogClient: everything the monitor reads from a log it follows, whatever
// carries it. The gRPC implementation (monitor/grpc_log_client.h) asks the
// log's KeyTransparencyLog service; a second one may read C2SP tlog-tiles.
// The follower, the checkpoint judge and the evidence builders only see
// this interface, so a new transport plugs in without touching them.
//
// Every call takes the caller's deadline (the follower's RPC timeout, or a
// witness request's own deadline) and returns by then.
//
// Errors: whatever goes wrong — the log unreachable, a refusal, an answer
// that does not decode (a proof of more than 65 hashes, no entries) — is
// Unavailable with a message naming the call: for the monitor an answer it
// cannot use only means "try again later", never evidence. Answers are not
// verified here (proofs against roots, signatures): the callers do that.
//
// Thread safety: implementations are thread-safe; the follower runs several
// Entries calls at once.
#ifndef KEYTRAIL_MONITOR_LOG_CLIENT_H_
#define KEYTRAIL_MONITOR_LOG_CLIENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/crypto/sha256.h"

namespace keytrail::monitor {

// What the monitor asks of a log's description (GetLogInfo). Not named
// LogInfo: that is core/util/logging.h's function.
struct LogParameters {
  // The longest the log lets pass between epochs; 0 if it does not say.
  uint64_t max_epoch_age_ms = 0;
};

class LogClient {
 public:
  virtual ~LogClient() = default;

  // The log's newest signed checkpoint note (not verified).
  virtual absl::StatusOr<std::string> Checkpoint(absl::Time deadline) = 0;

  // Entries from `start` on, 1..count of them in order (fewer than `count`
  // is a short answer the caller continues from). REQUIRES count > 0.
  virtual absl::StatusOr<std::vector<std::string>> Entries(uint64_t start, uint64_t count,
                                                           absl::Time deadline) = 0;

  // The RFC 9162 consistency proof from tree size `size1` to `size2`
  // (at most 65 hashes).
  virtual absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t size1, uint64_t size2,
                                                             absl::Time deadline) = 0;

  // The RFC 9162 inclusion proof of leaf `index` in the tree of `size`
  // leaves (at most 65 hashes).
  virtual absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size,
                                                           absl::Time deadline) = 0;

  virtual absl::StatusOr<LogParameters> Info(absl::Time deadline) = 0;
};

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_LOG_CLIENT_H_
