#include "core/crypto/hmac.h"

#include "core/bytes/encoding.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace {

// RFC 4231 test cases 1, 2, 6 (key longer than the block size).
TEST(HmacSha256Test, Rfc4231) {
  EXPECT_EQ(HexEncode(HashView(HmacSha256(std::string(20, '\x0b'), "Hi There"))),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(HexEncode(HashView(HmacSha256("Jefe", "what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(
      HexEncode(HashView(HmacSha256(std::string(131, '\xaa'),
                                    "Test Using Larger Than Block-Size Key - Hash Key First"))),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacSha256Test, PrecomputedKeyMatchesOneShot) {
  HmacSha256Key key("Jefe");
  EXPECT_EQ(key.Mac("what do ya want for nothing?"),
            HmacSha256("Jefe", "what do ya want for nothing?"));
  Sha256 inner = key.Begin();
  inner.Update("what do ya ").Update("want for nothing?");
  EXPECT_EQ(key.FinishMac(inner), key.Mac("what do ya want for nothing?"));
  EXPECT_NE(key.Mac("a"), key.Mac("b"));
}

}  // namespace
}  // namespace keytrail
