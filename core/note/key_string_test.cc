#include "core/note/key_string.h"

#include "core/bytes/encoding.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace note {
namespace {

// From the package documentation of Go's golang.org/x/mod/sumdb/note.
constexpr char kGoVkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr char kGoSkey[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr char kGoSeedB64Tail[] = "FALVFGyNhPJEMzD1QIDr";  // part of the secret

absl::StatusCode VkeyCode(absl::string_view vkey) {
  return ParseVerifierKeyString(vkey, kKeyTypeEd25519, 32, "vkey").status().code();
}

TEST(KeyStringTest, ParsesGoVerifierKeyAndRoundTrips) {
  auto k = ParseVerifierKeyString(kGoVkey, kKeyTypeEd25519, 32, "vkey");
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(k->name, "PeterNeumann");
  EXPECT_EQ(k->key_hash, 0xc74f20a3u);
  EXPECT_EQ(k->type, kKeyTypeEd25519);
  EXPECT_EQ(k->key.size(), 32u);
  EXPECT_EQ(KeyHash(k->name, k->type, k->key), 0xc74f20a3u);
  EXPECT_EQ(FormatVerifierKey(k->name, k->type, k->key), kGoVkey);
}

TEST(KeyStringTest, ParsesGoPrivateKeyAndRoundTrips) {
  auto k = ParsePrivateKeyString(kGoSkey, kKeyTypeEd25519, 32, "skey");
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(k->name, "PeterNeumann");
  EXPECT_EQ(k->key_hash, 0xc74f20a3u);
  EXPECT_EQ(FormatPrivateKey(k->name, k->key_hash, k->type, k->key), kGoSkey);
}

TEST(KeyStringTest, KeyHashDependsOnType) {
  std::string pub(32, '\x07');
  EXPECT_NE(KeyHash("n", kKeyTypeEd25519, pub), KeyHash("n", kKeyTypeCosignatureV1, pub));
  EXPECT_NE(KeyHash("n", kKeyTypeEd25519, pub), KeyHash("m", kKeyTypeEd25519, pub));
}

TEST(KeyStringTest, RejectsMalformedVerifierKeys) {
  const std::string b64 = "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
  EXPECT_EQ(VkeyCode(""), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VkeyCode("PeterNeumann"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VkeyCode("PeterNeumann+c74f20a3"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VkeyCode("+c74f20a3+" + b64), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VkeyCode("Peter Neumann+c74f20a3+" + b64), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VkeyCode("PeterNeumann+C74F20A3+" + b64),  // uppercase hash
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VkeyCode("PeterNeumann+c74f20a+" + b64),  // 7 digits
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VkeyCode("PeterNeumann+c74f20a3+"),  // empty key
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VkeyCode("PeterNeumann+c74f20a3+" + b64.substr(0, 43)),
            absl::StatusCode::kInvalidArgument);       // bad base64
  EXPECT_EQ(VkeyCode("PeterNeumann+c74f20a4+" + b64),  // wrong hash
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VkeyCode("PeterNeumann+c74f20a3+" + b64 + "AAAA"),  // too long
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VkeyCode(kGoSkey), absl::StatusCode::kInvalidArgument);
}

TEST(KeyStringTest, RejectsWrongTypeAndLength) {
  auto k = ParseVerifierKeyString(kGoVkey, kKeyTypeCosignatureV1, 32, "vkey");
  EXPECT_EQ(k.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(k.status().message().find("key type 0x01, want 0x04"), std::string::npos) << k.status();
  auto l = ParseVerifierKeyString(kGoVkey, kKeyTypeEd25519, 31, "vkey");
  EXPECT_EQ(l.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(KeyStringTest, PrivateKeyErrorsNeverQuoteTheSecret) {
  const std::string b64 = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
  const std::vector<std::string> damaged = {
      "PRIVATE+KEY+" + b64,               // name and hash lost
      "PRIVATE+KEY+PeterNeumann+" + b64,  // hash lost
      "PRIVATE+KEY+PeterNeumann+c74f20a3+" + b64.substr(1),
      "PRIVATE+KEY+PeterNeumann+c74f20a3+" + b64 + "=",
      "PRIVATE+KEY+Peter Neumann+c74f20a3+" + b64,
      "private+key+PeterNeumann+c74f20a3+" + b64,
      "PeterNeumann+c74f20a3+" + b64,
  };
  for (const std::string& s : damaged) {
    auto k = ParsePrivateKeyString(s, kKeyTypeEd25519, 32, "skey");
    EXPECT_EQ(k.status().code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_EQ(k.status().message().find(kGoSeedB64Tail), std::string::npos) << k.status();
  }
  // A verifier-key parser handed a private key does not echo it either.
  auto v = ParseVerifierKeyString(kGoSkey, kKeyTypeEd25519, 32, "vkey");
  EXPECT_EQ(v.status().message().find(kGoSeedB64Tail), std::string::npos);
}

}  // namespace
}  // namespace note
}  // namespace keytrail
