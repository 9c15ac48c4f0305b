#include "core/bytes/decimal.h"

#include "gtest/gtest.h"

namespace keytrail {
namespace {

TEST(CanonicalDecimalTest, Accepts) {
  uint64_t v = 7;
  EXPECT_TRUE(ParseCanonicalDecimal("0", &v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(ParseCanonicalDecimal("10", &v));
  EXPECT_EQ(v, 10u);
  EXPECT_TRUE(ParseCanonicalDecimal("18446744073709551615", &v));
  EXPECT_EQ(v, UINT64_MAX);
}

TEST(CanonicalDecimalTest, RejectsAndLeavesOutputAlone) {
  const char* bad[] = {
      "",  // empty
      "00",
      "01",
      "007",  // leading zeros
      "+1",
      "-1",
      "-0",
      "+0",  // signs
      " 1",
      "1 ",
      "1\n",
      "\t1",  // whitespace
      "1e3",
      "0x10",
      "1.0",
      "a",
      "1_000",                  // non-digits
      "18446744073709551616",   // 2^64
      "99999999999999999999",   // 20 digits, above 2^64
      "184467440737095516150",  // 21 digits
  };
  for (const char* s : bad) {
    uint64_t v = 42;
    EXPECT_FALSE(ParseCanonicalDecimal(s, &v)) << "\"" << s << "\"";
    EXPECT_EQ(v, 42u) << "\"" << s << "\"";
  }
  uint64_t v = 42;
  EXPECT_FALSE(ParseCanonicalDecimal(absl::string_view("1\0", 2), &v));
  EXPECT_EQ(v, 42u);
}

}  // namespace
}  // namespace keytrail
