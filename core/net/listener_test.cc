#include "core/net/listener.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "testing/loopback.h"

namespace keytrail {
namespace {

using keytrail::test::ConnectLoopback;

// Collects what the listener hands off (closing nothing until asked).
struct Sink {
  absl::Mutex mu;
  std::vector<int> fds;
  void Take(int fd) {
    absl::MutexLock l(&mu);
    fds.push_back(fd);
  }
  size_t Count() {
    absl::MutexLock l(&mu);
    return fds.size();
  }
  void CloseAll() {
    absl::MutexLock l(&mu);
    for (int fd : fds) ::close(fd);
    fds.clear();
  }
  bool WaitFor(size_t n) {
    for (int i = 0; i < 200; ++i) {
      if (Count() >= n) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }
};

TEST(ListenerTest, RejectsMalformedAddresses) {
  for (const char* bad : {"", "localhost", "localhost:", "localhost:x", "localhost:65536",
                          "localhost:-1", "::1:80", "[::1]80", "[::1", "host name:80"}) {
    auto l = Listener::Open(bad);
    EXPECT_EQ(l.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(l.status().message().find("--listen"), std::string::npos) << l.status();
  }
  auto unresolvable = Listener::Open("no-such-host.invalid:80");
  EXPECT_EQ(unresolvable.status().code(), absl::StatusCode::kInvalidArgument);
}

// Regression (issue 9, bug 2): gRPC bound with SO_REUSEPORT, so a second
// server started on a used port and took half the connections.
TEST(SplitHostPortTest, EveryFormAndEveryRefusal) {
  std::string host;
  int port = -1;
  ASSERT_TRUE(SplitHostPort("--x", "127.0.0.1:8090", &host, &port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8090);
  ASSERT_TRUE(SplitHostPort("--x", "[::1]:0", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 0);
  ASSERT_TRUE(SplitHostPort("--x", ":65535", &host, &port).ok());
  EXPECT_EQ(host, "");
  EXPECT_EQ(port, 65535);
  for (const char* bad :
       {"", "localhost", "localhost:", "localhost:65536", "localhost:-1", "localhost:+80",
        "localhost:8o", "::1:80", "[::1]80", "[::1:80", "localhost:0000080"}) {
    absl::Status s = SplitHostPort("--metrics_listen", bad, &host, &port);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(s.message().rfind(absl::StrCat("--metrics_listen \"", bad, "\": "), 0), 0u) << s;
  }
}

TEST(ListenerTest, SecondListenerOnAUsedPortFails) {
  auto first = Listener::Open("127.0.0.1:0");
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string address = "127.0.0.1:" + std::to_string((*first)->port());
  auto second = Listener::Open(address);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("Address already in use"), std::string::npos)
      << second.status();
}

TEST(ListenerTest, LocalhostAndEveryAddress) {
  for (const char* address : {"localhost:0", ":0", "127.0.0.1:0"}) {
    auto l = Listener::Open(address);
    ASSERT_TRUE(l.ok()) << address << ": " << l.status();
    EXPECT_GT((*l)->port(), 0);
  }
}

TEST(ListenerTest, HandsOffConnectionsAndStops) {
  auto l = Listener::Open("127.0.0.1:0");
  ASSERT_TRUE(l.ok());
  Sink sink;
  (*l)->Start([&](int fd) { sink.Take(fd); }, 1 << 20, nullptr);
  std::vector<int> clients;
  for (int i = 0; i < 5; ++i) clients.push_back(ConnectLoopback((*l)->port()));
  EXPECT_TRUE(sink.WaitFor(5));
  (*l)->Stop();
  (*l)->Stop();  // idempotent
  for (int fd : clients) ::close(fd);
  sink.CloseAll();
}

TEST(ListenerTest, ShedsConnectionsAboveTheBound) {
  auto l = Listener::Open("127.0.0.1:0");
  ASSERT_TRUE(l.ok());
  Sink sink;
  const int probe = ::dup(0);
  ::close(probe);
  // Room for two more descriptors in the process; each connection here
  // takes two (client and accepted end), so only the first is handed off.
  (*l)->Start([&](int fd) { sink.Take(fd); }, probe + 2, nullptr);
  std::vector<int> clients;
  for (int i = 0; i < 4; ++i) clients.push_back(ConnectLoopback((*l)->port()));
  for (int i = 0; i < 200 && (*l)->shed() < 1; ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_GE((*l)->shed(), 1u);
  EXPECT_LT(sink.Count(), 4u);
  for (int fd : clients) ::close(fd);
  sink.CloseAll();
}

// Regression (issue 9, bug 1): after running out of descriptors gRPC's own
// listener never accepted again. This one keeps retrying, reports the
// trouble, and accepts once descriptors are free.
TEST(ListenerTest, RecoversAfterRunningOutOfDescriptors) {
  auto l = Listener::Open("127.0.0.1:0");
  ASSERT_TRUE(l.ok());
  Sink sink;
  std::atomic<int> troubles{0}, recoveries{0};
  (*l)->Start([&](int fd) { sink.Take(fd); }, 1 << 20,
              [&](bool failing) { (failing ? troubles : recoveries).fetch_add(1); });
  // Fill the descriptor table by lowering the soft limit to what is open.
  rlimit old;
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &old), 0);
  const int client = ConnectLoopback((*l)->port());  // before the table is full
  ASSERT_GE(client, 0);
  ASSERT_TRUE(sink.WaitFor(1));
  const int next = ::dup(0);
  ::close(next);
  rlimit tight = old;
  tight.rlim_cur = static_cast<rlim_t>(next);  // no free descriptor left
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
  // A connection now completes in the kernel but can't be accepted.
  rlimit loose = old;
  loose.rlim_cur = static_cast<rlim_t>(next + 1);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &loose), 0);
  const int waiting = ConnectLoopback((*l)->port());  // takes the one free slot
  ASSERT_GE(waiting, 0);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
  for (int i = 0; i < 200 && troubles.load() == 0; ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_GE(troubles.load(), 1);
  EXPECT_EQ(sink.Count(), 1u);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &old), 0);
  EXPECT_TRUE(sink.WaitFor(2));  // the waiting connection is taken after all
  EXPECT_GE(recoveries.load(), 1);
  const int later = ConnectLoopback((*l)->port());
  EXPECT_TRUE(sink.WaitFor(3));
  (*l)->Stop();
  ::close(client);
  ::close(waiting);
  ::close(later);
  sink.CloseAll();
}

TEST(ListenerTest, RaiseDescriptorLimitReachesTheHardLimit) {
  rlimit r;
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &r), 0);
  const int limit = RaiseDescriptorLimit();
  rlimit after;
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &after), 0);
  EXPECT_EQ(after.rlim_cur, after.rlim_max);
  EXPECT_GE(static_cast<rlim_t>(limit), r.rlim_cur > (1u << 30) ? (1u << 30) : r.rlim_cur);
}

}  // namespace
}  // namespace keytrail
