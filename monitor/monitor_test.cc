// The assembly: followers from the config, AuditedLogs, the gRPC status and
// health services, the metrics text.
#include "monitor/monitor.h"

#include <sys/stat.h>

#include "gtest/gtest.h"
#include "testing/crafted_log.h"
#include "core/note/checkpoint.h"
#include "grpcpp/grpcpp.h"
#include "testing/crafted_log_service.h"
#include "proto/monitor_service.grpc.pb.h"
#include "httplib.h"
#include "core/note/cosignature.h"
#include "core/bytes/encoding.h"
#include "testing/health_check.h"
#include "testing/process.h"

namespace keytrail::monitor {
namespace {

TEST(MonitorTest, ServesStatusAndAnswersForTheLogsItFollows) {
  evidence::testing::CraftedLog log;
  const uint64_t now = static_cast<uint64_t>(absl::ToUnixMillis(absl::Now()));
  log.HonestEpoch({}, now);
  log.HonestEpoch({evidence::testing::TestIndex(1)}, now);
  testing::CraftedLogServer server(&log);
  MonitorOptions o;
  o.config.set_data_dir(keytrail::testing::TempDir("monitor_assembly"));
  o.config.set_grpc_listen("127.0.0.1:0");
  v1::FollowedLog* l = o.config.add_logs();
  l->set_origin(log.signer().name());
  l->set_note_verifier_key(log.VerifierKey());
  l->set_grpc_address("127.0.0.1:" + std::to_string(server.port()));
  l->set_poll_interval_ms(20);
  auto m = Monitor::Start(o);
  ASSERT_TRUE(m.ok()) << m.status();

  EXPECT_NE((*m)->LogVerifier(log.signer().name()), nullptr);
  EXPECT_EQ((*m)->LogVerifier("other"), nullptr);
  const std::string text = log.SignedCheckpoint();
  const note::Checkpoint cp = note::ParseCheckpoint(note::ParseNote(text)->text).value();
  EXPECT_TRUE((*m)->CheckAudited(cp.origin, text, cp, absl::Now() + absl::Seconds(10)).ok());
  EXPECT_EQ((*m)->CheckAudited("other", text, cp, absl::Now()).code(), absl::StatusCode::kNotFound);

  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string((*m)->grpc_port()),
                                     grpc::InsecureChannelCredentials());
  {
    grpc::ClientContext ctx;
    v1::GetStatusResponse resp;
    ASSERT_TRUE(v1::MonitorService::NewStub(channel)->GetStatus(&ctx, {}, &resp).ok());
    ASSERT_EQ(resp.logs_size(), 1);
    EXPECT_EQ(resp.logs(0).state(), v1::LogStatus::OK);
    EXPECT_EQ(resp.logs(0).verified_size(), log.size());
  }
  absl::StatusOr<std::string> health = keytrail::testing::HealthCheck(channel);
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, keytrail::testing::kServingResponse);
  EXPECT_NE((*m)->MetricsText().find("keytrail_monitor_verified_size{origin=\"" +
                                     log.signer().name() + "\"} " + std::to_string(log.size()) + "\n"),
            std::string::npos)
      << (*m)->MetricsText();
  (*m)->Shutdown();
}

// `keytrail keygen cosigner` (the operator's way) into dir/cosigner.key
// and dir/cosigner.pub.
void KeygenCosigner(const std::string& dir) {
  ASSERT_EQ(keytrail::testing::RunProgram(
                keytrail::testing::Runfile("cli/keytrail"),
                {"keygen", "cosigner", "monitor.example/m1", dir + "/cosigner.key",
                 dir + "/cosigner.pub"},
                dir + "/keygen.log")
                .value_or(-1),
            0);
}

TEST(MonitorTest, WitnessCosignsOnlyWhatWasAudited) {
  evidence::testing::CraftedLog log;
  const uint64_t now = static_cast<uint64_t>(absl::ToUnixMillis(absl::Now()));
  log.HonestEpoch({}, now);
  log.HonestEpoch({evidence::testing::TestIndex(1)}, now);
  testing::CraftedLogServer server(&log);
  const std::string dir = keytrail::testing::TempDir("monitor_assembly_witness");
  ASSERT_NO_FATAL_FAILURE(KeygenCosigner(dir));
  MonitorOptions o;
  o.config.set_data_dir(dir + "/data");
  o.config.set_grpc_listen("127.0.0.1:0");
  o.config.set_http_listen("127.0.0.1:0");
  o.config.set_cosigner_key_file(dir + "/cosigner.key");
  v1::FollowedLog* l = o.config.add_logs();
  l->set_origin(log.signer().name());
  l->set_note_verifier_key(log.VerifierKey());
  l->set_grpc_address("127.0.0.1:" + std::to_string(server.port()));
  l->set_poll_interval_ms(20);
  auto m = Monitor::Start(o);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_GT((*m)->http_port(), 0);
  httplib::Client client("127.0.0.1", (*m)->http_port());
  // tlog-witness add-checkpoint from size 0: no proof lines.
  auto res = client.Post("/add-checkpoint", "old 0\n\n" + log.SignedCheckpoint(),
                         "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_NE(res->body.find("monitor.example/m1"), std::string::npos);
  // The log grows; the push of its new checkpoint is cosigned once audited
  // (the witness waits for the audit).
  const uint64_t old_size = log.size();
  log.HonestEpoch({evidence::testing::TestIndex(2), evidence::testing::TestIndex(3)}, now);
  std::string body = "old " + std::to_string(old_size) + "\n";
  for (const Hash& h : log.ConsistencyProof(old_size, log.size())) {
    body += Base64Encode(HashView(h)) + "\n";
  }
  res = client.Post("/add-checkpoint", body + "\n" + log.SignedCheckpoint(), "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ((*m)->Status().logs(0).verified_size(), log.size());
  res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_NE(res->body.find("keytrail_monitor_evidence"), std::string::npos);
  (*m)->Shutdown();
}

// The cosigner key file gets the log server's rule (core/keys
// CheckSecretFileMode): group or others may not read it, unless the operator
// passes --allow_insecure_key_permissions.
TEST(MonitorTest, RefusesACosignerKeyOthersCanReadUnlessAllowed) {
  const std::string dir = keytrail::testing::TempDir("monitor_assembly_key_mode");
  ASSERT_NO_FATAL_FAILURE(KeygenCosigner(dir));
  const std::string key = dir + "/cosigner.key";
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  MonitorOptions o;
  o.config.set_data_dir(dir + "/data");
  o.config.set_grpc_listen("127.0.0.1:0");
  o.config.set_cosigner_key_file(key);
  auto refused = Monitor::Start(o);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find(key), std::string::npos) << refused.status();
  EXPECT_NE(refused.status().message().find("mode 0644"), std::string::npos) << refused.status();
  EXPECT_NE(refused.status().message().find("--allow_insecure_key_permissions"),
            std::string::npos)
      << refused.status();

  o.allow_insecure_key_permissions = true;
  auto started = Monitor::Start(o);
  ASSERT_TRUE(started.ok()) << started.status();
  ASSERT_TRUE((*started)->cosigner().has_value());
  EXPECT_EQ((*started)->cosigner()->name(), "monitor.example/m1");
  (*started)->Shutdown();
}

TEST(MonitorTest, RefusesAMissingCosignerKey) {
  MonitorOptions o;
  o.config.set_data_dir(keytrail::testing::TempDir("monitor_assembly_key"));
  o.config.set_cosigner_key_file("/nonexistent/cosigner.key");
  EXPECT_FALSE(Monitor::Start(o).ok());
}

}  // namespace
}  // namespace keytrail::monitor
