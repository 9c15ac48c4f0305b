#include "testing/process.h"

#include <signal.h>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace keytrail::testing {
namespace {

TEST(ChildProcessTest, WaitReturnsTheExitStatusOrTheSignal) {
  const std::string dir = TempDir("wait");
  auto fails = ChildProcess::Start("/bin/sh", {"-c", "exit 3"}, dir + "/log");
  ASSERT_TRUE(fails.ok()) << fails.status();
  EXPECT_EQ(fails->Wait(absl::Seconds(10)).value(), 3);
  EXPECT_FALSE(fails->running());

  auto sleeper = ChildProcess::Start("/bin/sleep", {"30"}, dir + "/log");
  ASSERT_TRUE(sleeper.ok()) << sleeper.status();
  EXPECT_FALSE(sleeper->ExitedStatus().has_value());
  EXPECT_EQ(sleeper->Wait(absl::Milliseconds(50)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  sleeper->Signal(SIGKILL);
  EXPECT_EQ(sleeper->Wait(absl::Seconds(10)).value(), 128 + SIGKILL);
}

TEST(WaitForPortFileTest, ReadsThePortOnceWritten) {
  const std::string dir = TempDir("port");
  auto writer = ChildProcess::Start(
      "/bin/sh", {"-c", "sleep 0.2; echo 4242 > " + dir + "/p.tmp; mv " + dir + "/p.tmp " + dir + "/p"},
      dir + "/log");
  ASSERT_TRUE(writer.ok()) << writer.status();
  EXPECT_EQ(WaitForPortFile(dir + "/p", absl::Seconds(30)).value(), 4242);
}

TEST(WaitForPortFileTest, ReturnsAtOnceWhenTheChildExitsWithoutAPort) {
  const std::string dir = TempDir("exits");
  auto child = ChildProcess::Start("/bin/sh", {"-c", "exit 2"}, dir + "/log");
  ASSERT_TRUE(child.ok()) << child.status();
  const absl::Time start = absl::Now();
  auto port = WaitForPortFile(dir + "/never", absl::Seconds(60), &*child);
  EXPECT_EQ(port.status().code(), absl::StatusCode::kFailedPrecondition) << port.status();
  EXPECT_NE(port.status().message().find("status 2"), std::string::npos) << port.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
}

TEST(WaitForPortFileTest, WithoutAChildTimesOut) {
  const std::string dir = TempDir("timeout");
  EXPECT_EQ(WaitForPortFile(dir + "/never", absl::Milliseconds(100)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
}

}  // namespace
}  // namespace keytrail::testing
