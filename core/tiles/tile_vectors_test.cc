// keytrail's tile paths and encodings against testdata/tlog_tiles_vectors.json,
// made by Go's golang.org/x/mod/sumdb/tlog (see testdata/README.md): every
// object of a log of 258 entries, its path, size and bytes (hex, or SHA-256
// for the large ones), and the root.
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "core/bytes/encoding.h"
#include "core/crypto/sha256.h"
#include "core/merkle/compact_range.h"
#include "core/merkle/hasher.h"
#include "core/tiles/tile_codec.h"
#include "core/tiles/tile_path.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace keytrail {
namespace tiles {
namespace {

TEST(TileVectorsTest, OurObjectsAreGosTlogsByteForByte) {
  std::ifstream in("testdata/tlog_tiles_vectors.json");
  ASSERT_TRUE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json vectors = nlohmann::json::parse(text.str());
  const uint64_t size = vectors.at("tree_size").get<uint64_t>();
  ASSERT_EQ(size, 258u);

  // The log: "entry-0" .. "entry-257".
  std::vector<std::string> entries;
  std::vector<Hash> leaves;
  merkle::CompactRange range;
  for (uint64_t i = 0; i < size; ++i) {
    entries.push_back(absl::StrCat("entry-", i));
    leaves.push_back(merkle::HashLeaf(entries.back()));
    range.Append(leaves.back());
  }
  EXPECT_EQ(Base64Encode(HashString(range.Root())), vectors.at("root_base64").get<std::string>());

  // Our objects for this size, by path, each built by core/tiles.
  std::map<std::string, std::string> ours;
  for (const ObjectId& id : NewObjects(0, size)) {
    const uint64_t first = id.index * kTileWidth;
    if (id.type == ObjectType::kEntryBundle) {
      ours[ObjectPath(id)] = *EncodeEntryBundle(
          std::vector<std::string>(entries.begin() + first, entries.begin() + first + id.width));
    } else if (id.level == 0) {
      ours[ObjectPath(id)] = *EncodeHashTile(absl::MakeConstSpan(leaves).subspan(first, id.width));
    } else {
      ASSERT_EQ(id.level, 1);  // 258 entries: one level-1 hash
      ASSERT_EQ(id.width, 1);
      ours[ObjectPath(id)] =
          *EncodeHashTile({FullTileRoot(absl::MakeConstSpan(leaves).subspan(0, 256))});
    }
  }
  // Field by field: the same set of paths, sizes and bytes.
  ASSERT_EQ(vectors.at("objects").size(), ours.size());
  for (const nlohmann::json& o : vectors.at("objects")) {
    const std::string path = o.at("path").get<std::string>();
    auto parsed = ParseObjectPath(path);
    ASSERT_TRUE(parsed.ok()) << path;
    auto it = ours.find(path);
    ASSERT_TRUE(it != ours.end()) << "we do not publish " << path;
    EXPECT_EQ(it->second.size(), o.at("bytes").get<size_t>()) << path;
    if (o.contains("hex")) {
      EXPECT_EQ(HexEncode(it->second), o.at("hex").get<std::string>()) << path;
    } else {
      const Hash digest = Sha256Of(it->second);
      EXPECT_EQ(HexEncode(HashString(digest)), o.at("sha256").get<std::string>()) << path;
    }
    // And our parsers read Go's bytes back.
    if (parsed->type == ObjectType::kEntryBundle) {
      auto bundle = ParseEntryBundle(it->second, parsed->width);
      ASSERT_TRUE(bundle.ok());
      EXPECT_EQ((*bundle)[0], entries[parsed->index * 256]);
    } else {
      EXPECT_TRUE(ParseHashTile(it->second, parsed->width).ok()) << path;
    }
  }
}

}  // namespace
}  // namespace tiles
}  // namespace keytrail
