// ReplicaHarness: one real `log_server --replica` process for an end-to-end
// test, reading the stores of a primary started by a LogServerHarness (its
// VRF key, note verifier key and replica key), on a loopback port it picks
// itself (--port_file) with /metrics on another (--metrics_port_file).
// Test-only; not thread-safe (the stub is).
#ifndef KEYTRAIL_TESTING_REPLICA_HARNESS_H_
#define KEYTRAIL_TESTING_REPLICA_HARNESS_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "proto/log_service.grpc.pb.h"
#include "testing/log_server_harness.h"
#include "testing/process.h"

namespace keytrail::test {

// Makes the replica key (`keytrail keygen replica`) at primary.path("replica.key")
// and returns the flags that make the primary publish the private bundles
// with it, to <dir>/tiles and <dir>/private (the directory stores).
absl::StatusOr<std::vector<std::string>> PrimaryReplicaFlags(LogServerHarness& primary);

// Creates accounts "user<first>".."user<first + count - 1>" (one device
// each) in one BatchUpdate on the primary: one epoch, several private parts
// when count > 128. Every update must succeed.
absl::Status CreateAccounts(LogServerHarness& primary, int first, int count);

// Waits until the primary's served checkpoint is also the one its tile
// store holds (`published()` reads the store's checkpoint object) and
// returns it: the primary is then quiet (as long as the test makes no
// update and --max_epoch_age is long) and replicas can reach it.
absl::StatusOr<std::string> WaitForPublishedCheckpoint(
    LogServerHarness& primary, const std::function<absl::StatusOr<std::string>()>& published);

class ReplicaHarness {
 public:
  // `store_flags`: where the primary publishes (--tiles_dir/--private_dir,
  // or the S3 flags); the replica's own data directory is a fresh one
  // under TEST_TMPDIR named after `name`.
  ReplicaHarness(const std::string& name, const LogServerHarness& primary,
                 std::vector<std::string> store_flags);

  // Starts the replica with its standard flags plus `extra_flags`; waits
  // until it listens.
  absl::Status Start(const std::vector<std::string>& extra_flags = {});
  void Kill();                 // SIGKILL
  absl::StatusOr<int> Stop();  // SIGTERM, then the exit status

  v1::KeyTransparencyLog::Stub& stub() { return *stub_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }
  int port() const { return port_; }
  int metrics_port() const { return metrics_port_; }
  const std::string& dir() const { return dir_; }
  std::string log() const;  // the replica's stderr so far

  // GetCheckpoint's answer (the served checkpoint), or the call's status.
  absl::StatusOr<std::string> Checkpoint();
  // Polls until the replica serves exactly `note`; DeadlineExceeded (with
  // the replica's log) after `timeout`.
  absl::Status WaitForCheckpoint(const std::string& note, absl::Duration timeout);

 private:
  std::string dir_;
  std::string primary_dir_;
  std::vector<std::string> store_flags_;
  int starts_ = 0;
  int port_ = 0;
  int metrics_port_ = 0;
  std::optional<ChildProcess> process_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::KeyTransparencyLog::Stub> stub_;
};

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_REPLICA_HARNESS_H_
