#include "testing/log_lines.h"

#include "gtest/gtest.h"

namespace keytrail::test {
namespace {

TEST(LogLinesTest, CountsLinesNotOccurrences) {
  const char kLog[] =
      "I storage failing (disk full) in the audit database\n"
      "I served 3 lookups\n"
      "W storage failing, storage failing\n"
      "I storage recovered in the audit database";
  EXPECT_EQ(CountLinesContaining(kLog, "storage failing"), 2);
  EXPECT_EQ(CountLinesContaining(kLog, "storage recovered"), 1);  // last line, no newline
  EXPECT_EQ(CountLinesContaining(kLog, "MISBEHAVING"), 0);
  EXPECT_EQ(CountLinesContaining("", "x"), 0);
  // A needle spanning two lines is on neither.
  EXPECT_EQ(CountLinesContaining("ab\ncd\n", "b\nc"), 0);
}

}  // namespace
}  // namespace keytrail::test
