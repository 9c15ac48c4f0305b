// The follower over TilesLogClient, against a static tile server made in the
// test (testing/static_tile_server.h) serving a FakeLog's tiles
// (testing/tile_objects.h): it audits the log from tiles alone; tiles that
// do not hash to the signed checkpoint (a changed entry, a garbage entry, a
// changed hash tile) stop it from advancing with no evidence and no alarm,
// and once the server serves the right bytes again it goes on. And a rogue
// log (a broken rule, a split view, a consistent rollback) gets the same
// status and byte-identical evidence over tiles as over gRPC.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/tiles/tile_path.h"
#include "gtest/gtest.h"
#include "monitor/follower.h"
#include "monitor/grpc_log_client.h"
#include "monitor/tiles_log_client.h"
#include "testing/fake_log.h"
#include "testing/fake_log_server.h"
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

// The same rogue log served over gRPC (testing/fake_log_server.h) and as
// tiles: a follower on each ends with the same status and byte-identical
// evidence, and a consistent rollback is no alarm on either.
class TilesAndGrpcAgreeTest : public testing::Test {
 protected:
  struct Side {
    std::string name;
    std::unique_ptr<Follower> follower;
  };
  void SetUp() override {
    for (int e = 1; e <= 3; ++e) {
      for (int i = 0; i < 40; ++i) {
        start_.Update(absl::StrCat("account ", (i * e) % 50), PlainKeySet({"phone"}));
      }
      start_.CloseEpoch(kT + e);
    }
    grpc_ = fakes::FakeLogServer::Start(start_).value();
  }
  void Serve(const FakeLog& l) {
    grpc_->Replace(l);
    std::vector<std::string> entries;
    for (uint64_t i = 0; i < l.size(); ++i) entries.push_back(l.Entry(i));
    tiles_.Put(TileObjects(entries));
    tiles_.Put("checkpoint", l.SignedCheckpoint());
  }
  std::vector<Side> Followers(const std::string& dir) {
    std::vector<Side> out;
    for (const char* name : {"tiles", "grpc"}) {
      FollowerOptions o;
      o.log.set_origin(start_.signer().name());
      o.log.set_note_verifier_key(start_.signer().VerifierKey());
      o.log.set_poll_interval_ms(20);
      std::filesystem::create_directories(absl::StrCat(dir, "/", name));
      o.db_dir = absl::StrCat(dir, "/", name, "/db");
      o.evidence_dir = absl::StrCat(dir, "/", name, "/evidence");
      o.rpc_timeout = absl::Seconds(5);
      o.clock = [] { return kT + 60000; };
      std::unique_ptr<LogClient> client;
      if (std::string(name) == "tiles") {
        TilesLogClientOptions c;
        c.base_url = tiles_.url();
        client = TilesLogClient::Create(std::move(c)).value();
      } else {
        client = std::make_unique<GrpcLogClient>(
            grpc::CreateChannel(grpc_->address(), grpc::InsecureChannelCredentials()));
      }
      auto f = Follower::Create(o, std::move(client));
      EXPECT_TRUE(f.ok()) << f.status();
      if (f.ok()) out.push_back({name, *std::move(f)});
    }
    return out;
  }
  // Steps both; they must agree on the step's code, the state, and the
  // evidence (summary and bytes).
  void ExpectAgree(std::vector<Side>& sides, v1::LogStatus::State want) {
    std::vector<absl::StatusCode> codes;
    std::vector<v1::LogStatus> statuses;
    for (Side& side : sides) {
      codes.push_back(side.follower->Step().code());
      statuses.push_back(side.follower->Status());
      EXPECT_EQ(statuses.back().state(), want) << side.name << statuses.back().DebugString();
    }
    ASSERT_EQ(statuses.size(), 2u);
    EXPECT_EQ(codes[0], codes[1]);
    EXPECT_EQ(statuses[0].verified_size(), statuses[1].verified_size());
    ASSERT_EQ(statuses[0].evidence_size(), statuses[1].evidence_size());
    for (int i = 0; i < statuses[0].evidence_size(); ++i) {
      EXPECT_EQ(statuses[0].evidence(i).summary(), statuses[1].evidence(i).summary());
      EXPECT_EQ(keytrail::test::ReadFile(statuses[0].evidence(i).file()),
                keytrail::test::ReadFile(statuses[1].evidence(i).file()));
    }
  }

  FakeLog start_;
  std::unique_ptr<fakes::FakeLogServer> grpc_;
  StaticTileServer tiles_;
};

TEST_F(TilesAndGrpcAgreeTest, OnABrokenRuleAForkAndARollback) {
  struct Case {
    std::string name;
    std::function<FakeLog(FakeLog)> rogue;
    v1::LogStatus::State want;
  };
  const std::vector<Case> cases = {
      {"update-wrong-version",
       [](FakeLog l) {
         fakes::UpdateOptions v;
         v.version = l.CurrentVersion("account 3") + 2;
         l.Update("account 3", PlainKeySet({"x"}), v);
         l.CloseEpoch(kT + 10);
         return l;
       },
       v1::LogStatus::MISBEHAVING},
      {"map-root-mismatch",
       [](FakeLog l) {
         l.Update("account 6", PlainKeySet({"x"}));
         fakes::EpochOptions e;
         e.map_root = Hash{7};
         l.CloseEpoch(kT + 10, e);
         return l;
       },
       v1::LogStatus::MISBEHAVING},
      {"split view: another epoch 4 of the same size",
       [this](FakeLog l) {
         // Both audit one epoch 4 first, then are shown the other.
         FakeLog other = l.Fork();
         l.Update("account 1", PlainKeySet({"a"}));
         l.CloseEpoch(kT + 10);
         Serve(l);
         other.Update("account 1", PlainKeySet({"b"}));
         other.CloseEpoch(kT + 10);
         return other;
       },
       v1::LogStatus::MISBEHAVING},
      {"rollback to a consistent older checkpoint",
       [](FakeLog l) {
         l.ServeAt(l.EpochEntryIndex(1) + 1);
         return l;
       },
       v1::LogStatus::OK},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string dir = keytrail::test::TempDir(absl::StrCat("agree_", &c - cases.data()));
    Serve(start_);
    std::vector<Side> sides = Followers(dir);
    ASSERT_EQ(sides.size(), 2u);
    ASSERT_NO_FATAL_FAILURE(ExpectAgree(sides, v1::LogStatus::OK));
    FakeLog rogue = c.rogue(start_);
    if (c.name.rfind("split", 0) == 0) {
      ASSERT_NO_FATAL_FAILURE(ExpectAgree(sides, v1::LogStatus::OK));
    }
    Serve(rogue);
    ASSERT_NO_FATAL_FAILURE(ExpectAgree(sides, c.want));
  }
}

}  // namespace
}  // namespace keytrail::monitor
