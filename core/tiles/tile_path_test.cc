#include "core/tiles/tile_path.h"

#include <map>

#include "gtest/gtest.h"

namespace keytrail {
namespace tiles {
namespace {

TEST(TilePathTest, EncodesAsTheSpecSays) {
  // The examples of c2sp.org/tlog-tiles and of Go's sumdb/tlog (tile.go).
  EXPECT_EQ(HashTilePath(0, 1234067, 256), "tile/0/x001/x234/067");
  EXPECT_EQ(HashTilePath(4, 1234067, 8), "tile/4/x001/x234/067.p/8");
  EXPECT_EQ(HashTilePath(0, 0, 256), "tile/0/000");
  EXPECT_EQ(HashTilePath(1, 999, 1), "tile/1/999.p/1");
  EXPECT_EQ(HashTilePath(1, 1000, 255), "tile/1/x001/000.p/255");
  EXPECT_EQ(HashTilePath(63, 0, 1), "tile/63/000.p/1");
  EXPECT_EQ(EntryBundlePath(1234067, 256), "tile/entries/x001/x234/067");
  EXPECT_EQ(EntryBundlePath(5, 7), "tile/entries/005.p/7");
  EXPECT_EQ(HashTilePath(0, UINT64_MAX, 256), "tile/0/x018/x446/x744/x073/x709/x551/615");
  EXPECT_EQ(ObjectPath(ObjectId{}), "checkpoint");
}

TEST(TilePathTest, ParsesEveryCanonicalPathBack) {
  for (int level : {0, 1, 9, 63}) {
    for (uint64_t index :
         {uint64_t{0}, uint64_t{7}, uint64_t{999}, uint64_t{1000}, uint64_t{1234067}, UINT64_MAX}) {
      for (int width : {1, 100, 255, 256}) {
        for (ObjectType type : {ObjectType::kHashTile, ObjectType::kEntryBundle}) {
          ObjectId id{type, type == ObjectType::kHashTile ? level : 0, index, width};
          auto parsed = ParseObjectPath(ObjectPath(id));
          ASSERT_TRUE(parsed.ok()) << ObjectPath(id) << ": " << parsed.status();
          EXPECT_TRUE(*parsed == id) << ObjectPath(id);
        }
      }
    }
  }
  auto checkpoint = ParseObjectPath("checkpoint");
  ASSERT_TRUE(checkpoint.ok());
  EXPECT_EQ(checkpoint->type, ObjectType::kCheckpoint);
}

TEST(TilePathTest, RejectsEveryNonCanonicalPath) {
  for (const char* bad : {"",
                          "/",
                          "tile",
                          "tile/",
                          "tile/0",
                          "tile/0/",
                          "/tile/0/000",
                          "tile/0/000/",
                          "tile//000",
                          "tile/00/000",
                          "tile/01/000",
                          "tile/+1/000",
                          "tile/-1/000",
                          "tile/64/000",
                          "tile/100/000",
                          "tile/a/000",
                          "tile/0/00",
                          "tile/0/0000",
                          "tile/0/1",
                          "tile/0/x001",
                          "tile/0/001/000",
                          "tile/0/x000/001",
                          "tile/0/x001/x000",
                          "tile/0/X001/000",
                          "tile/0/xx01/000",
                          "tile/0/x01/000",
                          "tile/0/000.p",
                          "tile/0/000.p/",
                          "tile/0/000.p/0",
                          "tile/0/000.p/256",
                          "tile/0/000.p/01",
                          "tile/0/000.p/+1",
                          "tile/0/000.p/1/",
                          "tile/0/000.p/1.p/1",
                          "tile/0/000.q/1",
                          "tile/0/x000.p/1",
                          "tile/0/x001.p/1/000",
                          "tile/entries",
                          "tile/entries/",
                          "tile/entries/0",
                          "tile/entries/x000/000",
                          "tile/entries/000.p/256",
                          "tile/Entries/000",
                          "tile/data/000",
                          "tile/8/0/000",
                          "tile/0/x018/x446/x744/x073/x709/x551/616",       // 2^64
                          "tile/0/x001/x018/x446/x744/x073/x709/x551/615",  // too many groups
                          "tile/0/99a",
                          "tile/0/ 000",
                          "tile/0/000\n",
                          "checkpoint/",
                          "Checkpoint",
                          "tile/0/../000",
                          "./tile/0/000"}) {
    auto parsed = ParseObjectPath(bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << "\"" << bad << "\"";
  }
  // A NUL inside the path is not a shorter path.
  EXPECT_FALSE(ParseObjectPath(absl::string_view("tile/0/000\0", 11)).ok());
}

// The tlog-tiles text's example: a tree of 70,000 entries is 273 full level-0
// tiles, a partial level-0 tile of width 112, one full level-1 tile, a
// partial level-1 tile of width 17 and a partial level-2 tile of width 1.
TEST(TilePathTest, NewObjectsOfTheSpecExample) {
  std::vector<ObjectId> all = NewObjects(0, 70000);
  std::map<std::pair<int, bool>, std::vector<ObjectId>> by;  // (level, partial)
  auto at = [&by](int level, bool partial) -> std::vector<ObjectId>& {
    return by[std::make_pair(level, partial)];
  };
  size_t bundles = 0;
  for (const ObjectId& id : all) {
    if (id.type == ObjectType::kEntryBundle) {
      ++bundles;
      continue;
    }
    at(id.level, id.partial()).push_back(id);
  }
  EXPECT_EQ(bundles, 274u);
  EXPECT_EQ(at(0, false).size(), 273u);
  ASSERT_EQ(at(0, true).size(), 1u);
  EXPECT_EQ(at(0, true)[0].width, 112);
  EXPECT_EQ(at(0, true)[0].index, 273u);
  EXPECT_EQ(at(1, false).size(), 1u);
  ASSERT_EQ(at(1, true).size(), 1u);
  EXPECT_EQ(at(1, true)[0].width, 17);
  ASSERT_EQ(at(2, true).size(), 1u);
  EXPECT_EQ(at(2, true)[0].width, 1);
  EXPECT_EQ(by.size(), 5u);
  // 256 entries: one full level-0 tile and a level-1 tile of width 1.
  std::vector<ObjectId> t256 = NewObjects(0, 256);
  ASSERT_EQ(t256.size(), 3u);
  EXPECT_EQ(ObjectPath(t256[0]), "tile/entries/000");
  EXPECT_EQ(ObjectPath(t256[1]), "tile/0/000");
  EXPECT_EQ(ObjectPath(t256[2]), "tile/1/000.p/1");
  EXPECT_TRUE(NewObjects(0, 0).empty());
  EXPECT_TRUE(NewObjects(300, 300).empty());
}

TEST(TilePathTest, NewObjectsAcrossEpochsCoverEveryTileOnce) {
  // Growing in steps publishes each full tile exactly once, and at every
  // step exactly the tiles ExistsInTree says a tree of that size has.
  std::map<std::string, int> full_seen;
  uint64_t size = 0;
  for (uint64_t step : {1, 254, 1, 1, 300, 65000, 1, 65536, 7}) {
    const uint64_t next = size + step;
    for (const ObjectId& id : NewObjects(size, next)) {
      EXPECT_TRUE(ExistsInTree(id, next)) << ObjectPath(id) << " at " << next;
      if (!id.partial()) ++full_seen[ObjectPath(id)];
    }
    size = next;
  }
  for (const auto& [path, n] : full_seen) EXPECT_EQ(n, 1) << path;
  // Every full tile of the final tree was published.
  size_t want_full = size / 256 + size / 256 + size / 65536;  // bundles, level 0, level 1
  EXPECT_EQ(full_seen.size(), want_full);
}

TEST(TilePathTest, PrivateBundlePaths) {
  EXPECT_EQ(PrivateBundlePath(0, 0), "private/epoch/000/0");
  EXPECT_EQ(PrivateBundlePath(1234067, 12), "private/epoch/x001/x234/067/12");
  for (uint64_t epoch : {uint64_t{0}, uint64_t{999}, uint64_t{1000}, UINT64_MAX}) {
    for (uint32_t part : {0u, 1u, 10u, kMaxPrivatePart}) {
      auto id = ParseObjectPath(PrivateBundlePath(epoch, part));
      ASSERT_TRUE(id.ok()) << id.status();
      EXPECT_EQ(id->type, ObjectType::kPrivateBundle);
      EXPECT_EQ(id->index, epoch);
      EXPECT_EQ(id->part, part);
      EXPECT_FALSE(id->partial());
      EXPECT_FALSE(ExistsInTree(*id, UINT64_MAX));  // not part of the public tree
    }
  }
  EXPECT_FALSE(ObjectId{} == (ObjectId{ObjectType::kPrivateBundle, 0, 0, 256, 1}));
  EXPECT_FALSE((ObjectId{ObjectType::kPrivateBundle, 0, 0, 256, 0}) ==
               (ObjectId{ObjectType::kPrivateBundle, 0, 0, 256, 1}));
  for (const char* bad :
       {"private/epoch", "private/epoch/", "private/epoch/000", "private/epoch/1/0",
        "private/epoch/0001/0", "private/epoch/x000/001/0", "private/epoch/000.p/5",
        "private/epoch/000/00", "private/epoch/000/01", "private/epoch/000/-1",
        "private/epoch/000/1000000000", "private/epoch/000/", "private/epoch/000/0/",
        "private/epochs/000/0", "private/000/0", "Private/epoch/000/0", "private/epoch//0",
        "private/epoch/000/0x1"}) {
    EXPECT_FALSE(ParseObjectPath(bad).ok()) << bad;
  }
}

TEST(TilePathTest, ExistsInTree) {
  auto tile = [](int level, uint64_t index, int width) {
    return ObjectId{ObjectType::kHashTile, level, index, width};
  };
  EXPECT_TRUE(ExistsInTree(tile(0, 0, 256), 256));
  EXPECT_FALSE(ExistsInTree(tile(0, 0, 255), 256));  // the full one replaces it
  EXPECT_FALSE(ExistsInTree(tile(0, 1, 256), 256));
  EXPECT_TRUE(ExistsInTree(tile(1, 0, 1), 256));
  EXPECT_FALSE(ExistsInTree(tile(1, 0, 2), 256));
  EXPECT_FALSE(ExistsInTree(tile(2, 0, 1), 256));
  EXPECT_TRUE(ExistsInTree(tile(0, 2, 3), 515));
  EXPECT_FALSE(ExistsInTree(tile(0, 2, 4), 515));
  EXPECT_FALSE(ExistsInTree(tile(0, 0, 1), 0));
  EXPECT_FALSE(ExistsInTree(tile(63, 0, 1), UINT64_MAX));
  EXPECT_TRUE(ExistsInTree(tile(7, 0, 255), UINT64_MAX));
}

}  // namespace
}  // namespace tiles
}  // namespace keytrail
