// The assembly: followers from the config, AuditedLogs, the gRPC status and
// health services, the metrics text.
#include "monitor/monitor.h"

#include <sys/stat.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/bytes/encoding.h"
#include "core/http/client.h"
#include "core/note/checkpoint.h"
#include "core/note/cosignature.h"
#include "core/note/ed25519_note.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/monitor_service.grpc.pb.h"
#include "testing/crafted_log.h"
#include "testing/crafted_log_service.h"
#include "testing/health_check.h"
#include "testing/process.h"

namespace keytrail::monitor {
namespace {

// One request to the monitor's HTTP port (core/http's client).
absl::StatusOr<http::Response> HttpCall(int port, const std::string& method,
                                        const std::string& path, const std::string& body = "") {
  http::Request req;
  req.method = method;
  req.url = absl::StrCat("http://127.0.0.1:", port, path);
  req.content_type = method == "POST" ? "text/plain" : "";
  req.body = body;
  req.timeout = absl::Seconds(30);
  return http::Fetch(req);
}

TEST(MonitorTest, ServesStatusAndAnswersForTheLogsItFollows) {
  test::CraftedLog log;
  const uint64_t now = static_cast<uint64_t>(absl::ToUnixMillis(absl::Now()));
  log.HonestEpoch({}, now);
  log.HonestEpoch({test::TestIndex(1)}, now);
  test::CraftedLogServer server(&log);
  MonitorOptions o;
  o.config.set_data_dir(keytrail::test::TempDir("monitor_assembly"));
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
  absl::StatusOr<std::string> health = keytrail::test::HealthCheck(channel);
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, keytrail::test::kServingResponse);
  EXPECT_NE(
      (*m)->MetricsText().find("keytrail_monitor_verified_size{origin=\"" + log.signer().name() +
                               "\"} " + std::to_string(log.size()) + "\n"),
      std::string::npos)
      << (*m)->MetricsText();
  (*m)->Shutdown();
}

// `keytrail keygen cosigner` (the operator's way) into dir/cosigner.key
// and dir/cosigner.pub.
void KeygenCosigner(const std::string& dir) {
  ASSERT_EQ(keytrail::test::RunProgram(keytrail::test::Runfile("cli/keytrail"),
                                       {"keygen", "cosigner", "monitor.example/m1",
                                        dir + "/cosigner.key", dir + "/cosigner.pub"},
                                       dir + "/keygen.log")
                .value_or(-1),
            0);
}

TEST(MonitorTest, WitnessCosignsOnlyWhatWasAudited) {
  test::CraftedLog log;
  const uint64_t now = static_cast<uint64_t>(absl::ToUnixMillis(absl::Now()));
  log.HonestEpoch({}, now);
  log.HonestEpoch({test::TestIndex(1)}, now);
  test::CraftedLogServer server(&log);
  const std::string dir = keytrail::test::TempDir("monitor_assembly_witness");
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
  const int port = (*m)->http_port();
  // tlog-witness add-checkpoint from size 0: no proof lines.
  auto res = HttpCall(port, "POST", "/add-checkpoint", "old 0\n\n" + log.SignedCheckpoint());
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_NE(res->body.find("monitor.example/m1"), std::string::npos);
  // The log grows; the push of its new checkpoint is cosigned once audited
  // (the witness waits for the audit).
  const uint64_t old_size = log.size();
  log.HonestEpoch({test::TestIndex(2), test::TestIndex(3)}, now);
  std::string body = "old " + std::to_string(old_size) + "\n";
  for (const Hash& h : log.ConsistencyProof(old_size, log.size())) {
    body += Base64Encode(HashView(h)) + "\n";
  }
  res = HttpCall(port, "POST", "/add-checkpoint", body + "\n" + log.SignedCheckpoint());
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ((*m)->Status().logs(0).verified_size(), log.size());
  res = HttpCall(port, "GET", "/metrics");
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_NE(res->body.find("keytrail_monitor_evidence"), std::string::npos);
  (*m)->Shutdown();
}

// The cosigner key file gets the log server's rule (core/keys
// CheckSecretFileMode): group or others may not read it, unless the operator
// passes --allow_insecure_key_permissions.
TEST(MonitorTest, RefusesACosignerKeyOthersCanReadUnlessAllowed) {
  const std::string dir = keytrail::test::TempDir("monitor_assembly_key_mode");
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
  EXPECT_NE(refused.status().message().find("--allow_insecure_key_permissions"), std::string::npos)
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
  o.config.set_data_dir(keytrail::test::TempDir("monitor_assembly_key"));
  o.config.set_cosigner_key_file("/nonexistent/cosigner.key");
  EXPECT_FALSE(Monitor::Start(o).ok());
}

// Issue 18, lower items: a data_dir reused by another monitor served the
// first one's cosigned checkpoints; one reused under another log key sat
// UNREACHABLE for ever. Now both refuse to start, naming the two.
TEST(MonitorTest, ClaimDataDirRefusesAnotherOwner) {
  const std::string dir = keytrail::test::TempDir("monitor_claim") + "/data";
  ASSERT_TRUE(ClaimDataDir(dir, dir + "/OWNER", "k1", "cosigner key").ok());
  ASSERT_TRUE(ClaimDataDir(dir, dir + "/OWNER", "k1", "cosigner key").ok());  // the same again
  absl::Status other = ClaimDataDir(dir, dir + "/OWNER", "k2", "cosigner key");
  EXPECT_EQ(other.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(other.message().find("cosigner key k1"), std::string::npos) << other;
  EXPECT_NE(other.message().find("this one is k2"), std::string::npos) << other;
  // A directory that can't be made says why (it used to be reported as
  // "No such file or directory" later, whatever the cause).
  absl::Status under_file = ClaimDataDir(dir + "/OWNER/sub", dir + "/OWNER/sub/OWNER", "k", "x");
  EXPECT_EQ(under_file.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(under_file.message().find("Not a directory"), std::string::npos) << under_file;
}

TEST(MonitorTest, RefusesADataDirOfAnotherMonitorOrLogKey) {
  const std::string dir = keytrail::test::TempDir("monitor_data_dir_reuse");
  ASSERT_NO_FATAL_FAILURE(KeygenCosigner(dir));
  test::CraftedLog log;
  MonitorOptions o;
  o.config.set_data_dir(dir + "/data");
  o.config.set_grpc_listen("127.0.0.1:0");
  v1::FollowedLog* l = o.config.add_logs();
  l->set_origin(log.signer().name());
  l->set_note_verifier_key(log.VerifierKey());
  l->set_grpc_address("127.0.0.1:1");
  {
    auto first = Monitor::Start(o);  // no cosigner
    ASSERT_TRUE(first.ok()) << first.status();
    (*first)->Shutdown();
  }
  // The same data_dir with a cosigner key: another monitor.
  MonitorOptions keyed = o;
  keyed.config.set_cosigner_key_file(dir + "/cosigner.key");
  auto refused = Monitor::Start(keyed);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("belongs to another cosigner key"), std::string::npos)
      << refused.status();
  // The same origin under another log key.
  test::CraftedLog other(*note::Ed25519NoteSigner::Generate(log.signer().name()));
  ASSERT_NE(other.VerifierKey(), log.VerifierKey());
  MonitorOptions rekeyed = o;
  rekeyed.config.mutable_logs(0)->set_note_verifier_key(other.VerifierKey());
  auto refused_log = Monitor::Start(rekeyed);
  ASSERT_FALSE(refused_log.ok());
  EXPECT_EQ(refused_log.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused_log.status().message().find("belongs to another log key"), std::string::npos)
      << refused_log.status();
}

TEST(MonitorTest, RefusesAPeerWithItsOwnKey) {
  const std::string dir = keytrail::test::TempDir("monitor_own_peer");
  ASSERT_NO_FATAL_FAILURE(KeygenCosigner(dir));
  MonitorOptions o;
  o.config.set_data_dir(dir + "/data");
  o.config.set_grpc_listen("127.0.0.1:0");
  o.config.set_cosigner_key_file(dir + "/cosigner.key");
  v1::Peer* p = o.config.add_peers();
  p->set_name("me");
  p->set_cosigner_key(
      std::string(absl::StripAsciiWhitespace(keytrail::test::ReadFile(dir + "/cosigner.pub"))));
  p->set_url("http://127.0.0.1:1/");
  auto refused = Monitor::Start(o);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("own cosigner key"), std::string::npos)
      << refused.status();
}

}  // namespace
}  // namespace keytrail::monitor
