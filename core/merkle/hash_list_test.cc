#include "core/merkle/hash_list.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace keytrail {
namespace merkle {
namespace {

std::vector<Hash> Hashes(int n) {
  std::vector<Hash> hashes(n);
  for (int i = 0; i < n; ++i) {
    for (size_t j = 0; j < kHashSize; ++j) {
      hashes[i][j] = static_cast<uint8_t>(i * 32 + j);
    }
  }
  return hashes;
}

TEST(HashListTest, RoundTrip) {
  for (int n : {0, 1, 2, 64}) {
    const std::vector<Hash> hashes = Hashes(n);
    const std::string bytes = EncodeHashList(hashes);
    ASSERT_EQ(bytes.size(), n * kHashSize);
    absl::StatusOr<std::vector<Hash>> decoded = DecodeHashList(bytes, 64, "inclusion proof");
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, hashes);
  }
  // Concatenation in order, nothing else.
  const std::vector<Hash> two = Hashes(2);
  EXPECT_EQ(EncodeHashList(two), HashString(two[0]) + HashString(two[1]));
}

TEST(HashListTest, RejectsPartialHashes) {
  const std::string bytes = EncodeHashList(Hashes(3));
  for (size_t len = 0; len <= bytes.size(); ++len) {
    absl::StatusOr<std::vector<Hash>> decoded =
        DecodeHashList(absl::string_view(bytes).substr(0, len), 64, "proof");
    if (len % 32 == 0) {
      ASSERT_TRUE(decoded.ok()) << len;
      EXPECT_EQ(decoded->size(), len / 32);
    } else {
      EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
  EXPECT_EQ(DecodeHashList(bytes.substr(0, 33), 64, "consistency proof").status().message(),
            "consistency proof: 33 bytes is not a whole number of 32-byte "
            "hashes");
}

TEST(HashListTest, RejectsTooMany) {
  const std::string bytes = EncodeHashList(Hashes(5));
  EXPECT_TRUE(DecodeHashList(bytes, 5, "proof").ok());
  absl::StatusOr<std::vector<Hash>> decoded = DecodeHashList(bytes, 4, "proof");
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(decoded.status().message(), "proof: 5 hashes, more than the limit of 4");
  EXPECT_EQ(DecodeHashList(bytes.substr(0, 32), 0, "proof").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(DecodeHashList("", 0, "proof").ok());
}

}  // namespace
}  // namespace merkle
}  // namespace keytrail
