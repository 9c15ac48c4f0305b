#include "log_server/tiles_http.h"

#include "core/tiles/tile_path.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace {

// A store whose every Get returns `result`.
class FixedStore : public tiles::TileStore {
 public:
  explicit FixedStore(absl::StatusOr<std::string> result) : result_(std::move(result)) {}
  absl::Status Put(absl::string_view, absl::string_view, tiles::ObjectKind) override {
    return absl::UnimplementedError("read-only");
  }
  absl::StatusOr<std::string> Get(absl::string_view path) override {
    last_ = std::string(path);
    return result_;
  }
  std::string Describe() const override { return "fixed"; }
  std::string last_;

 private:
  absl::StatusOr<std::string> result_;
};

std::string Header(const http::ServerResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(ServeTilePathTest, StoreFailuresAreServerErrorsNotCached) {
  FixedStore down(absl::UnavailableError("s3 down"));
  http::ServerResponse r = ServeTilePath("/tile/0/000", down, 1000, nullptr);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(Header(r, "Retry-After"), "1");
  EXPECT_EQ(Header(r, "Cache-Control"), "no-store");
  FixedStore damaged(absl::DataLossError("too large"));
  r = ServeTilePath("/tile/0/000", damaged, 1000, nullptr);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(Header(r, "Cache-Control"), "no-store");
}

TEST(ServeTilePathTest, OnlyObjectsInsideThePublishedTreeReachTheStore) {
  FixedStore store(std::string("bytes"));
  // Tree of 600 entries: level 0 has tiles 0, 1 and 2.p/88; level 1 1 wide.
  for (const char* inside :
       {"/tile/0/000", "/tile/0/001", "/tile/0/002.p/88", "/tile/0/002.p/5", "/tile/1/000.p/2",
        "/tile/1/000.p/1", "/tile/entries/001", "/tile/entries/002.p/88", "/checkpoint"}) {
    store.last_.clear();
    http::ServerResponse r = ServeTilePath(inside, store, 600, nullptr);
    EXPECT_EQ(r.status, 200) << inside;
    EXPECT_EQ("/" + store.last_, inside);
  }
  for (const char* beyond :
       {"/tile/0/002", "/tile/0/002.p/89", "/tile/0/003.p/1", "/tile/1/000.p/3", "/tile/1/000",
        "/tile/2/000.p/1", "/tile/entries/002", "/tile/63/000.p/1",
        // Private bundles never, even when the store holds them.
        "/private/epoch/000/0", "/private/epoch/001/3"}) {
    store.last_.clear();
    http::ServerResponse r = ServeTilePath(beyond, store, 600, nullptr);
    EXPECT_EQ(r.status, 404) << beyond;
    EXPECT_EQ(store.last_, "") << beyond;
  }
  // Nothing is published yet: only the checkpoint path reaches the store.
  EXPECT_EQ(ServeTilePath("/tile/0/000.p/1", store, 0, nullptr).status, 404);
  EXPECT_EQ(ServeTilePath("/metrics", store, 0, nullptr).status, 404);
  EXPECT_EQ(ServeTilePath("/metrics", store, 0, [] { return std::string("m 1\n"); }).body, "m 1\n");
}

}  // namespace
}  // namespace keytrail
