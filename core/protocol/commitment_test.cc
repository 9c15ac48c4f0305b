#include "core/protocol/commitment.h"

#include <string>

#include "core/bytes/encoding.h"
#include "core/crypto/hmac.h"
#include "core/crypto/sha256.h"
#include "core/protocol/key_set.h"
#include "core/protocol/limits.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace {

std::string Unhex(absl::string_view hex) { return HexDecode(hex).value(); }

std::string Range(size_t n) {  // 00 01 02 ... (n bytes)
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(i));
  return s;
}

// The small key sets of key_set_test, as protocol_golden.py encodes them.
const char kPlainKeySetHex[] = "01000002066c6170746f700002aabb0570686f6e650003010203";
const char kSignedKeySetHex[] =
    "0101aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaa00010374616200010f5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
    "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
    "5a5a5a5a5a5a5a5a5a5a5a";

TEST(CommitmentKeyTest, IsTheHashInProtocolMd) {
  EXPECT_EQ(CommitmentKey(), HashString(Sha256Of("keytrail commitment key v1")));
  EXPECT_EQ(HexEncode(CommitmentKey()),
            "ddbfa8ee9abf43bc6562fa88c8977c295be5dbff0a0bd528795bd7fe624d9fa0");
}

// Golden values: output of core/protocol/testdata/protocol_golden.py
// (Python hashlib + hmac, sharing no code with keytrail).
TEST(CommitTest, GoldenValues) {
  KeySet plain{std::nullopt, {Device{"laptop", "\xaa\xbb"}, Device{"phone", "\x01\x02\x03"}}};
  std::string plain_encoding = EncodeKeySet(plain).value();
  ASSERT_EQ(HexEncode(plain_encoding), kPlainKeySetHex);

  absl::StatusOr<Hash> c1 = CommitKeySet(Range(32), "alice@example.com", 1, plain_encoding);
  ASSERT_TRUE(c1.ok()) << c1.status();
  EXPECT_EQ(HexEncode(HashView(*c1)),
            "e6454ea3846a3d0b4bae1ee17da04971456d66869db05978568cc988029a0188");

  // The longest opening and account, the largest version, the empty key set.
  absl::StatusOr<Hash> c2 = CommitKeySet(std::string(64, '\xff'), std::string(256, '\0'),
                                         UINT64_MAX, std::string("\x01\x00\x00\x00", 4));
  ASSERT_TRUE(c2.ok()) << c2.status();
  EXPECT_EQ(HexEncode(HashView(*c2)),
            "43f82e24335866c788dd2dc67eacc19e9d995a9d6a74d6db1ab6f265af6a712e");

  // The shortest opening and account, a key set with an account key.
  absl::StatusOr<Hash> c3 = CommitKeySet(Range(16), "b", 2, Unhex(kSignedKeySetHex));
  ASSERT_TRUE(c3.ok()) << c3.status();
  EXPECT_EQ(HexEncode(HashView(*c3)),
            "fa918150b663021248cd82b917c6710f5e8932a027f05d14c0cac4515b98f323");
}

TEST(CommitTest, MatchesOneShotHmacOfTheSpelledOutMessage) {
  std::string key_set = Unhex(kPlainKeySetHex);
  std::string message = std::string("\x10", 1) + Range(16) +      // opening
                        std::string("\x00\x03", 2) + "bob" +      // account
                        std::string("\0\0\0\0\0\0\x01\x02", 8) +  // version
                        key_set;
  EXPECT_EQ(CommitKeySet(Range(16), "bob", 258, key_set).value(),
            HmacSha256(CommitmentKey(), message));
}

TEST(CommitTest, EveryInputChangesTheCommitment) {
  std::string ks = Unhex(kPlainKeySetHex);
  Hash base = CommitKeySet(Range(32), "alice", 1, ks).value();
  EXPECT_NE(CommitKeySet(Range(33), "alice", 1, ks).value(), base);
  EXPECT_NE(CommitKeySet(Range(32), "alicf", 1, ks).value(), base);
  EXPECT_NE(CommitKeySet(Range(32), "alice", 2, ks).value(), base);
  EXPECT_NE(CommitKeySet(Range(32), "alice", 1, ks + "x").value(), base);
  // The length prefixes keep a byte from moving between opening and account.
  EXPECT_NE(CommitKeySet(Range(32) + "a", "lice", 1, ks).value(), base);
}

TEST(CommitTest, OpeningBounds) {
  std::string ks = Unhex(kPlainKeySetHex);
  for (size_t n : {size_t{0}, size_t{15}, size_t{65}, size_t{255}}) {
    absl::StatusOr<Hash> c = CommitKeySet(std::string(n, 'o'), "alice", 1, ks);
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << n;
    EXPECT_EQ(c.status().message(),
              "commitment: opening must be 16..64 bytes, got " + std::to_string(n));
  }
  EXPECT_TRUE(CommitKeySet(std::string(16, 'o'), "alice", 1, ks).ok());
  EXPECT_TRUE(CommitKeySet(std::string(64, 'o'), "alice", 1, ks).ok());
}

TEST(CommitTest, AccountBounds) {
  std::string ks = Unhex(kPlainKeySetHex);
  absl::StatusOr<Hash> c = CommitKeySet(Range(32), "", 1, ks);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message(), "commitment: account id: must be 1..256 bytes, got 0");
  c = CommitKeySet(Range(32), std::string(257, 'a'), 1, ks);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message(), "commitment: account id: must be 1..256 bytes, got 257");
  EXPECT_TRUE(CommitKeySet(Range(32), std::string(256, 'a'), 1, ks).ok());
}

TEST(CommitTest, VersionZeroAndOversizedKeySet) {
  std::string ks = Unhex(kPlainKeySetHex);
  absl::StatusOr<Hash> c = CommitKeySet(Range(32), "alice", 0, ks);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message(), "commitment: version must be >= 1, got 0");
  c = CommitKeySet(Range(32), "alice", 1, std::string(kMaxKeySetSize + 1, 'k'));
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message(), "commitment: key set must be at most 65536 bytes, got 65537");
  EXPECT_TRUE(CommitKeySet(Range(32), "alice", 1, std::string(kMaxKeySetSize, 'k')).ok());
}

TEST(VerifyCommitmentTest, AcceptsTheRightCommitmentOnly) {
  std::string ks = Unhex(kPlainKeySetHex);
  Hash c = CommitKeySet(Range(32), "alice", 7, ks).value();
  EXPECT_TRUE(VerifyCommitment(c, Range(32), "alice", 7, ks).ok());

  Hash flipped = c;
  flipped[31] ^= 1;
  absl::Status status = VerifyCommitment(flipped, Range(32), "alice", 7, ks);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "commitment: does not match the opening, account, version 7 and "
            "key set");
  EXPECT_EQ(VerifyCommitment(c, Range(32), "alice", 8, ks).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyCommitment(c, Range(32), "alicf", 7, ks).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyCommitment(c, Range(32), "alice", 7, ks + "x").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(VerifyCommitmentTest, PassesOnInputErrors) {
  Hash c{};
  absl::Status status = VerifyCommitment(c, std::string(15, 'o'), "alice", 1, "");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "commitment: opening must be 16..64 bytes, got 15");
}

}  // namespace
}  // namespace keytrail
