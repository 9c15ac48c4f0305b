// Tile publication with the real log_server binary:
//  - kill -9 in the middle of a stream of updates, twice: at every moment
//    (a reader polls the directory throughout) and after every restart the
//    published checkpoint's tiles and bundles are all there, verify, and
//    hold the log's entries; after each restart the log finishes what was
//    not published;
//  - a full tile store (a small tmpfs, needs root) delays publication,
//    turns the TilePublication health service NOT_SERVING, never blocks
//    updates, and publication catches up once space returns.
#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/tiles/directory_store.h"
#include "gtest/gtest.h"
#include "testing/health_check.h"
#include "testing/log_checks.h"
#include "testing/log_server_harness.h"
#include "testing/signed_checkpoint.h"
#include "testing/small_disk.h"
#include "testing/tile_checks.h"
#include "testing/tile_publication_load.h"

namespace keytrail {
namespace {

using test::LogServerHarness;

constexpr char kTilesService[] = "keytrail.v1.TilePublication";

class TilesE2eTest : public testing::Test {
 protected:
  void StartServer(const std::string& name, const std::string& tiles_dir) {
    auto h = LogServerHarness::Create(name);
    ASSERT_TRUE(h.ok()) << h.status();
    h_ = *std::move(h);
    tiles_dir_ = tiles_dir.empty() ? h_->path("tiles") : tiles_dir;
    ASSERT_TRUE(Restart().ok());
    grpc::ClientContext ctx;
    v1::GetLogInfoResponse info;
    ASSERT_TRUE(h_->stub().GetLogInfo(&ctx, {}, &info).ok());
    vkey_ = info.note_verifier_key();
  }
  absl::Status Restart() {
    return h_->Start({"--epoch_interval=10ms", "--tiles_dir=" + tiles_dir_,
                      "--tiles_retry_min=10ms", "--tiles_retry_max=200ms"});
  }

  absl::StatusOr<test::PublishedLog> ReadTiles() {
    // A store of its own each time: Open also removes temporary files,
    // which would race with the server's; read the files directly instead.
    return test::ReadPublishedLog(test::DirectoryFetch(tiles_dir_), vkey_);
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
  std::string tiles_dir_;
  std::string vkey_;
  std::atomic<uint64_t> acked_{0};
  int starts_ = 0;
};

TEST_F(TilesE2eTest, KillNineNeverLeavesACheckpointWithoutItsTiles) {
  StartServer("tiles-kill", "");
  std::atomic<uint64_t> checks{0};
  for (int round = 0; round < 2; ++round) {
    ++starts_;
    std::atomic<bool> stop{false};
    std::atomic<bool> reader_stop{false};
    std::vector<std::thread> threads;
    for (int w = 0; w < 3; ++w) threads.push_back(Writer(&stop, w));
    // A reader of the directory while it is written: every checkpoint it
    // sees must have all its tiles.
    std::thread reader([&] {
      while (!reader_stop.load()) {
        auto log = ReadTiles();
        if (log.ok()) {
          ++checks;
        } else if (!(absl::IsNotFound(log.status()) && log.status().message() == "checkpoint")) {
          ADD_FAILURE() << "published log does not check: " << log.status();
        }
        absl::SleepFor(absl::Milliseconds(3));
      }
    });
    // Kill mid-stream: after a while and after enough acknowledged updates
    // and reader checks, whatever the machine's load (a sanitized build on a
    // busy machine gets far fewer of either per second).
    const uint64_t acked_before = acked_.load();
    const absl::Time not_before = absl::Now() + absl::Milliseconds(1200 + 400 * round);
    const absl::Time give_up = absl::Now() + absl::Seconds(90);
    while (absl::Now() < give_up &&
           (absl::Now() < not_before || acked_.load() < acked_before + 60 ||
            checks.load() < 6 * static_cast<uint64_t>(round + 1))) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    h_->Kill();
    stop.store(true);
    for (auto& t : threads) t.join();
    reader_stop.store(true);
    reader.join();
    // As the kill left it.
    auto after_kill = ReadTiles();
    ASSERT_TRUE(after_kill.ok()) << after_kill.status();
    ASSERT_TRUE(Restart().ok()) << h_->log();
    // The restarted log publishes what it has (idempotently: immutable
    // tiles written before the kill are rewritten only if identical).
    WaitUntilPublished();
  }
  EXPECT_GT(acked_.load(), 100u);
  EXPECT_GT(checks.load(), 10u);
  // The published log is the log: its entries are those gRPC serves.
  auto log = ReadTiles();
  ASSERT_TRUE(log.ok()) << log.status();
  auto entries = test::FetchEntries(h_->stub(), log->checkpoint.size);
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_EQ(log->entries, *entries);
  EXPECT_TRUE(test::CheckWholeEpochs(log->entries).ok());
  EXPECT_TRUE(test::IsServing(h_->channel(), kTilesService));
  ASSERT_TRUE(h_->Stop().ok());
}

TEST_F(TilesE2eTest, AFullStoreDelaysPublicationButNotUpdates) {
  auto disk = test::SmallDisk::Mount(absl::StrCat(std::getenv("TEST_TMPDIR"), "/tiles-disk"), 2);
  if (!disk.ok()) GTEST_SKIP() << disk.status();
  StartServer("tiles-full", (*disk)->path() + "/tiles");
  ++starts_;
  WaitUntilPublished();
  ASSERT_TRUE((*disk)->Fill().ok());
  std::atomic<bool> stop{false};
  std::thread writer = Writer(&stop, 0);
  // Publication fails and says so; the log itself stays healthy and keeps
  // acknowledging updates.
  EXPECT_TRUE(test::WaitForServing(h_->channel(), false, absl::Seconds(20), kTilesService))
      << h_->log();
  const uint64_t acked_before = acked_.load();
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_GT(acked_.load(), acked_before);
  EXPECT_TRUE(test::IsServing(h_->channel()));
  auto stale = ReadTiles();
  ASSERT_TRUE(stale.ok()) << stale.status();
  auto newest = h_->Checkpoint(true);
  ASSERT_TRUE(newest.ok());
  EXPECT_LT(stale->checkpoint.size, test::CheckpointOf(*newest).size);
  EXPECT_NE(h_->log().find("disk full"), std::string::npos);
  stop.store(true);
  writer.join();
  // Space returns: publication catches up by itself.
  ASSERT_TRUE((*disk)->Free().ok());
  EXPECT_TRUE(test::WaitForServing(h_->channel(), true, absl::Seconds(20), kTilesService));
  WaitUntilPublished();
  ASSERT_TRUE(h_->Stop().ok());
}

}  // namespace
}  // namespace keytrail
