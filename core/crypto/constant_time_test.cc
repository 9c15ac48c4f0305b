#include "core/crypto/constant_time.h"

#include "core/crypto/random.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace {

TEST(ConstantTimeEqualsTest, ComparesContentsAndLengths) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("token", "token"));
  EXPECT_FALSE(ConstantTimeEquals("token", "tokeN"));
  EXPECT_FALSE(ConstantTimeEquals("token", "token!"));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
  std::string a = RandomString(64);
  std::string b = a;
  EXPECT_TRUE(ConstantTimeEquals(a, b));
  b[63] ^= 1;
  EXPECT_FALSE(ConstantTimeEquals(a, b));
}

TEST(RandomTest, ProducesDistinctStrings) {
  EXPECT_EQ(RandomString(0), "");
  EXPECT_EQ(RandomString(32).size(), 32u);
  EXPECT_NE(RandomString(32), RandomString(32));
}

}  // namespace
}  // namespace keytrail
