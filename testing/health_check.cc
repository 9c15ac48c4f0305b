#include "testing/health_check.h"

#include <condition_variable>
#include <mutex>
#include <vector>

#include "absl/time/clock.h"
#include "core/grpc/status_convert.h"
#include "grpcpp/generic/generic_stub.h"

namespace keytrail {
namespace test {

absl::StatusOr<std::string> HealthCheck(const std::shared_ptr<grpc::Channel>& channel,
                                        const std::string& service) {
  grpc::GenericStub generic(channel);
  grpc::ClientContext ctx;
  // HealthCheckRequest{service}: field 1, length-delimited (names < 128 bytes).
  std::string encoded;
  if (!service.empty()) {
    encoded = std::string("\x0a", 1) + static_cast<char>(service.size()) + service;
  }
  grpc::Slice message(encoded);
  grpc::ByteBuffer request(&message, 1), response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  generic.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                    [&](grpc::Status s) {
                      std::lock_guard<std::mutex> lock(mu);
                      status = s;
                      done = true;
                      cv.notify_one();
                    });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
  }
  if (!status.ok()) return FromGrpcStatus(status, "health check");
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return absl::InternalError("health check: unreadable response");
  std::string bytes;
  for (const grpc::Slice& s : slices)
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return bytes;
}

bool IsServing(const std::shared_ptr<grpc::Channel>& channel, const std::string& service) {
  absl::StatusOr<std::string> health = HealthCheck(channel, service);
  return health.ok() && *health == kServingResponse;
}

bool WaitForServing(const std::shared_ptr<grpc::Channel>& channel, bool serving,
                    absl::Duration timeout, const std::string& service) {
  const absl::Time deadline = absl::Now() + timeout;
  while (IsServing(channel, service) != serving) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

}  // namespace test
}  // namespace keytrail
