#include "core/crypto/ed25519.h"

#include "core/bytes/encoding.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace {

std::string Unhex(absl::string_view h) { return HexDecode(h).value(); }

// RFC 8032 section 7.1, TEST 2 (one-byte message).
TEST(Ed25519Test, Rfc8032Vector) {
  auto key = Ed25519PrivateKey::FromSeed(Unhex(
      "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(HexEncode(key->public_key().bytes()),
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
  std::string sig = key->Sign(Unhex("72"));
  EXPECT_EQ(HexEncode(sig),
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
            "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
  EXPECT_TRUE(key->public_key().Verify(Unhex("72"), sig));
}

TEST(Ed25519Test, RejectsTamperedSignaturesAndMessages) {
  Ed25519PrivateKey key = Ed25519PrivateKey::Generate();
  std::string sig = key.Sign("message");
  EXPECT_TRUE(key.public_key().Verify("message", sig));
  EXPECT_FALSE(key.public_key().Verify("messagE", sig));
  for (size_t i = 0; i < sig.size(); i += 9) {
    std::string bad = sig;
    bad[i] ^= 0x01;
    EXPECT_FALSE(key.public_key().Verify("message", bad)) << i;
  }
  EXPECT_FALSE(key.public_key().Verify("message", sig.substr(0, 63)));
  EXPECT_FALSE(key.public_key().Verify("message", sig + "x"));
  EXPECT_FALSE(key.public_key().Verify("message", ""));
  Ed25519PrivateKey other = Ed25519PrivateKey::Generate();
  EXPECT_FALSE(other.public_key().Verify("message", sig));
}

TEST(Ed25519Test, RejectsWrongSizes) {
  EXPECT_EQ(Ed25519PrivateKey::FromSeed("short").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Ed25519PublicKey::FromBytes(std::string(31, 'a')).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Ed25519PublicKey::FromBytes(std::string(33, 'a')).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Ed25519Test, CopiesShareTheKey) {
  Ed25519PrivateKey key = Ed25519PrivateKey::Generate();
  Ed25519PrivateKey copy = key;
  EXPECT_EQ(copy.public_key(), key.public_key());
  EXPECT_EQ(copy.Sign("x"), key.Sign("x"));
  auto again = Ed25519PrivateKey::FromSeed(key.seed());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->public_key(), key.public_key());
}

}  // namespace
}  // namespace keytrail
