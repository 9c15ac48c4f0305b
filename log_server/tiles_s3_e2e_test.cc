// Tile publication to S3 with the real log_server binary and a real S3
// server (Ceph's radosgw on loopback, testing/radosgw.h; the tests skip
// where it is not installed), as tiles_e2e_test.cc does for the directory:
//  - kill -9 in the middle of a stream of updates: at every moment (a
//    reader polls the bucket throughout) and after the restart the published
//    checkpoint's tiles and bundles are all there and verify; the restarted
//    log finishes what was not published (create-only PUTs of identical
//    tiles are success);
//  - the gateway stopped: publication is delayed and retried, the
//    TilePublication health service says NOT_SERVING, updates keep being
//    acknowledged; the gateway started again: publication catches up;
//  - bad S3 flags stop the server at start with one line.
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/crypto/ecvrf.h"
#include "core/keys/key_file.h"
#include "core/replica/private_bundle.h"
#include "core/tiles/s3_store.h"
#include "core/tiles/tile_path.h"
#include "gtest/gtest.h"
#include "testing/health_check.h"
#include "testing/log_checks.h"
#include "testing/log_server_harness.h"
#include "testing/private_bundle_checks.h"
#include "testing/radosgw.h"
#include "testing/signed_checkpoint.h"
#include "testing/tile_checks.h"
#include "testing/tile_publication_load.h"

namespace keytrail {
namespace {

using test::LogServerHarness;
using test::Radosgw;

constexpr char kTilesService[] = "keytrail.v1.TilePublication";

class TilesS3E2eTest : public ::keytrail::test::RadosgwTest {
 protected:
  // The flags that publish to the bucket under `prefix`.
  std::vector<std::string> S3Flags(const std::string& prefix, mode_t mode = 0600) {
    const std::string credentials = h_->path("s3.credentials");
    ::unlink(credentials.c_str());
    { std::ofstream(credentials) << gw_->access_key() << ":" << gw_->secret_key() << "\n"; }
    ::chmod(credentials.c_str(), mode);
    return {"--tiles_s3_endpoint=" + gw_->endpoint(), "--tiles_s3_bucket=" + gw_->bucket(),
            "--tiles_s3_prefix=" + prefix, "--tiles_s3_credentials_file=" + credentials};
  }

  // `extra(h)`: more flags, made once the harness (and its directory) exists.
  void StartServer(
      const std::string& name,
      const std::function<std::vector<std::string>(LogServerHarness&)>& extra = nullptr) {
    auto h = LogServerHarness::Create(name);
    ASSERT_TRUE(h.ok()) << h.status();
    h_ = *std::move(h);
    prefix_ = name;
    flags_ = S3Flags(prefix_);
    flags_.insert(flags_.end(),
                  {"--epoch_interval=10ms", "--tiles_retry_min=10ms", "--tiles_retry_max=200ms"});
    if (extra) {
      const std::vector<std::string> more = extra(*h_);
      flags_.insert(flags_.end(), more.begin(), more.end());
    }
    ASSERT_TRUE(h_->Start(flags_).ok()) << h_->log();
    grpc::ClientContext ctx;
    v1::GetLogInfoResponse info;
    ASSERT_TRUE(h_->stub().GetLogInfo(&ctx, {}, &info).ok());
    vkey_ = info.note_verifier_key();
    tiles::S3StoreConfig c;
    c.endpoint = gw_->endpoint();
    c.bucket = gw_->bucket();
    c.prefix = prefix_;
    c.credentials_file = h_->path("s3.credentials");
    auto store = tiles::S3TileStore::Open(c);
    ASSERT_TRUE(store.ok()) << store.status();
    reader_ = *std::move(store);
  }

  // The published log as a reader of the bucket sees it.
  absl::StatusOr<test::PublishedLog> ReadTiles() {
    tiles::S3TileStore* store = reader_.get();
    return test::ReadPublishedLog([store](const std::string& path) { return store->Get(path); },
                                  vkey_);
  }

  // Updates of fresh accounts until `stop`; counts acknowledgements.
  std::thread Writer(std::atomic<bool>* stop, int id) {
    return test::StartUpdateWriter(h_.get(), id, starts_, stop, &acked_);
  }

