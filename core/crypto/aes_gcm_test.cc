#include "core/crypto/aes_gcm.h"

#include <string>

#include "core/bytes/encoding.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace {

std::string Hex(absl::string_view h) {
  auto out = HexDecode(h);
  EXPECT_TRUE(out.ok()) << h;
  return out.ok() ? *out : std::string();
}

// The AES-256-GCM test cases of McGrew and Viega's GCM specification (test
// cases 13-16; the same values are in NIST's gcmEncryptExtIV256.rsp).
TEST(AesGcmTest, PublishedVectors) {
  const std::string zero_key(32, '\0');
  const std::string zero_nonce(12, '\0');
  // Test case 13: empty plaintext.
  EXPECT_EQ(HexEncode(Aes256GcmSeal(zero_key, zero_nonce, "", "")),
            "530f8afbc74536b9a963b4f1c4cb738b");
  // Test case 14: one zero block.
  EXPECT_EQ(HexEncode(Aes256GcmSeal(zero_key, zero_nonce, std::string(16, '\0'), "")),
            "cea7403d4d606b6e074ec5d3baf39d18"
            "d0d1c8a799996bf0265b98b5d48ab919");
  // Test case 16: with additional data and a 60-byte plaintext.
  const std::string key = Hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  const std::string nonce = Hex("cafebabefacedbaddecaf888");
  const std::string plaintext =
      Hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
          "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
  const std::string aad = Hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const std::string sealed = Aes256GcmSeal(key, nonce, plaintext, aad);
  EXPECT_EQ(HexEncode(sealed),
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
            "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
            "76fc6ece0f4e1768cddf8853bb2d551b");
  auto opened = Aes256GcmOpen(key, nonce, sealed, aad);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, plaintext);
}

TEST(AesGcmTest, AnyChangeFailsAuthentication) {
  const std::string key(32, 'k');
  const std::string nonce(12, 'n');
  const std::string sealed = Aes256GcmSeal(key, nonce, "private bytes", "aad");
  ASSERT_TRUE(Aes256GcmOpen(key, nonce, sealed, "aad").ok());
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] ^= 1;
    auto opened = Aes256GcmOpen(key, nonce, bad, "aad");
    EXPECT_EQ(opened.status().code(), absl::StatusCode::kInvalidArgument) << i;
  }
  EXPECT_FALSE(Aes256GcmOpen(std::string(32, 'K'), nonce, sealed, "aad").ok());
  EXPECT_FALSE(Aes256GcmOpen(key, std::string(12, 'N'), sealed, "aad").ok());
  EXPECT_FALSE(Aes256GcmOpen(key, nonce, sealed, "aae").ok());
  EXPECT_FALSE(Aes256GcmOpen(key, nonce, sealed, "").ok());
  EXPECT_FALSE(Aes256GcmOpen(key, nonce, sealed.substr(0, sealed.size() - 1), "aad").ok());
  EXPECT_FALSE(Aes256GcmOpen(key, nonce, sealed + "x", "aad").ok());
  EXPECT_FALSE(Aes256GcmOpen(key, nonce, sealed.substr(0, 15), "aad").ok());
  EXPECT_FALSE(Aes256GcmOpen(key, nonce, "", "aad").ok());
}

}  // namespace
}  // namespace keytrail
