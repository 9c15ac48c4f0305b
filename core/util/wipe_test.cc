#include "core/util/wipe.h"

#include "gtest/gtest.h"

namespace keytrail {
namespace {

TEST(WipeStringTest, ZeroesEveryByteAndKeepsTheSize) {
  std::string s = "secret";
  WipeString(&s);
  EXPECT_EQ(s, std::string(6, '\0'));
  std::string empty;
  WipeString(&empty);
  EXPECT_TRUE(empty.empty());
}

}  // namespace
}  // namespace keytrail
