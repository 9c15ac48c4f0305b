// The follower over TilesLogClient, against a static tile server made in the
// test (testing/static_tile_server.h) serving a FakeLog's tiles
// (testing/tile_objects.h): it audits the log from tiles alone; tiles that
// do not hash to the signed checkpoint (a changed entry, a garbage entry, a
// changed hash tile) stop it from advancing with no evidence and no alarm,
// and once the server serves the right bytes again it goes on.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/tiles/tile_path.h"
#include "gtest/gtest.h"
#include "monitor/follower.h"
#include "monitor/tiles_log_client.h"
#include "testing/fake_log.h"
#include "testing/process.h"
#include "testing/static_tile_server.h"
#include "testing/tile_objects.h"

namespace keytrail::monitor {
namespace {

using fakes::FakeLog;
using fakes::PlainKeySet;
using keytrail::test::StaticTileServer;
using keytrail::test::TileObjects;

constexpr uint64_t kT = FakeLog::kGenesisTimeMs;

class TilesFollowerTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = keytrail::test::TempDir(testing::UnitTest::GetInstance()->current_test_info()->name());
    // Epochs of 120 updates: sizes cross bundle and tile boundaries.
    for (int e = 1; e <= 3; ++e) Grow(e);
    FollowerOptions o;
    o.log.set_origin(log_.signer().name());
    o.log.set_note_verifier_key(log_.signer().VerifierKey());
    o.log.set_tiles_url(server_.url());
    o.log.set_poll_interval_ms(20);
    o.db_dir = dir_ + "/db";
    o.evidence_dir = dir_ + "/evidence";
    o.rpc_timeout = absl::Seconds(5);
    o.clock = [] { return kT + 60000; };
    TilesLogClientOptions c;
    c.base_url = server_.url();
    auto client = TilesLogClient::Create(std::move(c));
    ASSERT_TRUE(client.ok()) << client.status();
    auto f = Follower::Create(o, *std::move(client));
    ASSERT_TRUE(f.ok()) << f.status();
    follower_ = *std::move(f);
  }
  // One more epoch, published as a log server does: tiles, then checkpoint.
  void Grow(int e) {
    for (int i = 0; i < 120; ++i) {
      log_.Update(absl::StrCat("account ", (i * e) % 150), PlainKeySet({"phone"}));
    }
    log_.CloseEpoch(kT + e);
    server_.Put(TileObjects(Entries()));
    server_.Put("checkpoint", log_.SignedCheckpoint());
  }
  std::vector<std::string> Entries() const {
    std::vector<std::string> out;
    for (uint64_t i = 0; i < log_.size(); ++i) out.push_back(log_.Entry(i));
    return out;
  }
  void ExpectStuckWithoutAlarm(uint64_t at) {
    absl::Status s = follower_->Step();
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
    v1::LogStatus status = follower_->Status();
    EXPECT_EQ(status.verified_size(), at);
    EXPECT_EQ(status.evidence_size(), 0);
    EXPECT_NE(status.state(), v1::LogStatus::MISBEHAVING) << status.DebugString();
  }

  std::string dir_;
  FakeLog log_;
  StaticTileServer server_;
  std::unique_ptr<Follower> follower_;
};

TEST_F(TilesFollowerTest, AuditsTheLogFromTilesAlone) {
  ASSERT_TRUE(follower_->Step().ok()) << follower_->Status().DebugString();
  EXPECT_EQ(follower_->Status().verified_size(), log_.size());
  EXPECT_EQ(follower_->Status().state(), v1::LogStatus::OK);
  Grow(4);
  ASSERT_TRUE(follower_->Step().ok()) << follower_->Status().DebugString();
  EXPECT_EQ(follower_->Status().verified_size(), log_.size());
  EXPECT_TRUE(
      follower_->CheckAudited(log_.SignedCheckpoint(), log_.Checkpoint(), absl::Now()).ok());
}

TEST_F(TilesFollowerTest, TilesThatDoNotHashToTheCheckpointAreNotEvidence) {
  ASSERT_TRUE(follower_->Step().ok());
  const uint64_t audited = log_.size();
  Grow(4);
  const std::vector<std::string> honest = Entries();
  const uint64_t n = audited / tiles::kTileWidth;
  const uint64_t end = std::min<uint64_t>(log_.size(), (n + 1) * tiles::kTileWidth);
  // First (while the new checkpoint is still to be judged), a changed
  // level-0 hash tile at the audited size: the consistency proof from the
  // audited checkpoint to the new one, made from it, fails.
  const std::string tile = tiles::HashTilePath(0, n, static_cast<int>(end - n * tiles::kTileWidth));
  std::string bytes = TileObjects(honest).at(tile);
  for (char& b : bytes) b ^= 1;
  server_.Put(tile, bytes);
  ExpectStuckWithoutAlarm(audited);
  server_.Put(TileObjects(honest));
  // The new epoch's first bundle, with one entry changed, then with garbage
  // (which breaks a rule, but no inclusion proof places it in the log).
  const std::string path = tiles::EntryBundlePath(n, static_cast<int>(end - n * tiles::kTileWidth));
  for (const std::string& replacement : {honest[audited + 1] + "", std::string("garbage")}) {
    std::vector<std::string> bad = honest;
    bad[audited] = replacement;
    server_.Put(path, TileObjects(bad).at(path));
    ExpectStuckWithoutAlarm(audited);
  }
  server_.Put(TileObjects(honest));
  ASSERT_TRUE(follower_->Step().ok()) << follower_->Status().DebugString();
  EXPECT_EQ(follower_->Status().verified_size(), log_.size());
  EXPECT_EQ(follower_->Status().evidence_size(), 0);
}

}  // namespace
}  // namespace keytrail::monitor
