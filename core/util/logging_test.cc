#include "core/util/logging.h"

#include "gtest/gtest.h"

namespace keytrail {
namespace {

TEST(LoggingTest, OneLineWithTimestampLevelAndProgram) {
  SetLogProgramName("log_server");
  std::string line = FormatLogLine(LogLevel::kWarning, "disk\nfull");
  // 2026-11-28T03:50:03.123Z WARNING log_server: disk full
  ASSERT_GE(line.size(), 25u);
  EXPECT_EQ(line[4], '-');
  EXPECT_EQ(line[10], 'T');
  EXPECT_EQ(line[23], 'Z');
  EXPECT_EQ(line.substr(24), " WARNING log_server: disk full");
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace keytrail
