// LogServerHarness: one real log_server process for an end-to-end test,
// with keys made by the real `keytrail keygen`, a loopback port the server
// picks itself (--listen=127.0.0.1:0 --port_file), and a gRPC stub.
// Test-only; not thread-safe (the stub is).
#ifndef KEYTRAIL_TESTING_LOG_SERVER_HARNESS_H_
#define KEYTRAIL_TESTING_LOG_SERVER_HARNESS_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "proto/log_service.grpc.pb.h"
#include "testing/process.h"

namespace keytrail::test {

class LogServerHarness {
 public:
  static constexpr char kOrigin[] = "example.org/keytrail-e2e";

  // Makes a directory under TEST_TMPDIR with keys and a write token.
  static absl::StatusOr<std::unique_ptr<LogServerHarness>> Create(const std::string& name);

  // Starts the server with the standard flags plus `extra_flags`; waits
  // until it listens.
  absl::Status Start(const std::vector<std::string>& extra_flags = {});
  // SIGKILL, no goodbye.
  void Kill();
  // SIGTERM and wait for a clean exit; returns the exit status.
  absl::StatusOr<int> Stop();

  v1::KeyTransparencyLog::Stub& stub() { return *stub_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }
  // Adds the bearer token to a call.
  void Authorize(grpc::ClientContext* context) const;
  // Update: `account` at `version` (expected_version = version - 1) with one
  // device, "phone", whose key names the account and the version. Returns
  // the call's status as an absl::Status.
  absl::Status UpdateOnePhone(const std::string& account, uint64_t version);
  // GetCheckpoint: the served checkpoint note, or with `newest` the log's
  // newest (log-signed only); the call's status as an absl::Status on error.
  absl::StatusOr<std::string> Checkpoint(bool newest);

  const std::string& dir() const { return dir_; }
  std::string path(const std::string& file) const { return dir_ + "/" + file; }
  const std::string& token() const { return token_; }
  int port() const { return port_; }
  // The server's process id, 0 when it is not running (for /proc readings).
  int pid() const { return process_ ? static_cast<int>(process_->pid()) : 0; }
  std::string log() const;  // the server's stderr so far

 private:
  std::string dir_;
  std::string token_;
  int port_ = 0;
  int starts_ = 0;
  std::optional<ChildProcess> process_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::KeyTransparencyLog::Stub> stub_;
};

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_LOG_SERVER_HARNESS_H_