  // Waits until the published checkpoint is the log's newest one.
  void WaitUntilPublished() {
    absl::Status caught_up = test::WaitUntilTilesCaughtUp(*h_, [this] { return ReadTiles(); });
    ASSERT_TRUE(caught_up.ok()) << caught_up << "\n" << h_->log();
  }

  std::unique_ptr<LogServerHarness> h_;
  std::unique_ptr<tiles::S3TileStore> reader_;
  std::string prefix_;
  std::vector<std::string> flags_;
  std::string vkey_;
  std::atomic<uint64_t> acked_{0};
  int starts_ = 0;
};

TEST_F(TilesS3E2eTest, KillNineNeverLeavesACheckpointWithoutItsTiles) {
  StartServer("s3-kill");
  ++starts_;
  std::atomic<bool> stop{false};
  std::atomic<bool> reader_stop{false};
  std::atomic<uint64_t> checks{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 3; ++w) threads.push_back(Writer(&stop, w));
  // A reader of the bucket while it is written: every checkpoint it sees
  // must have all its tiles.
  std::thread reader([&] {
    while (!reader_stop.load()) {
      auto log = ReadTiles();
      if (log.ok()) {
        checks.fetch_add(1);
      } else if (!absl::IsNotFound(log.status()) ||
                 log.status().message().find("checkpoint") == std::string::npos) {
        ADD_FAILURE() << "published log does not check: " << log.status();
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
  });
  absl::SleepFor(absl::Milliseconds(2000));
  h_->Kill();
  stop.store(true);
  for (auto& t : threads) t.join();
  reader_stop.store(true);
  reader.join();
  auto after_kill = ReadTiles();
  ASSERT_TRUE(after_kill.ok()) << after_kill.status();
  ++starts_;
  ASSERT_TRUE(h_->Start(flags_).ok()) << h_->log();
  WaitUntilPublished();
  EXPECT_GT(acked_.load(), 50u);
  EXPECT_GT(checks.load(), 5u);
  // The published log is the log: its entries are those gRPC serves.
  auto log = ReadTiles();
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_GE(log->checkpoint.size, after_kill->checkpoint.size);
  auto entries = test::FetchEntries(h_->stub(), log->checkpoint.size);
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_EQ(log->entries, *entries);
  EXPECT_TRUE(test::IsServing(h_->channel(), kTilesService));
  ASSERT_TRUE(h_->Stop().ok());
}

TEST_F(TilesS3E2eTest, AStoreOutageDelaysPublicationButNotUpdates) {
  StartServer("s3-outage");
  ++starts_;
  WaitUntilPublished();
  auto before = ReadTiles();
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_TRUE(gw_->StopGateway().ok());
  std::atomic<bool> stop{false};
  std::thread writer = Writer(&stop, 0);
  // Publication fails and says so; the log itself stays healthy and keeps
  // acknowledging updates.
  EXPECT_TRUE(test::WaitForServing(h_->channel(), false, absl::Seconds(20), kTilesService))
      << h_->log();
  const uint64_t acked_before = acked_.load();
  absl::SleepFor(absl::Milliseconds(1000));
  EXPECT_GT(acked_.load(), acked_before);
  EXPECT_TRUE(test::IsServing(h_->channel()));
  stop.store(true);
  writer.join();
  auto newest = h_->Checkpoint(true);
  ASSERT_TRUE(newest.ok());
  EXPECT_GT(test::CheckpointOf(*newest).size, before->checkpoint.size);
  EXPECT_NE(h_->log().find("S3 PUT"), std::string::npos) << h_->log();
  // The gateway returns: publication catches up by itself.
  ASSERT_TRUE(gw_->StartGateway().ok());
  EXPECT_TRUE(test::WaitForServing(h_->channel(), true, absl::Seconds(30), kTilesService))
      << h_->log();
  WaitUntilPublished();
  auto log = ReadTiles();
  ASSERT_TRUE(log.ok()) << log.status();
  auto entries = test::FetchEntries(h_->stub(), log->checkpoint.size);
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_EQ(log->entries, *entries);
  ASSERT_TRUE(h_->Stop().ok());
}

TEST_F(TilesS3E2eTest, BadS3FlagsStopTheServerAtStart) {
  auto h = LogServerHarness::Create("s3-flags");
  ASSERT_TRUE(h.ok()) << h.status();
  h_ = *std::move(h);
  // A credentials file others can read.
  EXPECT_FALSE(h_->Start(S3Flags("p", 0644)).ok());
  EXPECT_NE(h_->log().find("s3.credentials"), std::string::npos) << h_->log();
  EXPECT_EQ(h_->log().find(gw_->secret_key()), std::string::npos) << h_->log();
  // S3 and a directory at once.
  std::vector<std::string> both = S3Flags("p");
  both.push_back("--tiles_dir=" + h_->path("tiles"));
  EXPECT_FALSE(h_->Start(both).ok());
  EXPECT_NE(h_->log().find("exclude each other"), std::string::npos) << h_->log();
  // A bucket without an endpoint.
  EXPECT_FALSE(h_->Start({"--tiles_s3_bucket=b"}).ok());
  EXPECT_NE(h_->log().find("need --tiles_s3_endpoint"), std::string::npos) << h_->log();
  // Private bundles: without a replica key, or onto the tiles' own prefix.
  std::vector<std::string> no_key = S3Flags("p");
  no_key.push_back("--private_s3_prefix=q");
  EXPECT_FALSE(h_->Start(no_key).ok());
  EXPECT_NE(h_->log().find("need --replica_key_file"), std::string::npos) << h_->log();
  const std::string key = h_->path("replica.key");
  ASSERT_TRUE(WritePrivateKeyFile(key, replica::ReplicaKey::GenerateFileContents()).ok());
  std::vector<std::string> same = S3Flags("p");
  same.insert(same.end(), {"--replica_key_file=" + key, "--private_s3_prefix=p"});
  EXPECT_FALSE(h_->Start(same).ok());
  EXPECT_NE(h_->log().find("must differ from --tiles_s3_prefix"), std::string::npos) << h_->log();
}

// The private epoch bundles for read replicas in the same bucket under a
// prefix of their own (docs/REPLICAS.md): every part of every epoch is
// there, opens with the replica key and matches the public entries.
TEST_F(TilesS3E2eTest, PrivateBundlesGoToTheirOwnPrefix) {
  StartServer("s3-private", [](LogServerHarness& h) -> std::vector<std::string> {
    const std::string key = h.path("replica.key");
    EXPECT_TRUE(WritePrivateKeyFile(key, replica::ReplicaKey::GenerateFileContents()).ok());
    return {"--replica_key_file=" + key, "--private_s3_prefix=s3-private-replicas"};
  });
  ++starts_;
  std::atomic<bool> stop{false};
  std::thread writer = Writer(&stop, 0);
  while (acked_.load() < 200) absl::SleepFor(absl::Milliseconds(10));
  stop = true;
  writer.join();
  WaitUntilPublished();
  auto log = ReadTiles();
  ASSERT_TRUE(log.ok()) << log.status();

  tiles::S3StoreConfig c;
  c.endpoint = gw_->endpoint();
  c.bucket = gw_->bucket();
  c.prefix = "s3-private-replicas";
  c.credentials_file = h_->path("s3.credentials");
  auto private_store = tiles::S3TileStore::Open(c);
  ASSERT_TRUE(private_store.ok()) << private_store.status();
  grpc::ClientContext ctx;
  v1::GetLogInfoResponse info;
  ASSERT_TRUE(h_->stub().GetLogInfo(&ctx, {}, &info).ok());
  auto vrf = VrfPublicKey::FromBytes(info.vrf_public_key());
  ASSERT_TRUE(vrf.ok());
  auto key = replica::ReplicaKey::FromFile(h_->path("replica.key"), false);
  ASSERT_TRUE(key.ok()) << key.status();
  tiles::S3TileStore* store = private_store->get();
  auto checked = test::CheckPublishedPrivateBundles(
      *log, [store](const std::string& path) { return store->Get(path); }, *key,
      LogServerHarness::kOrigin, *vrf);
  ASSERT_TRUE(checked.ok()) << checked.status();
  EXPECT_GE(*checked, 200u);
  // Nothing private under the public tiles' prefix.
  EXPECT_TRUE(absl::IsNotFound(reader_->Get(tiles::PrivateBundlePath(1, 0)).status()));
  auto stopped = h_->Stop();
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(*stopped, 0);
}

}  // namespace
}  // namespace keytrail
