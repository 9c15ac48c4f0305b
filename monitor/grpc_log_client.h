// GrpcLogClient: LogClient (monitor/log_client.h) over the log's gRPC
// KeyTransparencyLog service (proto/log_service.proto): GetCheckpoint with
// newest = true, GetEntries, GetConsistencyProof, GetInclusionProof,
// GetLogInfo, each with the caller's deadline as the gRPC deadline.
//
// Every non-OK gRPC status becomes Unavailable (the log's own code and
// message kept in the text): to the monitor any failure of the log means
// "try again later". So does an answer that does not decode: no entries or
// more than asked, a proof that is not 0..65 whole hashes.
//
// Thread-safe (gRPC stubs are). Shares the channel.
#ifndef KEYTRAIL_MONITOR_GRPC_LOG_CLIENT_H_
#define KEYTRAIL_MONITOR_GRPC_LOG_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "monitor/log_client.h"
#include "proto/log_service.grpc.pb.h"

namespace keytrail::monitor {

class GrpcLogClient : public LogClient {
 public:
  explicit GrpcLogClient(std::shared_ptr<grpc::Channel> channel);

  absl::StatusOr<std::string> Checkpoint(absl::Time deadline) override;
  absl::StatusOr<std::vector<std::string>> Entries(uint64_t start, uint64_t count,
                                                   absl::Time deadline) override;
  absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t size1, uint64_t size2,
                                                     absl::Time deadline) override;
  absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size,
                                                   absl::Time deadline) override;
  absl::StatusOr<LogParameters> Info(absl::Time deadline) override;

 private:
  std::unique_ptr<v1::KeyTransparencyLog::Stub> stub_;
};

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_GRPC_LOG_CLIENT_H_
