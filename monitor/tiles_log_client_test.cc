// TilesLogClient against a static tile server made in the test
// (testing/static_tile_server.h) serving a log built here
// (testing/tile_objects.h): entries and proofs equal RFC 6962's reference
// (core/merkle/reference.h) across full and partial tiles of several
// levels; partial tiles that were completed fall back to the full ones; and
// every way a server can misbehave is Unavailable naming the object.
#include "monitor/tiles_log_client.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/merkle/reference.h"
#include "core/tiles/tile_path.h"
#include "gtest/gtest.h"
#include "monitor/tiles_url.h"
#include "testing/static_tile_server.h"
#include "testing/tile_objects.h"

namespace keytrail::monitor {
namespace {

using keytrail::test::StaticTileServer;
using keytrail::test::TileObjects;

std::vector<std::string> MakeEntries(size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back(absl::StrCat("entry ", i, std::string(i % 7, 'x')));
  return out;
}

absl::Time Soon() { return absl::Now() + absl::Seconds(10); }

class TilesLogClientTest : public testing::Test {
 protected:
  // The log as published at each of `sizes` (partials of every size stay).
  void Publish(const std::vector<std::string>& entries, std::initializer_list<size_t> sizes) {
    for (size_t size : sizes) {
      server_.Put(TileObjects(absl::MakeConstSpan(entries).subspan(0, size)));
    }
  }
  std::unique_ptr<TilesLogClient> Client(size_t cache_objects = 64) {
    TilesLogClientOptions o;
    o.base_url = server_.url() + "/";
    o.parameters.max_epoch_age_ms = 1234;
    o.cache_objects = cache_objects;
    auto c = TilesLogClient::Create(std::move(o));
    EXPECT_TRUE(c.ok()) << c.status();
    return *std::move(c);
  }
  StaticTileServer server_;
};

TEST(TilesUrlTest, AcceptsHttpAndHttpsDropsTrailingSlash) {
  EXPECT_EQ(*NormalizeTilesUrl("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
  EXPECT_EQ(*NormalizeTilesUrl("https://cdn.example/log/a//"), "https://cdn.example/log/a");
  EXPECT_EQ(*NormalizeTilesUrl("http://[::1]:99/x"), "http://[::1]:99/x");
}

TEST(TilesUrlTest, RefusesWhatIsNotAPlainBaseUrl) {
  for (const char* bad :
       {"", "ftp://x/", "127.0.0.1:8080", "http://", "http:///tiles", "https://x/?a=b",
        "https://x/#top", "http://user:pw@x/", "http://x /", "HTTP://x", "http://:80/"}) {
    auto u = NormalizeTilesUrl(bad);
    EXPECT_EQ(u.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  TilesLogClientOptions o;
  o.base_url = "https://x/?a";
  EXPECT_EQ(TilesLogClient::Create(std::move(o)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(TilesLogClientTest, CheckpointIsTheObjectAsServed) {
  server_.Put("checkpoint", "example.org/log\n3\nAAAA\n\n— not checked here\n");
  auto c = Client();
  auto cp = c->Checkpoint(Soon());
  ASSERT_TRUE(cp.ok()) << cp.status();
  EXPECT_EQ(*cp, "example.org/log\n3\nAAAA\n\n— not checked here\n");
  EXPECT_EQ(c->Info(Soon())->max_epoch_age_ms, 1234u);
  server_.Remove("checkpoint");
  EXPECT_EQ(c->Checkpoint(Soon()).status().code(), absl::StatusCode::kUnavailable);
  server_.Put("checkpoint", std::string(300 * 1024, 'a'));
  EXPECT_EQ(c->Checkpoint(Soon()).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(TilesLogClientTest, EntriesFromFullAndPartialBundles) {
  const auto entries = MakeEntries(1000);
  Publish(entries, {300, 700, 1000});
  auto c = Client();
  // The follower's calls: 1000 at a time from any start, ending at a size.
  for (auto [start, count] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0, 1000}, {250, 750}, {600, 100}, {299, 1}, {999, 1}, {0, 300}, {256, 44}}) {
    uint64_t next = start;
    while (next < start + count) {
      auto got = c->Entries(next, start + count - next, Soon());
      ASSERT_TRUE(got.ok()) << start << "+" << count << ": " << got.status();
      ASSERT_FALSE(got->empty());
      for (const std::string& e : *got) EXPECT_EQ(e, entries[next++]);
    }
  }
}

TEST_F(TilesLogClientTest, APartialBundleCompletedSinceIsReadFromTheFullOne) {
  const auto entries = MakeEntries(600);
  Publish(entries, {600});
  auto c = Client(/*cache_objects=*/0);
  auto got = c->Entries(256, 44, Soon());
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 44u);
  EXPECT_EQ(got->front(), entries[256]);
  const std::vector<std::string> asked = server_.requests();
  EXPECT_EQ(asked.back(), tiles::EntryBundlePath(1, 256));
}

TEST_F(TilesLogClientTest, ProofsFromTilesEqualTheReference) {
  // Three tile levels: 65,536 leaves fill one level-1 tile.
  const auto entries = MakeEntries(70000);
  Publish(entries, {1, 255, 256, 257, 1000, 65535, 65536, 65537, 70000});
  auto c = Client();
  auto span = absl::MakeConstSpan(entries);
  for (uint64_t size : std::vector<uint64_t>{1, 257, 1000, 65536, 65537, 70000}) {
    for (uint64_t index : std::vector<uint64_t>{0, size / 3, size - 1}) {
      auto p = c->InclusionProof(index, size, Soon());
      ASSERT_TRUE(p.ok()) << index << " in " << size << ": " << p.status();
      EXPECT_EQ(*p, merkle::reference::PATH(index, span.subspan(0, size))) << index << " " << size;
    }
  }
  for (auto [m, n] : std::vector<std::pair<uint64_t, uint64_t>>{
           {1, 257}, {255, 1000}, {256, 65537}, {1000, 70000}, {65536, 70000}, {12345, 65536}}) {
    auto p = c->ConsistencyProof(m, n, Soon());
    ASSERT_TRUE(p.ok()) << m << " -> " << n << ": " << p.status();
    EXPECT_EQ(*p, merkle::reference::PROOF(m, span.subspan(0, n))) << m << " -> " << n;
  }
  EXPECT_GT(c->cache_hits(), 0u);
}

TEST_F(TilesLogClientTest, ProofsUseTheFullTileWhenThePartialWasSkipped) {
  const auto entries = MakeEntries(600);
  Publish(entries, {300, 600});
  // The log skips a partial tile the newest tree already has the full one of.
  server_.Remove(tiles::HashTilePath(0, 1, 44));
  auto c = Client();
  auto p = c->InclusionProof(260, 300, Soon());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(*p, merkle::reference::PATH(260, absl::MakeConstSpan(entries).subspan(0, 300)));
}

TEST_F(TilesLogClientTest, AMisbehavingServerIsUnavailableNamingTheObject) {
  const auto entries = MakeEntries(600);
  Publish(entries, {600});
  const std::string tile = tiles::HashTilePath(0, 0, 256);
  const std::string bundle = tiles::EntryBundlePath(0, 256);
  const std::string good_tile = TileObjects(entries).at(tile);
  const std::string good_bundle = TileObjects(entries).at(bundle);
  struct Case {
    std::string name, path, bytes;
    int status;
  };
  const std::vector<Case> cases = {
      {"tile one hash short", tile, good_tile.substr(0, good_tile.size() - 32), 0},
      {"tile truncated mid-hash", tile, good_tile.substr(0, good_tile.size() - 1), 0},
      {"tile with a trailing byte", tile, good_tile + "x", 0},
      {"bundle with a trailing byte", bundle, good_bundle + "x", 0},
      {"bundle truncated", bundle, good_bundle.substr(0, good_bundle.size() - 3), 0},
      {"tile 404", tile, "", 404},
      {"bundle 503", bundle, "", 503},
      {"tile 500", tile, "", 500},
      {"bundle redirect", bundle, "", 302},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    server_.Put(TileObjects(entries));
    if (k.status != 0) {
      server_.SetStatus(k.path, k.status);
    } else {
      server_.Put(k.path, k.bytes);
    }
    auto c = Client();  // a fresh cache
    absl::Status s = k.path == tile ? c->InclusionProof(3, 600, Soon()).status()
                                    : c->Entries(0, 256, Soon()).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
    EXPECT_NE(s.message().find(k.path), std::string::npos) << s;
    server_.SetStatus(k.path, 0);
  }
}

TEST_F(TilesLogClientTest, ASlowServerIsCutOffAtTheCallersDeadline) {
  const auto entries = MakeEntries(300);
  Publish(entries, {300});
  server_.Hold(tiles::EntryBundlePath(0, 256));
  auto c = Client();
  auto got = c->Entries(0, 10, absl::Now() + absl::Milliseconds(300));
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnavailable) << got.status();
  server_.Release();
  // A deadline already passed sends nothing.
  const size_t asked = server_.requests().size();
  EXPECT_EQ(c->Checkpoint(absl::Now() - absl::Seconds(1)).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(server_.requests().size(), asked);
}

TEST_F(TilesLogClientTest, TheCacheIsBoundedAndServesRepeats) {
  const auto entries = MakeEntries(70000);
  Publish(entries, {70000});
  // Leaf 5 of 70,000 needs two full tiles (0/0, 1/0) and partial ones
  // (never cached: they are read again).
  for (size_t cache : {size_t{64}, size_t{1}}) {
    SCOPED_TRACE(cache);
    auto c = Client(cache);
    ASSERT_TRUE(c->InclusionProof(5, 70000, Soon()).ok());
    const uint64_t fetched = c->fetches();
    EXPECT_GE(fetched, 3u);
    ASSERT_TRUE(c->InclusionProof(5, 70000, Soon()).ok());
    if (cache == 64) {
      EXPECT_EQ(c->cache_hits(), 2u);
      EXPECT_EQ(c->fetches(), 2 * fetched - 2);
    } else {
      EXPECT_EQ(c->cache_hits(), 0u);  // each full tile evicted the other
      EXPECT_EQ(c->fetches(), 2 * fetched);
    }
  }
}

}  // namespace
}  // namespace keytrail::monitor
