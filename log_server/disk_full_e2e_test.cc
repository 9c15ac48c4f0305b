// End-to-end: the real log_server on a small tmpfs that fills up (issue 9).
// While the disk is full, updates fail UNAVAILABLE ("disk full") and health
// is NOT_SERVING, with one log line; once space is freed the server resumes
// by itself (one more line), takes updates again, and every acknowledged
// update is in the verified history, also after a restart.
//
// Needs root (mount(2) of a tmpfs); skipped with a message otherwise.
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/log_service.grpc.pb.h"
#include "testing/health_check.h"
#include "testing/log_lines.h"
#include "testing/log_server_harness.h"
#include "testing/small_disk.h"
#include "verifier/history.h"
#include "verifier/log_trust.h"

namespace keytrail {
namespace {

using ::keytrail::test::CountLinesContaining;

using keytrail::test::LogServerHarness;

constexpr char kAccount[] = "alice@example.org";

uint64_t NowMs() { return static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())); }

class DiskFullTest : public testing::Test {
 protected:
  void SetUp() override {
    auto h = LogServerHarness::Create("disk_full");
    ASSERT_TRUE(h.ok()) << h.status();
    h_ = *std::move(h);
    auto disk = keytrail::test::SmallDisk::Mount(h_->path("small"), 24);
    if (!disk.ok()) {
      GTEST_SKIP() << disk.status() << "; the injected-failure tests in "
                   << "//log_server:sequencer_test and //core/storage:database_test still ran";
    }
    disk_ = *std::move(disk);
    mount_ = disk_->path();
  }
  void TearDown() override {
    if (h_ != nullptr) (void)h_->Stop();
    if (disk_ != nullptr && HasFailure()) {
      // RocksDB's own log, for the failure's story.
      (void)::system(("cp " + mount_ + "/data/LOG " + h_->path("rocksdb.LOG")).c_str());
    }
    disk_.reset();  // unmounts
  }

  absl::Status Start() {
    return h_->Start({"--data_dir=" + mount_ + "/data", "--epoch_interval=20ms",
                      "--storage_retry_min=100ms", "--storage_retry_max=400ms"});
  }

  grpc::Status Update(int serial, v1::UpdateResponse* resp) {
    v1::UpdateRequest req;
    req.set_account(kAccount);
    v1::Device* d = req.mutable_key_set()->add_devices();
    d->set_device_id("phone");
    // A post-quantum-sized key, different every time.
    d->set_device_key(absl::StrCat(serial, std::string(1568, 'k')).substr(0, 1568));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    h_->Authorize(&ctx);
    return h_->stub().Update(&ctx, req, resp);
  }

  bool Serving() { return keytrail::test::IsServing(h_->channel()); }
  bool WaitForServing(bool want, absl::Duration timeout) {
    return keytrail::test::WaitForServing(h_->channel(), want, timeout);
  }

  // The account's whole history, verified against the log's keys; the
  // log indexes of its versions, in order.
  std::vector<uint64_t> VerifiedHistory() {
    grpc::ClientContext info_ctx;
    v1::GetLogInfoResponse info;
    EXPECT_TRUE(h_->stub().GetLogInfo(&info_ctx, {}, &info).ok());
    auto trust = verifier::LogTrust::FromLogInfo(info);
    EXPECT_TRUE(trust.ok()) << trust.status();
    if (!trust.ok()) return {};
    grpc::ClientContext ctx;
    v1::HistoryRequest req;
    req.set_account(kAccount);
    req.set_since_version(1);
    v1::HistoryResponse resp;
    grpc::Status s = h_->stub().History(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    auto history = verifier::VerifyHistory(*trust, kAccount, 1, std::nullopt, resp,
                                           verifier::TrustedCheckpoint{}, NowMs());
    EXPECT_TRUE(history.ok()) << history.status();
    if (!history.ok()) return {};
    std::vector<uint64_t> indexes;
    for (const auto& v : history->versions) indexes.push_back(v.log_index);
    return indexes;
  }

  std::unique_ptr<LogServerHarness> h_;
  std::unique_ptr<keytrail::test::SmallDisk> disk_;
  std::string mount_;
};

TEST_F(DiskFullTest, FullDiskRefusesUpdatesThenRecoversWithoutRestart) {
  ASSERT_TRUE(Start().ok()) << h_->log();
  std::vector<uint64_t> acked;  // log indexes of acknowledged versions
  int serial = 0;
  for (int i = 0; i < 3; ++i) {
    v1::UpdateResponse resp;
    grpc::Status s = Update(++serial, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    acked.push_back(resp.log_index());
  }
  ASSERT_TRUE(Serving());

  ASSERT_TRUE(disk_->Fill().ok()) << "the tmpfs did not fill";
  // The WAL's last page may take a few more small epochs.
  grpc::Status failed;
  for (int i = 0; i < 200 && failed.ok(); ++i) {
    v1::UpdateResponse resp;
    failed = Update(++serial, &resp);
    if (failed.ok()) {
      EXPECT_EQ(resp.version(), acked.size() + 1);
      acked.push_back(resp.log_index());
    }
  }
  ASSERT_EQ(failed.error_code(), grpc::StatusCode::UNAVAILABLE) << failed.error_message();
  EXPECT_TRUE(absl::StrContains(failed.error_message(), "disk full")) << failed.error_message();
  EXPECT_TRUE(WaitForServing(false, absl::Seconds(10))) << "health stays SERVING";
  for (int i = 0; i < 5; ++i) {
    v1::UpdateResponse resp;
    grpc::Status refused = Update(++serial, &resp);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_TRUE(absl::StrContains(refused.error_message(), "disk full")) << refused.error_message();
  }
  // Reads go on while writes fail.
  EXPECT_EQ(VerifiedHistory(), acked);
  absl::SleepFor(absl::Seconds(1));  // several retries on a still-full disk
  EXPECT_FALSE(Serving());

  ASSERT_TRUE(disk_->Free().ok());
  ASSERT_TRUE(WaitForServing(true, absl::Seconds(30))) << h_->log();
  v1::UpdateResponse resp;
  grpc::Status after = Update(++serial, &resp);
  ASSERT_TRUE(after.ok()) << after.error_message();
  EXPECT_EQ(resp.version(), acked.size() + 1) << "a refused update left a version behind";
  acked.push_back(resp.log_index());
  EXPECT_EQ(VerifiedHistory(), acked);

  const std::string log = h_->log();
  EXPECT_EQ(CountLinesContaining(log, "storage failing"), 1) << log;
  EXPECT_EQ(CountLinesContaining(log, "storage recovered"), 1) << log;

  // Everything acknowledged survives a restart.
  auto stopped = h_->Stop();
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  ASSERT_TRUE(Start().ok()) << h_->log();
  EXPECT_EQ(VerifiedHistory(), acked);
}

}  // namespace
}  // namespace keytrail
