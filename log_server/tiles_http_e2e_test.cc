// The real log_server serving its tiles over HTTP (--tiles_listen), checked
// with curl: paths, partial tiles, 404 beyond the tree and for anything
// tlog-tiles does not define, caching headers, HEAD, 405, /metrics; and the
// published log read back over HTTP verifies.
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/tiles/tile_path.h"
#include "core/util/file.h"
#include "gtest/gtest.h"
#include "testing/curl.h"
#include "testing/log_server_harness.h"
#include "testing/signed_checkpoint.h"
#include "testing/tile_checks.h"

namespace keytrail {
namespace {

using test::Curl;
using test::CurlResponse;

constexpr char kImmutable[] = "public, max-age=604800, immutable";
constexpr char kShort[] = "public, max-age=5";

class TilesHttpE2eTest : public testing::Test {
 protected:
  void SetUp() override {
    auto h = test::LogServerHarness::Create("tiles-http");
    ASSERT_TRUE(h.ok()) << h.status();
    h_ = *std::move(h);
    // Empty epochs every 5 ms: the log passes 256 entries in a few seconds.
    ASSERT_TRUE(
        h_->Start({"--epoch_interval=5ms", "--max_epoch_age=5ms", "--tiles_listen=127.0.0.1:0",
                   "--tiles_port_file=" + h_->path("tiles_port")})
            .ok());
    auto port = ReadFileToString(h_->path("tiles_port"), 100);
    ASSERT_TRUE(port.ok());
    base_ = absl::StrCat("http://127.0.0.1:", absl::StripTrailingAsciiWhitespace(*port));
    grpc::ClientContext ctx;
    v1::GetLogInfoResponse info;
    ASSERT_TRUE(h_->stub().GetLogInfo(&ctx, {}, &info).ok());
    vkey_ = info.note_verifier_key();
  }
  void TearDown() override {
    if (h_) (void)h_->Stop();
  }
  CurlResponse Get(const std::string& path, std::vector<std::string> args = {}) {
    auto r = Curl(base_ + path, args);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : CurlResponse{};
  }

