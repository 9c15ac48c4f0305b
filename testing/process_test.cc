#include "testing/process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace keytrail::test {
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

// What a Bazel timeout does to a test: SIGKILL. A child started with
// die_with_parent goes with it although it has its own process group.
TEST(ChildProcessTest, DieWithParentEndsTheChildWhenTheParentIsKilled) {
  const std::string dir = TempDir("orphan");
  pid_t test = ::fork();
  ASSERT_GE(test, 0);
  if (test == 0) {
    auto daemon =
        ChildProcess::Start("/bin/sleep", {"300"}, dir + "/log", /*die_with_parent=*/true);
    if (!daemon.ok()) ::_exit(1);
    std::ofstream(dir + "/pid") << daemon->pid();
    ::pause();
    ::_exit(0);
  }
  int daemon_pid = 0;
  for (int i = 0; i < 500 && daemon_pid == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
    daemon_pid = std::atoi(ReadFile(dir + "/pid").c_str());
  }
  ASSERT_GT(daemon_pid, 0);
  ::kill(test, SIGKILL);
  ::waitpid(test, nullptr, 0);
  // The orphan is reaped by init (or a subreaper): gone, or a zombie.
  bool gone = false;
  for (int i = 0; i < 500 && !gone; ++i) {
    std::string stat = ReadFile("/proc/" + std::to_string(daemon_pid) + "/stat");
    size_t paren = stat.rfind(')');
    gone = stat.empty() || (paren != std::string::npos && stat.substr(paren + 2, 1) == "Z");
    if (!gone) absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_TRUE(gone) << "the child of a killed parent still runs";
}

TEST(WaitForPortFileTest, ReadsThePortOnceWritten) {
  const std::string dir = TempDir("port");
  auto writer = ChildProcess::Start(
      "/bin/sh",
      {"-c", "sleep 0.2; echo 4242 > " + dir + "/p.tmp; mv " + dir + "/p.tmp " + dir + "/p"},
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
}  // namespace keytrail::test
