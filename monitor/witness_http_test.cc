// Drives the witness's HTTP API with curl, a real HTTP client, on a loopback
// port the server picked.
#include "monitor/witness_http.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/bytes/encoding.h"
#include "core/note/cosignature.h"
#include "core/note/note.h"
#include "core/witness/add_checkpoint.h"
#include "gtest/gtest.h"
#include "testing/process.h"
#include "testing/witness_test_util.h"

namespace keytrail::monitor {
namespace {

struct CurlResult {
  int status = 0;
  std::string content_type;
  std::string headers;
  std::string body;
};

class WitnessHttpTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::TempDir("witness_http");
    auto store = WitnessStore::Open(dir_ + "/state");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    logs_.Follow(log_);
    auto signer = note::CosignatureSigner::Generate("monitor.example/w1");
    ASSERT_TRUE(signer.ok());
    WitnessOptions options;
    options.audit_timeout = absl::Milliseconds(10);
    witness_ = std::make_unique<Witness>(&logs_, store_.get(), *signer, options);
    server_ = std::make_unique<WitnessHttpServer>(
        witness_.get(), [] { return std::string("keytrail_monitor_up 1"); });
    ASSERT_TRUE(server_->Start("127.0.0.1", 0).ok());
    ASSERT_GT(server_->port(), 0);
  }

  // Runs curl; POSTs `body` when `post`.
  CurlResult Curl(const std::string& path, bool post, const std::string& body = "") {
    const std::string in = dir_ + "/request";
    const std::string out = dir_ + "/response";
    const std::string headers = dir_ + "/headers";
    std::ofstream(in, std::ios::binary) << body;
    std::string cmd = absl::StrCat("curl -s -o ", out, " -D ", headers,
                                   " -w '%{http_code} %{content_type}' --max-time 10 ");
    if (post) absl::StrAppend(&cmd, "--data-binary @", in, " ");
    absl::StrAppend(&cmd, "http://127.0.0.1:", server_->port(), path);
    CurlResult r;
    FILE* p = popen(cmd.c_str(), "r");
    EXPECT_NE(p, nullptr);
    if (p == nullptr) return r;
    char buf[512];
    std::string line;
    while (fgets(buf, sizeof buf, p) != nullptr) line += buf;
    EXPECT_EQ(pclose(p), 0) << cmd;
    const size_t space = line.find(' ');
    r.status = std::stoi(line.substr(0, space));
    if (space != std::string::npos) r.content_type = line.substr(space + 1);
    r.body = test::ReadFile(out);
    r.headers = test::ReadFile(headers);
    return r;
  }

  std::string dir_;
  TestLog log_{"example.com/log", 20};
  FakeAuditedLogs logs_;
  std::unique_ptr<WitnessStore> store_;
  std::unique_ptr<Witness> witness_;
  std::unique_ptr<WitnessHttpServer> server_;
};

TEST_F(WitnessHttpTest, CosignsAndServesTheCheckpoint) {
  const CurlResult r = Curl("/add-checkpoint", true, log_.Body(0, 8));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(witness::CheckSignatureLines(r.body).ok()) << r.body;
  const note::CosignatureVerifier v = witness_->signer().Verifier();
  const note::NoteVerifier* keys[] = {&v};
  auto opened = note::OpenNote(log_.Checkpoint(8) + r.body, keys);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->verified.size(), 1u);

  const std::string hash = HexEncode(HashView(Sha256Of(log_.origin())));
  const CurlResult got = Curl("/" + hash + "/checkpoint", false);
  ASSERT_EQ(got.status, 200);
  const note::NoteVerifier* both[] = {log_.verifier(), &v};
  auto reopened = note::OpenNote(got.body, both);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(reopened->verified.size(), 2u);
  EXPECT_EQ(Curl("/" + std::string(64, '0') + "/checkpoint", false).status, 404);
}

