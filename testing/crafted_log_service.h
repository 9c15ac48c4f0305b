// TEST ONLY. Serves a CraftedLog (testing/crafted_log.h) over real gRPC
// as the log server's read API (GetCheckpoint, GetEntries, GetInclusionProof,
// GetConsistencyProof, GetLogInfo), so the follower's tests can use the
// same byte-level crafted logs as the auditor's and evidence's tests
// (monitor/fake_log_follower_test.cc uses testing/fake_log_server.h).
// Thread-safe (one mutex); the logs it serves are borrowed.
#ifndef KEYTRAIL_TESTING_CRAFTED_LOG_SERVICE_H_
#define KEYTRAIL_TESTING_CRAFTED_LOG_SERVICE_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "grpcpp/grpcpp.h"
#include "proto/log_service.grpc.pb.h"
#include "testing/crafted_log.h"

namespace keytrail::test {

class CraftedLogServer : public v1::KeyTransparencyLog::Service {
 public:
  // Starts serving `log` on 127.0.0.1 (a port it picks).
  explicit CraftedLogServer(const test::CraftedLog* log);
  ~CraftedLogServer() override;

  int port() const { return port_; }
  std::shared_ptr<grpc::Channel> Channel() const;

  // Serve another log (e.g. a fork with the same key).
  void SetLog(const test::CraftedLog* log);
  // Serve this checkpoint note instead of the log's own (nullopt: the log's).
  void SetCheckpoint(std::optional<std::string> note);
  // Serve the log's checkpoint at this size (0: its full size).
  void SetServedSize(uint64_t size);
  // Answer every call with UNAVAILABLE.
  void SetDown(bool down);
  int entries_calls() const;

  grpc::Status GetCheckpoint(grpc::ServerContext*, const v1::GetCheckpointRequest*,
                             v1::GetCheckpointResponse*) override;
  grpc::Status GetEntries(grpc::ServerContext*, const v1::GetEntriesRequest*,
                          v1::GetEntriesResponse*) override;
  grpc::Status GetInclusionProof(grpc::ServerContext*, const v1::GetInclusionProofRequest*,
                                 v1::GetInclusionProofResponse*) override;
  grpc::Status GetConsistencyProof(grpc::ServerContext*, const v1::GetConsistencyProofRequest*,
                                   v1::GetConsistencyProofResponse*) override;
  grpc::Status GetLogInfo(grpc::ServerContext*, const v1::GetLogInfoRequest*,
                          v1::GetLogInfoResponse*) override;

 private:
  mutable std::mutex mu_;
  const test::CraftedLog* log_;
  std::optional<std::string> checkpoint_;
  uint64_t served_size_ = 0;
  bool down_ = false;
  int entries_calls_ = 0;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_CRAFTED_LOG_SERVICE_H_
