// End to end with the real binaries: a log_server publishing its tiles and
// serving them itself (--tiles_listen), pushing every epoch to two real
// monitors and requiring both cosignatures (--required_cosignatures=2).
// Monitor "tiles" names only the log's tiles URL in its config (no gRPC
// address): it replays the log from the tiles, reaches the log's size and
// cosigns what it is pushed (the log's served checkpoint carries its
// cosignature, so it audited up to the pushed size from tiles published
// before the push). Monitor "grpc" follows the same log over gRPC; both
// end with the same status. Cheap: a few epochs of a few updates.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "core/note/cosignature.h"
#include "core/note/note.h"
#include "core/util/file.h"
#include "gtest/gtest.h"
#include "proto/log_service.grpc.pb.h"
#include "testing/log_server_harness.h"
#include "testing/monitor_harness.h"
#include "testing/process.h"
#include "testing/signed_checkpoint.h"

namespace keytrail::monitor {
namespace {

using keytrail::test::CheckpointOf;
using keytrail::test::LogServerHarness;
using keytrail::test::MonitorHarness;

class TilesFollowE2eTest : public testing::Test {
 protected:
  void SetUp() override {
    auto h = LogServerHarness::Create("tiles_follow");
    ASSERT_TRUE(h.ok()) << h.status();
    log_ = *std::move(h);
    // First alone, for its ports (kept across the restart below).
    ASSERT_TRUE(
        log_->Start({"--tiles_listen=127.0.0.1:0", "--tiles_port_file=" + log_->path("tiles_port")})
            .ok())
        << log_->log();
    log_port_ = log_->port();
    auto port = ReadFileToString(log_->path("tiles_port"), 100);
    ASSERT_TRUE(port.ok()) << port.status();
    tiles_port_ = std::string(absl::StripTrailingAsciiWhitespace(*port));
    grpc::ClientContext ctx;
    ASSERT_TRUE(log_->stub().GetLogInfo(&ctx, {}, &info_).ok());
    ASSERT_TRUE(log_->Stop().ok());

    for (const char* name : {"tiles", "grpc"}) {
      monitors_.push_back(std::make_unique<MonitorHarness>(
          keytrail::test::TempDir(absl::StrCat("tiles_follow_", name)),
          absl::StrCat("monitor.example/", name)));
      v1::FollowedLog l;
      l.set_origin(info_.origin());
      l.set_note_verifier_key(info_.note_verifier_key());
      l.set_poll_interval_ms(50);
      if (std::string(name) == "tiles") {
        l.set_tiles_url(absl::StrCat("http://127.0.0.1:", tiles_port_, "/"));
      } else {
        l.set_grpc_address(absl::StrCat("127.0.0.1:", log_port_));
      }
      monitors_.back()->AddLog(l);
      ASSERT_NO_FATAL_FAILURE(monitors_.back()->Start());
      auto key = note::ParseCosignatureVerifierKey(monitors_.back()->cosigner_key());
      ASSERT_TRUE(key.ok()) << key.status();
      keys_.push_back(*key);
    }
    std::vector<std::string> monitors;
    for (const auto& m : monitors_) {
      monitors.push_back(absl::StrCat(m->name(), "=", m->url(), "=", m->cosigner_key()));
    }
    absl::Status s =
        log_->Start({absl::StrCat("--listen=127.0.0.1:", log_port_),
                     absl::StrCat("--tiles_listen=127.0.0.1:", tiles_port_),
                     "--monitors=" + absl::StrJoin(monitors, ","), "--required_cosignatures=2"});
    ASSERT_TRUE(s.ok()) << s << log_->log();
  }
  void TearDown() override {
    if (log_) (void)log_->Stop();
  }

  void Update(const std::string& account, uint64_t version) {
    absl::Status s = log_->UpdateOnePhone(account, version);
    ASSERT_TRUE(s.ok()) << s;
  }

  bool CosignedByBoth(const std::string& note_text) {
    for (const note::CosignatureVerifier& k : keys_) {
      const note::NoteVerifier* v[] = {&k};
      if (!note::OpenNote(note_text, v).ok()) return false;
    }
    return true;
  }

  // Waits until the log serves a checkpoint of >= size with both
  // cosignatures; returns its size (0 and a failure on timeout).
  uint64_t WaitCosigned(uint64_t size) {
    std::string cp;
    for (const absl::Time end = absl::Now() + absl::Seconds(30); absl::Now() < end;) {
      auto served = log_->Checkpoint(false);
      if (served.ok()) cp = *served;
      if (!cp.empty() && CheckpointOf(cp).size >= size && CosignedByBoth(cp)) {
        return CheckpointOf(cp).size;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    ADD_FAILURE() << "no checkpoint of size " << size << " cosigned by both; last:\n"
                  << cp << "\nlog server:\n"
                  << log_->log() << "\nmonitor tiles:\n"
                  << monitors_[0]->log();
    return 0;
  }

  std::unique_ptr<LogServerHarness> log_;
  int log_port_ = 0;
  std::string tiles_port_;
  v1::GetLogInfoResponse info_;
  std::vector<std::unique_ptr<MonitorHarness>> monitors_;
  std::vector<note::CosignatureVerifier> keys_;
};

TEST_F(TilesFollowE2eTest, AMonitorOnTilesAloneAuditsAndCosignsWhatItIsPushed) {
  for (uint64_t round = 1; round <= 3; ++round) {
    for (const char* account : {"alice", "bob", "carol"}) {
      ASSERT_NO_FATAL_FAILURE(Update(absl::StrCat(account, round % 2), (round + 1) / 2));
    }
    auto newest = log_->Checkpoint(true);
    ASSERT_TRUE(newest.ok()) << newest.status();
    const uint64_t size = CheckpointOf(*newest).size;
    ASSERT_GE(WaitCosigned(size), size);
  }
  const uint64_t size = CheckpointOf(*log_->Checkpoint(false)).size;
  for (const auto& m : monitors_) {
    SCOPED_TRACE(m->name());
    const v1::GetStatusResponse status = m->Status();
    ASSERT_EQ(status.logs_size(), 1);
    EXPECT_GE(status.logs(0).verified_size(), size) << m->log();
    EXPECT_EQ(status.logs(0).state(), v1::LogStatus::OK) << m->log();
    EXPECT_EQ(status.logs(0).evidence_size(), 0) << m->log();
    EXPECT_FALSE(absl::StrContains(m->log(), "MISBEHAVING")) << m->log();
  }
  EXPECT_TRUE(absl::StrContains(monitors_[0]->log(), "following tiles at http://127.0.0.1:"))
      << monitors_[0]->log();
}

}  // namespace
}  // namespace keytrail::monitor