TEST_F(WitnessHttpTest, ErrorStatuses) {
  EXPECT_EQ(Curl("/add-checkpoint", true, "old 1\nnonsense").status, 400);
  EXPECT_EQ(
      Curl("/add-checkpoint", true, witness::FormatAddCheckpointRequest(9, {}, log_.Checkpoint(3)))
          .status,
      400);
  TestLog other("other.example/log", 3);
  EXPECT_EQ(Curl("/add-checkpoint", true, other.Body(0, 3)).status, 404);
  EXPECT_EQ(Curl("/add-checkpoint", true,
                 witness::FormatAddCheckpointRequest(0, {}, log_.Checkpoint(3, &other.signer())))
                .status,
            403);

  ASSERT_EQ(Curl("/add-checkpoint", true, log_.Body(0, 5)).status, 200);
  const CurlResult conflict = Curl("/add-checkpoint", true, log_.Body(2, 9));
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.content_type, "text/x.tlog.size");
  EXPECT_EQ(conflict.body, "5\n");

  std::vector<Hash> proof = log_.Proof(5, 9);
  proof[1][7] ^= 0x40;
  EXPECT_EQ(Curl("/add-checkpoint", true,
                 witness::FormatAddCheckpointRequest(5, proof, log_.Checkpoint(9)))
                .status,
            422);

  logs_.SetResult(absl::UnavailableError("behind"));
  const CurlResult busy = Curl("/add-checkpoint", true, log_.Body(5, 9));
  EXPECT_EQ(busy.status, 503);
  EXPECT_NE(busy.headers.find("Retry-After: 5"), std::string::npos) << busy.headers;

  // Too big for the witness: refused before it is read.
  EXPECT_EQ(
      Curl("/add-checkpoint", true, std::string(witness::kMaxAddCheckpointBody + 1, 'a')).status,
      413);
  EXPECT_EQ(Curl("/add-checkpoint", false).status, 404);  // GET: no route
  EXPECT_EQ(Curl("/" + std::string(64, 'G') + "/checkpoint", false).status, 404);
  EXPECT_EQ(Curl("/" + std::string(63, 'a') + "/checkpoint", false).status, 404);
}

// Issue 18, 1: a chunked body is capped too (the library buffered it whole).
TEST_F(WitnessHttpTest, ChunkedBodyOverTheCapIs413) {
  const std::string in = dir_ + "/big";
  std::ofstream(in, std::ios::binary) << std::string(4 * witness::kMaxAddCheckpointBody, 'a');
  const std::string cmd = absl::StrCat(
      "curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H 'Transfer-Encoding: chunked' "
      "--data-binary @",
      in, " http://127.0.0.1:", server_->port(), "/add-checkpoint");
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[64] = "";
  ASSERT_NE(fgets(buf, sizeof buf, p), nullptr);
  pclose(p);
  EXPECT_STREQ(buf, "413");
}

TEST(WitnessHttpRoutesTest, AnExtraExactRouteWinsOverTheCheckpointPrefix) {
  WitnessHttpServer server(nullptr, nullptr);
  server.Handle("GET", "/", [](const http::ServerRequest&) {
    http::ServerResponse r;
    r.body = "status page";
    return r;
  });
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  const std::string out = test::TempDir("witness_http_routes") + "/page";
  ASSERT_EQ(std::system(absl::StrCat("curl -s -o ", out,
                                     " --max-time 10 http://127.0.0.1:", server.port(), "/")
                            .c_str()),
            0);
  EXPECT_EQ(test::ReadFile(out), "status page");
}

TEST_F(WitnessHttpTest, Metrics) {
  ASSERT_EQ(Curl("/add-checkpoint", true, log_.Body(0, 5)).status, 200);
  ASSERT_EQ(Curl("/add-checkpoint", true, log_.Body(0, 5)).status, 409);
  const CurlResult m = Curl("/metrics", false);
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.body.rfind("keytrail_monitor_up 1\n", 0), 0u) << m.body;
  EXPECT_NE(m.body.find("keytrail_witness_add_checkpoint_requests_total{outcome=\"cosigned\"} 1\n"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("{outcome=\"conflict\"} 1\n"), std::string::npos);
  EXPECT_NE(m.body.find("keytrail_witness_cosignatures_issued_total 1\n"), std::string::npos);
  EXPECT_NE(m.body.find("keytrail_monitor_http_refused_total{reason=\"body_too_large\"} 0\n"),
            std::string::npos)
      << m.body;
}

TEST_F(WitnessHttpTest, StopIsPromptAndIdempotent) {
  server_->Stop();
  server_->Stop();
  WitnessHttpServer again(witness_.get(), nullptr);
  ASSERT_TRUE(again.Start("127.0.0.1", 0).ok());
  again.Stop();  // right after Start
}

}  // namespace
}  // namespace keytrail::monitor
