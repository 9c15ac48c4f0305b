#include "core/crypto/ed25519.h"

#include <fstream>
#include <set>
#include <string>

#include "core/bytes/encoding.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace keytrail {
namespace {

std::string Unhex(absl::string_view h) { return HexDecode(h).value(); }

// RFC 8032 section 7.1, TEST 2 (one-byte message).
TEST(Ed25519Test, Rfc8032Vector) {
  auto key = Ed25519PrivateKey::FromSeed(
      Unhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"));
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

// ---- Strict keys and signatures (docs/PROTOCOL.md) ----

nlohmann::json StrictVectors() {
  std::ifstream in("core/crypto/testdata/ed25519_strict.json");
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(doc.is_discarded()) << "cannot read the vectors";
  return doc;
}

// Regression (issue 9, bug 4): the identity point as an account key, with
// R = identity and S = 0, "signed" every message (OpenSSL and BoringSSL
// accept both).
TEST(Ed25519StrictTest, RejectsTheForgedIdentityKeyAndSignature) {
  nlohmann::json v = StrictVectors()["forged_identity"];
  const std::string key = Unhex(v["key"].get<std::string>());
  const std::string sig = Unhex(v["signature"].get<std::string>());
  auto parsed = Ed25519PublicKey::FromBytes(key);
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("small-order"), std::string::npos) << parsed.status();
  EXPECT_FALSE(IsStrictEd25519SignatureEncoding(sig));
}

TEST(Ed25519StrictTest, RejectsEverySmallOrderKey) {
  nlohmann::json doc = StrictVectors();
  int n = 0;
  for (const char* list : {"small_order_keys", "small_order_non_canonical_keys"}) {
    for (const auto& hex : doc[list]) {
      const std::string key = Unhex(hex.get<std::string>());
      EXPECT_FALSE(CheckEd25519PublicKeyEncoding(key).ok()) << hex;
      EXPECT_FALSE(Ed25519PublicKey::FromBytes(key).ok()) << hex;
      ++n;
    }
  }
  EXPECT_EQ(n, 14);
  // The 8 canonical ones are rejected for their order, not their encoding.
  for (const auto& hex : doc["small_order_keys"]) {
    absl::Status s = CheckEd25519PublicKeyEncoding(Unhex(hex.get<std::string>()));
    EXPECT_NE(s.message().find("small-order"), std::string::npos) << hex << " " << s;
  }
}

TEST(Ed25519StrictTest, RejectsNonCanonicalKeys) {
  nlohmann::json doc = StrictVectors();
  ASSERT_EQ(doc["non_canonical_keys"].size(), 34u);
  for (const auto& hex : doc["non_canonical_keys"]) {
    absl::Status s = CheckEd25519PublicKeyEncoding(Unhex(hex.get<std::string>()));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << hex;
    EXPECT_NE(s.message().find("not canonically encoded"), std::string::npos) << s;
  }
}

TEST(Ed25519StrictTest, RejectsPointsOffTheCurve) {
  // y = 2 and y = 7 give x^2 = (y^2 - 1)/(d y^2 + 1) with no square root.
  for (int y : {2, 7}) {
    std::string key(32, '\0');
    key[0] = static_cast<char>(y);
    absl::Status s = CheckEd25519PublicKeyEncoding(key);
    EXPECT_NE(s.message().find("not a point on the curve"), std::string::npos) << y << s;
  }
  // y = 3 is on the curve, of large order: accepted, with either sign of x.
  std::string key(32, '\0');
  key[0] = 3;
  EXPECT_TRUE(CheckEd25519PublicKeyEncoding(key).ok());
  key[31] = static_cast<char>(0x80);
  EXPECT_TRUE(CheckEd25519PublicKeyEncoding(key).ok());
}

// Every y below 300 against a list made by an independent computation
// (Python: x^2 = (y^2 - 1) * inverse(d y^2 + 1), then Euler's criterion, with
// d = -121665 / 121666 mod 2^255 - 19): the y whose x^2 is a square.
TEST(Ed25519StrictTest, OnCurveAgreesWithAReferenceForSmallY) {
  const std::set<int> on_curve = {
      0,   1,   3,   4,   5,   6,   9,   10,  14,  15,  16,  18,  19,  21,  23,  24,  25,  26,  27,
      28,  29,  30,  32,  33,  35,  37,  39,  40,  42,  43,  44,  48,  51,  52,  54,  55,  56,  57,
      58,  60,  61,  62,  63,  65,  67,  70,  75,  77,  78,  84,  85,  86,  87,  89,  90,  91,  97,
      100, 101, 102, 108, 111, 112, 116, 119, 120, 121, 127, 128, 129, 131, 133, 138, 139, 141, 143,
      144, 149, 150, 151, 160, 161, 162, 165, 166, 171, 172, 174, 176, 178, 180, 181, 183, 187, 191,
      192, 193, 195, 198, 200, 201, 203, 204, 209, 210, 212, 213, 214, 217, 218, 220, 221, 227, 232,
      234, 236, 237, 238, 239, 242, 246, 247, 248, 250, 251, 252, 254, 255, 256, 257, 262, 263, 265,
      269, 270, 275, 278, 279, 281, 288, 289, 291, 293, 294, 295, 296, 297, 298, 299};
  ASSERT_EQ(on_curve.size(), 149u);
  for (int y = 0; y < 300; ++y) {
    std::string key(32, '\0');
    key[0] = static_cast<char>(y & 0xff);
    key[1] = static_cast<char>(y >> 8);
    absl::Status s = CheckEd25519PublicKeyEncoding(key);
    if (on_curve.count(y) == 0) {
      EXPECT_NE(s.message().find("not a point on the curve"), std::string::npos) << y << s;
    } else if (y <= 1) {  // (sqrt(-1), 0) has order 4, (0, 1) is the identity
      EXPECT_NE(s.message().find("small-order"), std::string::npos) << y << s;
    } else {
      EXPECT_TRUE(s.ok()) << y << s;
    }
  }
}

TEST(Ed25519StrictTest, RejectsSignaturesWithSAtLeastL) {
  nlohmann::json doc = StrictVectors();
  auto key = Ed25519PublicKey::FromBytes(Unhex(doc["valid"]["key"].get<std::string>()));
  ASSERT_TRUE(key.ok()) << key.status();
  const std::string message = Unhex(doc["valid"]["message"].get<std::string>());
  const std::string good = Unhex(doc["valid"]["signature"].get<std::string>());
  EXPECT_TRUE(IsStrictEd25519SignatureEncoding(good));
  EXPECT_TRUE(key->Verify(message, good));
  ASSERT_EQ(doc["s_ge_l"].size(), 3u);
  for (const auto& hex : doc["s_ge_l"]) {
    const std::string sig = Unhex(hex.get<std::string>());
    EXPECT_FALSE(IsStrictEd25519SignatureEncoding(sig)) << hex;
    EXPECT_FALSE(key->Verify(message, sig)) << hex;
  }
}

TEST(Ed25519StrictTest, RejectsNonCanonicalAndSmallOrderR) {
  Ed25519PrivateKey key = Ed25519PrivateKey::Generate();
  const std::string sig = key.Sign("m");
  nlohmann::json doc = StrictVectors();
  for (const char* list :
       {"small_order_keys", "small_order_non_canonical_keys", "non_canonical_keys"}) {
    for (const auto& hex : doc[list]) {
      const std::string bad = Unhex(hex.get<std::string>()) + sig.substr(32);
      EXPECT_FALSE(IsStrictEd25519SignatureEncoding(bad)) << list << " " << hex;
      EXPECT_FALSE(key.public_key().Verify("m", bad));
    }
  }
}

TEST(Ed25519StrictTest, AcceptsGeneratedKeysAndTheirSignatures) {
  for (int i = 0; i < 200; ++i) {
    Ed25519PrivateKey key = Ed25519PrivateKey::Generate();
    ASSERT_TRUE(CheckEd25519PublicKeyEncoding(key.public_key().bytes()).ok());
    const std::string sig = key.Sign("message");
    ASSERT_TRUE(IsStrictEd25519SignatureEncoding(sig));
    ASSERT_TRUE(key.public_key().Verify("message", sig));
  }
}

}  // namespace
}  // namespace keytrail
