// A monitor following a log from object storage: the real log_server
// publishes its tiles to a bucket of a real S3 server (Ceph's radosgw on
// loopback, testing/radosgw.h; skipped where it is not installed) whose
// objects a bucket policy lets anyone read; the follower (TilesLogClient)
// reads them over plain anonymous HTTP and audits the log to the size the
// bucket's checkpoint names.
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/http/client.h"
#include "gtest/gtest.h"
#include "monitor/follower.h"
#include "monitor/tiles_log_client.h"
#include "proto/log_service.grpc.pb.h"
#include "testing/log_server_harness.h"
#include "testing/process.h"
#include "testing/radosgw.h"
#include "testing/signed_checkpoint.h"

namespace keytrail::monitor {
namespace {

using keytrail::test::LogServerHarness;

class TilesS3FollowTest : public keytrail::test::RadosgwTest {};

TEST_F(TilesS3FollowTest, AMonitorAuditsALogFromAPublicBucket) {
  auto h = LogServerHarness::Create("tiles_s3_follow");
  ASSERT_TRUE(h.ok()) << h.status();
  std::unique_ptr<LogServerHarness> log = *std::move(h);
  const std::string prefix = "follow";
  const std::string base = absl::StrCat(gw_->endpoint(), "/", gw_->bucket(), "/", prefix);

  auto anonymous_get = [](const std::string& url) {
    http::Request r;
    r.url = url;
    auto got = http::Fetch(r);
    return got.ok() ? got->status : 0;
  };
  // Private at first: an object written with credentials is 403 to anyone.
  const std::string probe = log->path("probe");
  std::ofstream(probe) << "probe";
  auto wrote = gw_->Curl({"-X", "PUT", "--data-binary", "@" + probe},
                         absl::StrCat("/", gw_->bucket(), "/probe"));
  ASSERT_TRUE(wrote.ok() && *wrote == 200) << (wrote.ok() ? *wrote : -1);
  EXPECT_EQ(anonymous_get(absl::StrCat(gw_->endpoint(), "/", gw_->bucket(), "/probe")), 403);

  // Then anyone may read the bucket's objects (s3:GetObject for "*").
  const std::string policy = log->path("policy.json");
  std::ofstream(policy) << R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
                        << R"("Principal":{"AWS":["*"]},"Action":["s3:GetObject"],)"
                        << R"("Resource":["arn:aws:s3:::)" << gw_->bucket() << R"(/*"]}]})";
  std::string answer;
  auto put = gw_->Curl({"-X", "PUT", "--data-binary", "@" + policy},
                       absl::StrCat("/", gw_->bucket(), "?policy="), &answer);
  ASSERT_TRUE(put.ok()) << put.status();
  ASSERT_TRUE(*put == 200 || *put == 204) << *put << " " << answer;
  EXPECT_EQ(anonymous_get(absl::StrCat(gw_->endpoint(), "/", gw_->bucket(), "/probe")), 200);

  const std::string credentials = log->path("s3.credentials");
  std::ofstream(credentials) << gw_->access_key() << ":" << gw_->secret_key() << "\n";
  ASSERT_EQ(::chmod(credentials.c_str(), 0600), 0);
  // Empty epochs every 10 ms: past one full tile in a few seconds.
  ASSERT_TRUE(
      log->Start({"--tiles_s3_endpoint=" + gw_->endpoint(), "--tiles_s3_bucket=" + gw_->bucket(),
                  "--tiles_s3_prefix=" + prefix, "--tiles_s3_credentials_file=" + credentials,
                  "--epoch_interval=10ms", "--max_epoch_age=10ms"})
          .ok())
      << log->log();
  grpc::ClientContext ctx;
  v1::GetLogInfoResponse info;
  ASSERT_TRUE(log->stub().GetLogInfo(&ctx, {}, &info).ok());

  // The checkpoint, read anonymously (no SigV4) once past 300 entries.
  uint64_t size = 0;
  for (const absl::Time end = absl::Now() + absl::Seconds(60); absl::Now() < end && size <= 300;) {
    http::Request r;
    r.url = base + "/checkpoint";
    auto got = http::Fetch(r);  // no SigV4
    if (got.ok() && got->status == 200) size = keytrail::test::CheckpointOf(got->body).size;
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_GT(size, 300u) << log->log();

  FollowerOptions o;
  o.log.set_origin(info.origin());
  o.log.set_note_verifier_key(info.note_verifier_key());
  o.log.set_tiles_url(base);
  const std::string dir = keytrail::test::TempDir("tiles_s3_follow_monitor");
  o.db_dir = dir + "/db";
  o.evidence_dir = dir + "/evidence";
  TilesLogClientOptions c;
  c.base_url = base;
  auto client = TilesLogClient::Create(std::move(c));
  ASSERT_TRUE(client.ok()) << client.status();
  auto f = Follower::Create(o, *std::move(client));
  ASSERT_TRUE(f.ok()) << f.status();
  for (int i = 0; i < 20 && (*f)->Status().verified_size() < size; ++i) {
    absl::Status s = (*f)->Step();
    EXPECT_TRUE(s.ok() || absl::IsUnavailable(s)) << s;
  }
  const v1::LogStatus status = (*f)->Status();
  EXPECT_GE(status.verified_size(), size) << status.DebugString();
  EXPECT_EQ(status.state(), v1::LogStatus::OK) << status.DebugString();
  EXPECT_EQ(status.evidence_size(), 0);
  (void)log->Stop();
}

}  // namespace
}  // namespace keytrail::monitor