  std::unique_ptr<test::LogServerHarness> h_;
  std::string base_;
  std::string vkey_;
};

TEST_F(TilesHttpE2eTest, ServesTheTlogTilesWithTheirCachingHeaders) {
  // Wait for a published checkpoint past one full tile (256 entries).
  CurlResponse checkpoint;
  for (int i = 0; i < 300; ++i) {
    checkpoint = Get("/checkpoint");
    if (checkpoint.status == 200 && test::CheckpointOf(checkpoint.body).size > 300) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_EQ(checkpoint.status, 200);
  // Stop growing, so that what we read holds still.
  auto stopped = h_->Stop();
  ASSERT_TRUE(stopped.ok()) << stopped.status() << "\n" << h_->log();
  ASSERT_TRUE(h_->Start({"--epoch_interval=1h", "--max_epoch_age=1h", "--tiles_listen=127.0.0.1:0",
                         "--tiles_port_file=" + h_->path("tiles_port")})
                  .ok());
  base_ = absl::StrCat("http://127.0.0.1:", absl::StripTrailingAsciiWhitespace(
                                                *ReadFileToString(h_->path("tiles_port"), 100)));
  for (int i = 0; i < 200; ++i) {  // the restart publishes the last epoch
    checkpoint = Get("/checkpoint");
    if (checkpoint.status == 200 && test::CheckpointOf(checkpoint.body).size ==
                                        test::CheckpointOf(*h_->Checkpoint(true)).size) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  const uint64_t size = test::CheckpointOf(checkpoint.body).size;
  ASSERT_EQ(size, test::CheckpointOf(*h_->Checkpoint(true)).size);
  ASSERT_GT(size, 256u);
  EXPECT_EQ(checkpoint.Header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(checkpoint.Header("cache-control"), kShort);

  // The whole published log over HTTP verifies (signature, every tile and
  // bundle of this size, the root).
  auto log = test::ReadPublishedLog(
      [this](const std::string& path) -> absl::StatusOr<std::string> {
        auto r = Curl(base_ + "/" + path);
        if (!r.ok()) return r.status();
        if (r->status == 404) return absl::NotFoundError(path);
        if (r->status != 200) return absl::UnknownError(absl::StrCat(path, ": ", r->status));
        return r->body;
      },
      vkey_);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(log->entries.size(), size);

  // A full tile and bundle: immutable.
  CurlResponse full = Get("/tile/0/000");
  EXPECT_EQ(full.status, 200);
  EXPECT_EQ(full.body.size(), 8192u);
  EXPECT_EQ(full.Header("content-type"), "application/octet-stream");
  EXPECT_EQ(full.Header("cache-control"), kImmutable);
  CurlResponse bundle = Get("/tile/entries/000");
  EXPECT_EQ(bundle.status, 200);
  EXPECT_EQ(bundle.Header("cache-control"), kImmutable);

  // The partial tiles of this size: short-lived.
  const int w0 = static_cast<int>(size % 256);
  const std::string partial = tiles::HashTilePath(0, size / 256, w0);
  if (w0 > 0) {
    CurlResponse p = Get("/" + partial);
    EXPECT_EQ(p.status, 200) << partial;
    EXPECT_EQ(p.body.size(), 32u * w0);
    EXPECT_EQ(p.Header("cache-control"), kShort);
    CurlResponse pb = Get("/" + tiles::EntryBundlePath(size / 256, w0));
    EXPECT_EQ(pb.status, 200);
    EXPECT_EQ(pb.Header("cache-control"), kShort);
  }
  CurlResponse level1 = Get("/" + tiles::HashTilePath(1, 0, static_cast<int>(size / 256)));
  EXPECT_EQ(level1.status, 200);
  EXPECT_EQ(level1.body.size(), 32u * (size / 256));

  // HEAD: the headers and length, no body.
  CurlResponse head = Get("/tile/0/000", {"-I"});
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("content-length"), "8192");
  EXPECT_EQ(head.Header("cache-control"), kImmutable);
  // (curl -I writes the headers where the body would go: no tile bytes.)
  EXPECT_EQ(head.body.find(full.body.substr(0, 64)), std::string::npos);
  EXPECT_LT(head.body.size(), 1000u);

  // Beyond the tree: 404, not cached.
  for (const std::string& beyond :
       {tiles::HashTilePath(0, size / 256 + 1, 256), tiles::HashTilePath(0, size / 256, 256),
        tiles::HashTilePath(0, size / 256, w0 == 255 ? 255 : w0 + 1),
        tiles::EntryBundlePath(size / 256 + 1, 1), tiles::HashTilePath(2, 0, 1),
        tiles::HashTilePath(63, 0, 1)}) {
    CurlResponse r = Get("/" + beyond);
    EXPECT_EQ(r.status, 404) << beyond;
    EXPECT_EQ(r.Header("cache-control"), "no-store") << beyond;
  }
  // Anything tlog-tiles does not define: 404.
  for (const char* bad :
       {"/", "/tile/0/0", "/tile/0/000/", "/tile/../checkpoint", "/tile/0/../../checkpoint",
        "/.tmp/1", "/tile/00/000", "/tile/0/x000/001", "/checkpoint.tmp", "/tile/0/000.p/0"}) {
    EXPECT_EQ(Get(bad).status, 404) << bad;
  }
  // Only GET and HEAD.
  EXPECT_EQ(Get("/checkpoint", {"-X", "POST", "--data", "x"}).status, 405);
  EXPECT_EQ(Get("/tile/0/000", {"-X", "PUT", "--data", "x"}).status, 405);

  // The publisher's metrics.
  CurlResponse metrics = Get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find(absl::StrCat("keytrail_log_tiles_published_size ", size, "\n")),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("keytrail_log_tiles_failing 0\n"), std::string::npos);
}

}  // namespace
}  // namespace keytrail
