// HealthCheck: one standard grpc.health.v1.Health/Check call, for end-to-end
// tests of every role's server. Test-only.
//
// Made with a generic stub (the health service's messages are not in our
// protos): the request is HealthCheckRequest{service: ""}, which encodes to
// no bytes. Returns the raw response bytes ("\x08\x01" is SERVING,
// "\x08\x02" NOT_SERVING), or the call's error as a status. Blocks until the
// call ends. Thread-safe.
#ifndef KEYTRAIL_TESTING_HEALTH_CHECK_H_
#define KEYTRAIL_TESTING_HEALTH_CHECK_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace keytrail {
namespace test {

inline constexpr char kServingResponse[] = "\x08\x01";

// `service`: the service name asked about ("" is the server as a whole).
absl::StatusOr<std::string> HealthCheck(const std::shared_ptr<grpc::Channel>& channel,
                                        const std::string& service = "");

// Whether one HealthCheck answers SERVING (false for NOT_SERVING and for a
// failed call).
bool IsServing(const std::shared_ptr<grpc::Channel>& channel, const std::string& service = "");

// Calls IsServing every 20 ms until it returns `serving`: true then, false
// if `timeout` passes first.
bool WaitForServing(const std::shared_ptr<grpc::Channel>& channel, bool serving,
                    absl::Duration timeout, const std::string& service = "");

}  // namespace test
}  // namespace keytrail

#endif  // KEYTRAIL_TESTING_HEALTH_CHECK_H_
