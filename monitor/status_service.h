// MonitorService (proto/monitor_service.proto) over gRPC's synchronous API:
// GetStatus answers with whatever `status` returns. Thread-safe as long as
// `status` is; the function must outlive the service.
#ifndef KEYTRAIL_MONITOR_STATUS_SERVICE_H_
#define KEYTRAIL_MONITOR_STATUS_SERVICE_H_

#include <functional>

#include "proto/monitor_service.grpc.pb.h"

namespace keytrail::monitor {

class StatusService final : public v1::MonitorService::Service {
 public:
  explicit StatusService(std::function<v1::GetStatusResponse()> status)
      : status_(std::move(status)) {}

  grpc::Status GetStatus(grpc::ServerContext*, const v1::GetStatusRequest*,
                         v1::GetStatusResponse* response) override {
    *response = status_();
    return grpc::Status::OK;
  }

 private:
  std::function<v1::GetStatusResponse()> status_;
};

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_STATUS_SERVICE_H_
