#include "monitor/storage_health.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "testing/log_lines.h"

namespace keytrail::monitor {
namespace {

using ::keytrail::test::CountLinesContaining;

const absl::Status kDiskFull =
    absl::UnavailableError("disk full: committing write batch: IO error: No space left on device");

TEST(StorageHealthTest, OneLineWhenFailingOneWhenRecoveredHealthFollows) {
  std::vector<bool> changes;
  absl::Time now = absl::FromUnixSeconds(1000);
  StorageHealth health([&](bool healthy) { changes.push_back(healthy); }, [&] { return now; });
  health.Succeeded("witness database");
  EXPECT_TRUE(health.healthy());
  EXPECT_TRUE(changes.empty());

  testing::internal::CaptureStderr();
  for (int i = 0; i < 5; ++i) health.Failed("witness database", kDiskFull);
  now += absl::Seconds(3);
  health.Succeeded("witness database");
  health.Succeeded("witness database");
  const std::string log = testing::internal::GetCapturedStderr();

  EXPECT_EQ(CountLinesContaining(log, "storage failing (disk full) in the witness database"), 1)
      << log;
  EXPECT_EQ(CountLinesContaining(log,
                                 "storage recovered in the witness database after 3s failing "
                                 "(5 failed writes); health SERVING again"),
            1)
      << log;
  EXPECT_EQ(CountLinesContaining(log, "storage"), 2) << log;  // nothing else
  EXPECT_EQ(changes, (std::vector<bool>{false, true}));
  EXPECT_TRUE(health.healthy());
  const auto parts = health.Parts();
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_FALSE(parts[0].failing);
  EXPECT_EQ(parts[0].failed_writes, 5u);
}

TEST(StorageHealthTest, UnhealthyUntilEveryPartRecovers) {
  std::vector<bool> changes;
  StorageHealth health([&](bool healthy) { changes.push_back(healthy); });
  testing::internal::CaptureStderr();
  health.Failed("audit database of a", kDiskFull);
  health.Failed("witness database", kDiskFull);
  EXPECT_TRUE(health.failing("witness database"));
  EXPECT_FALSE(health.failing("audit database of b"));
  health.Succeeded("witness database");
  EXPECT_FALSE(health.healthy());
  EXPECT_EQ(health.Report("audit database of a", absl::OkStatus()), absl::OkStatus());
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(health.healthy());
  EXPECT_EQ(changes, (std::vector<bool>{false, true}));
  EXPECT_EQ(CountLinesContaining(log, "other storage still failing"), 1) << log;
  EXPECT_EQ(CountLinesContaining(log, "health SERVING again"), 1) << log;
}

TEST(StorageHealthTest, NeedsRestartIsSaidOnce) {
  StorageHealth health;
  testing::internal::CaptureStderr();
  const absl::Status restart = absl::FailedPreconditionError("writes need a restart");
  health.Failed("witness database", absl::UnavailableError("write failed: EIO"));
  health.Failed("witness database", restart);
  health.Failed("witness database", restart);
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(CountLinesContaining(log, "storage failing (write failed)"), 1) << log;
  EXPECT_EQ(CountLinesContaining(log, "can't recover without a restart"), 1) << log;
  EXPECT_FALSE(health.healthy());
  EXPECT_NE(health.Parts()[0].error.find("restart"), std::string::npos);
}

}  // namespace
}  // namespace keytrail::monitor
