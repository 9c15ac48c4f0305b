#include "core/bytes/encoding.h"

#include "gtest/gtest.h"

namespace keytrail {
namespace {

TEST(HexTest, RoundTrip) {
  std::string bytes("\x00\x01\xab\xff", 4);
  EXPECT_EQ(HexEncode(bytes), "0001abff");
  auto back = HexDecode("0001ABff");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, bytes);
  EXPECT_EQ(HexDecode("").value(), "");
}

TEST(HexTest, RejectsMalformed) {
  EXPECT_EQ(HexDecode("abc").status().code(), absl::StatusCode::kInvalidArgument);
  auto bad = HexDecode("zz", "vrf key");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "vrf key: not a hex digit at offset 0");
  EXPECT_FALSE(HexDecode("0g").ok());
  EXPECT_FALSE(HexDecode(" 00").ok());
}

TEST(Base64Test, Rfc4648Vectors) {
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(Base64Encode(plain[i]), enc[i]);
    auto back = Base64Decode(enc[i]);
    ASSERT_TRUE(back.ok()) << enc[i];
    EXPECT_EQ(*back, plain[i]);
  }
}

TEST(Base64Test, AllByteValuesRoundTrip) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= all.size(); n += 7) {
    std::string part = all.substr(0, n);
    auto back = Base64Decode(Base64Encode(part));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, part);
  }
}

TEST(Base64Test, RejectsNonCanonical) {
  EXPECT_FALSE(Base64Decode("Zg").ok());        // missing padding
  EXPECT_FALSE(Base64Decode("Zh==").ok());      // unused bits set
  EXPECT_FALSE(Base64Decode("Zm9=").ok());      // unused bits set
  EXPECT_FALSE(Base64Decode("Zm 9v").ok());     // whitespace
  EXPECT_FALSE(Base64Decode("Zm9v\n").ok());    // newline
  EXPECT_FALSE(Base64Decode("Zg==Zg==").ok());  // padding in the middle
  EXPECT_FALSE(Base64Decode("Z===").ok());
  EXPECT_FALSE(Base64Decode("====").ok());
  EXPECT_FALSE(Base64Decode("Zm-v").ok());  // URL alphabet
  auto s = Base64Decode("Zg=", "signature");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.status().message(), "signature: base64 length 3 is not a multiple of 4");
}

}  // namespace
}  // namespace keytrail
