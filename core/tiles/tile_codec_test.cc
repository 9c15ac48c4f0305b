#include "core/tiles/tile_codec.h"

#include "core/merkle/compact_range.h"
#include "core/merkle/hasher.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace tiles {
namespace {

std::vector<Hash> Leaves(int n) {
  std::vector<Hash> out;
  for (int i = 0; i < n; ++i) out.push_back(merkle::HashLeaf(std::string(1, char(i))));
  return out;
}

TEST(HashTileTest, RoundTripsEveryWidthAndIsTheHashesConcatenated) {
  std::vector<Hash> leaves = Leaves(256);
  for (int w : {1, 2, 255, 256}) {
    auto bytes = EncodeHashTile(absl::MakeConstSpan(leaves).subspan(0, w));
    ASSERT_TRUE(bytes.ok());
    ASSERT_EQ(bytes->size(), 32u * w);
    EXPECT_EQ(bytes->substr(32, w > 1 ? 32 : 0),
              w > 1 ? std::string(leaves[1].begin(), leaves[1].end()) : "");
    auto parsed = ParseHashTile(*bytes, w);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, std::vector<Hash>(leaves.begin(), leaves.begin() + w));
  }
}

TEST(HashTileTest, RejectsWrongLengthsAndWidths) {
  auto bytes = EncodeHashTile(Leaves(3));
  ASSERT_TRUE(bytes.ok());
  for (size_t cut = 0; cut < bytes->size(); ++cut) {
    EXPECT_EQ(ParseHashTile(bytes->substr(0, cut), 3).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(ParseHashTile(*bytes + "x", 3).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseHashTile(*bytes, 2).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseHashTile(*bytes, 4).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseHashTile("", 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseHashTile(std::string(257 * 32, 'a'), 257).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeHashTile({}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeHashTile(Leaves(257)).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(EntryBundleTest, FramesEachEntryWithABigEndianUint16Length) {
  std::vector<std::string> entries = {"", "a", std::string(300, 'z')};
  auto bytes = EncodeEntryBundle(entries);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, std::string("\x00\x00", 2) +
                        std::string("\x00\x01"
                                    "a",
                                    3) +
                        std::string("\x01\x2c", 2) + std::string(300, 'z'));
  auto parsed = ParseEntryBundle(*bytes, 3);
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ((*parsed)[i], entries[i]);
}

TEST(EntryBundleTest, RejectsTruncationTrailingBytesAndWrongCounts) {
  std::vector<std::string> entries = {"abc", "de"};
  auto bytes = EncodeEntryBundle(entries);
  ASSERT_TRUE(bytes.ok());
  for (size_t cut = 0; cut < bytes->size(); ++cut) {
    EXPECT_EQ(ParseEntryBundle(bytes->substr(0, cut), 2).status().code(),
              absl::StatusCode::kInvalidArgument)
        << cut;
  }
  EXPECT_EQ(ParseEntryBundle(*bytes + std::string(1, '\0'), 2).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseEntryBundle(*bytes, 1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseEntryBundle(*bytes, 3).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseEntryBundle(*bytes, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseEntryBundle(*bytes, 257).status().code(), absl::StatusCode::kInvalidArgument);
  // A length that points past the end.
  EXPECT_EQ(ParseEntryBundle(std::string("\xff\xff"
                                         "ab",
                                         4),
                             1)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeEntryBundle({}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeEntryBundle(std::vector<std::string>(257, "a")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeEntryBundle({std::string(65536, 'a')}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(EncodeEntryBundle({std::string(65535, 'a')}).ok());
}

TEST(FullTileRootTest, IsTheRootOfTheSubtreeOverTheTilesHashes) {
  // Checked against the compact range (an independent path through the
  // RFC 6962 tree code): the root of 256 leaves is the level-8 node.
  std::vector<Hash> leaves = Leaves(256);
  merkle::CompactRange range;
  for (const Hash& h : leaves) range.Append(h);
  EXPECT_EQ(FullTileRoot(leaves), range.Root());
}

TEST(SubtreeRootTest, IsTheRootOfEveryPowerOfTwoRunOfHashes) {
  for (int n = 1; n <= 256; n *= 2) {
    std::vector<Hash> leaves = Leaves(n);
    merkle::CompactRange range;
    for (const Hash& h : leaves) range.Append(h);
    EXPECT_EQ(SubtreeRoot(leaves), range.Root()) << n << " hashes";
  }
}

}  // namespace
}  // namespace tiles
}  // namespace keytrail
