#include "bench/bench_util.h"

#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace keytrail::bench {
namespace {

TEST(BenchUtilTest, AccountIsTheNameUpdateBenchWrites) {
  EXPECT_EQ(Account(0), "user0@bench.example");
  EXPECT_EQ(Account(999999), "user999999@bench.example");
}

TEST(BenchUtilTest, PercentileIsTheFloorRank) {
  const std::vector<double> v = {5, 1, 4, 2, 3};  // sorted: 1 2 3 4 5
  EXPECT_EQ(Percentile(v, 0), 1);
  EXPECT_EQ(Percentile(v, 0.5), 3);
  EXPECT_EQ(Percentile(v, 0.99), 4);  // floor(0.99 * 4) = 3
  EXPECT_EQ(Percentile(v, 1), 5);
  EXPECT_EQ(Percentile({}, 0.5), 0);
}

TEST(BenchUtilTest, MedianAndRange) {
  EXPECT_EQ(Median({3, 1, 2}), 2);
  EXPECT_EQ(Median({4, 1, 3, 2}), 2.5);  // an even count: the mean of the middle two
  EXPECT_EQ(Median({}), 0);
  EXPECT_EQ(Range({2.5, 1.25, 9}, 2), " (1.25-9.00)");
  EXPECT_EQ(Range({7}, 2), "");
}

// The exact lines the benches printed with printf before the table was
// shared (BENCHMARKS.md's tables are copies of them).
TEST(BenchUtilTest, TablePrintsWhatPrintfDid) {
  testing::internal::CaptureStdout();
  Table table({8, 44, 28});
  table.Header({"phase", "what", "figure"});
  table.Row({"update", "10000 updates", "1234 updates/s"});
  table.Row({"x", std::string(50, 'w'), ""});  // a long cell is printed whole
  const std::string out = testing::internal::GetCapturedStdout();
  const std::string want =
      absl::StrFormat("| phase    | %-44s | %-28s |\n", "what", "figure") +
      "|----------|----------------------------------------------|------------------------------|"
      "\n" +
      absl::StrFormat("| %-8s | %-44s | %-28s |\n", "update", "10000 updates", "1234 updates/s") +
      absl::StrFormat("| %-8s | %-44s | %-28s |\n", "x", std::string(50, 'w'), "");
  EXPECT_EQ(out, want);
}

}  // namespace
}  // namespace keytrail::bench
