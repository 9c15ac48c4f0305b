// FakeLogServer: a real gRPC KeyTransparencyLog server (proto/log_service.proto)
// on 127.0.0.1, at a port the kernel picks, that answers from a FakeLog the
// test controls. For tests of clients of the log (the monitor, the CLI) that
// need a log which forks, rolls back or lies (testing/fake_log.h), or one
// that cannot be reached. TEST-ONLY.
//
// Served: GetLogInfo, GetCheckpoint, GetEntries, GetInclusionProof,
// GetConsistencyProof, Lookup, History, each about the log's served tree
// (FakeLog::served_size(), so ServeAt rolls the whole server back). Update
// and BatchUpdate are not: they answer UNIMPLEMENTED (write to the FakeLog
// through Mutate instead).
//
// Status codes match log_server/log_queries.h for the same requests:
//   INVALID_ARGUMENT  a bad account id, since_version 0, count 0,
//                     first_size 0 or > second_size, index >= tree_size;
//   OUT_OF_RANGE      a tree size or last_verified_size beyond the served
//                     size, a start at or past it, since_version beyond the
//                     account's next version, more history than
//                     kMaxHistoryVersions;
//   UNAVAILABLE       every call while SetUnavailable(true) (a log that
//                     cannot be reached, as far as its clients can tell).
// GetEntries returns at most kMaxEntriesPerRequest (1000) entries per call,
// as the real server does.
// GetCheckpoint gives the same note whatever GetCheckpointRequest.newest
// says: a FakeLog's cosigners sign every checkpoint at once, so its newest
// checkpoint is also its most cosigned one.
//
// Thread-safe: every call and every method below takes one mutex, so a test
// may Mutate() or Replace() the log while clients are calling.
#ifndef KEYTRAIL_TESTING_FAKE_LOG_SERVER_H_
#define KEYTRAIL_TESTING_FAKE_LOG_SERVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "testing/fake_log.h"

namespace keytrail {
namespace fakes {

class FakeLogServer {
 public:
  // Starts serving `log` on 127.0.0.1 at a free port. Unavailable if gRPC
  // cannot listen there.
  static absl::StatusOr<std::unique_ptr<FakeLogServer>> Start(FakeLog log);
  // Stops at once: calls in flight are cancelled.
  ~FakeLogServer();

  FakeLogServer(const FakeLogServer&) = delete;
  FakeLogServer& operator=(const FakeLogServer&) = delete;

  int port() const { return port_; }
  // "127.0.0.1:<port>", for grpc::CreateChannel.
  std::string address() const;

  // Runs `change` on the served log, with no call answered meanwhile.
  void Mutate(const std::function<void(FakeLog&)>& change);
  // Serves `log` from now on instead (e.g. a fork of the old one).
  void Replace(FakeLog log);
  // A copy of the served log as it is now.
  FakeLog Snapshot() const;

  // While true, every call answers UNAVAILABLE (and is still counted).
  void SetUnavailable(bool unavailable) { unavailable_ = unavailable; }

  // Calls received so far of `method` (e.g. "GetEntries"), and of all.
  uint64_t Calls(absl::string_view method) const;
  uint64_t TotalCalls() const;

  class Service;  // the gRPC handlers, in fake_log_server.cc

 private:
  explicit FakeLogServer(FakeLog log);

  // Counts the call; UNAVAILABLE if switched off. Then, under the mutex,
  // `answer` fills the response and returns its status.
  grpc::Status Answer(const char* method,
                      const std::function<absl::Status(const FakeLog&)>& answer);

  mutable absl::Mutex mu_;
  FakeLog log_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, uint64_t, std::less<>> calls_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> unavailable_{false};

  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace fakes
}  // namespace keytrail

#endif  // KEYTRAIL_TESTING_FAKE_LOG_SERVER_H_
