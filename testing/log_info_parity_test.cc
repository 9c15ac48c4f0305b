// The fake log (testing/fake_log) stands in for the log server in the
// verifier's and the monitor's tests, so it must announce what the real
// server announces: the same protocol version and the same limits. Both
// GetLogInfo answers are read over gRPC, from a real log_server process and
// from the fake log server.
#include <chrono>
#include <memory>

#include "core/protocol/limits.h"
#include "core/protocol/limits_message.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/log_service.grpc.pb.h"
#include "testing/fake_log.h"
#include "testing/fake_log_server.h"
#include "testing/log_server_harness.h"

namespace keytrail::test {
namespace {

v1::GetLogInfoResponse LogInfo(v1::KeyTransparencyLog::Stub& stub) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::GetLogInfoResponse info;
  grpc::Status s = stub.GetLogInfo(&context, v1::GetLogInfoRequest(), &info);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return info;
}

TEST(LogInfoParityTest, FakeAndServerAnnounceTheSameVersionAndLimits) {
  auto server = LogServerHarness::Create("log-info-parity");
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_TRUE((*server)->Start().ok()) << (*server)->log();
  v1::GetLogInfoResponse real = LogInfo((*server)->stub());

  fakes::FakeLog log;
  auto fake_server = fakes::FakeLogServer::Start(log);
  ASSERT_TRUE(fake_server.ok()) << fake_server.status();
  auto fake_stub = v1::KeyTransparencyLog::NewStub(
      grpc::CreateChannel((*fake_server)->address(), grpc::InsecureChannelCredentials()));
  v1::GetLogInfoResponse fake = LogInfo(*fake_stub);

  EXPECT_EQ(real.protocol_version(), kProtocolVersion);
  EXPECT_EQ(fake.protocol_version(), kProtocolVersion);
  v1::Limits want;
  FillLimits(&want);
  // Field by field, so a failure names the field that drifted.
  EXPECT_EQ(real.limits().DebugString(), want.DebugString());
  EXPECT_EQ(fake.limits().DebugString(), want.DebugString());
  EXPECT_EQ(fake.limits().SerializeAsString(), real.limits().SerializeAsString());
}

}  // namespace
}  // namespace keytrail::test
