#include "log_server/proof_scheduler.h"

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace {

// What happened to each submitted call, by name, in order.
class Journal {
 public:
  ProofScheduler::Run Ran(std::string name) {
    return [this, name] { Add(name); };
  }
  ProofScheduler::Reject Refused(std::string name) {
    return [this, name](const absl::Status& s) {
      absl::MutexLock lock(&mu_);
      refusals_.emplace_back(name, s);
      ++done_;
    };
  }
  void Add(const std::string& name) {
    absl::MutexLock lock(&mu_);
    ran_.push_back(name);
    ++done_;
  }
  // Waits until `n` calls ran or were refused.
  bool WaitFor(int n) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return done_ >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(30));
  }
  std::vector<std::string> ran() {
    absl::MutexLock lock(&mu_);
    return ran_;
  }
  std::vector<std::pair<std::string, absl::Status>> refusals() {
    absl::MutexLock lock(&mu_);
    return refusals_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> ran_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<std::string, absl::Status>> refusals_ ABSL_GUARDED_BY(mu_);
  int done_ ABSL_GUARDED_BY(mu_) = 0;
};

// Occupies the scheduler's one worker until Open().
class Gate {
 public:
  ProofScheduler::Run Blocker(Journal* journal) {
    return [this, journal] {
      entered_.Notify();
      open_.WaitForNotification();
      journal->Add("blocker");
    };
  }
  void WaitEntered() { entered_.WaitForNotification(); }
  void Open() { open_.Notify(); }

 private:
  absl::Notification entered_, open_;
};

ProofSchedulerOptions OneWorker() {
  ProofSchedulerOptions o;
  o.workers = 1;
  o.max_wait = absl::Seconds(30);
  return o;
}

TEST(ClientOfPeerTest, DropsThePort) {
  EXPECT_EQ(ClientOfPeer("ipv4:10.0.0.7:51234"), "ipv4:10.0.0.7");
  EXPECT_EQ(ClientOfPeer("ipv6:[::1]:5"), "ipv6:[::1]");
  EXPECT_EQ(ClientOfPeer("ipv6:[2001:db8::1]:443"), "ipv6:[2001:db8::1]");
  EXPECT_EQ(ClientOfPeer("ipv6:%5B::1%5D:5"), "ipv6:%5B::1%5D");
  EXPECT_EQ(ClientOfPeer("ipv6:::1"), "ipv6:::1");  // no brackets: no port to drop
  EXPECT_EQ(ClientOfPeer("unix:/tmp/sock"), "unix:/tmp/sock");
  EXPECT_EQ(ClientOfPeer("ipv4:"), "ipv4:");
  EXPECT_EQ(ClientOfPeer(""), "");
}

TEST(ProofSchedulerTest, RunsEveryCallOnAWorker) {
  ProofSchedulerOptions o;
  o.workers = 2;
  ProofScheduler scheduler(o);
  EXPECT_EQ(scheduler.workers(), 2);
  Journal journal;
  for (int i = 0; i < 20; ++i) {
    scheduler.Submit(i % 2 ? "a" : "b", journal.Ran("call"), journal.Refused("call"));
  }
  ASSERT_TRUE(journal.WaitFor(20));
  EXPECT_EQ(journal.ran().size(), 20u);
  EXPECT_TRUE(journal.refusals().empty());
  EXPECT_EQ(scheduler.counts().run, 20u);
}

TEST(ProofSchedulerTest, DefaultWorkersAtLeastOne) {
  ProofScheduler scheduler(ProofSchedulerOptions{});
  EXPECT_GE(scheduler.workers(), 1);
}

TEST(ProofSchedulerTest, OverThePerClientLimitWaitsForTheClientsOwnCalls) {
  ProofSchedulerOptions o = OneWorker();
  o.max_per_client = 2;
  ProofScheduler scheduler(o);
  Journal journal;
  Gate gate;
  scheduler.Submit("flood", gate.Blocker(&journal), journal.Refused("blocker"));
  gate.WaitEntered();
  scheduler.Submit("flood", journal.Ran("flood-1"), journal.Refused("flood-1"));
  scheduler.Submit("flood", journal.Ran("flood-2"), journal.Refused("flood-2"));  // parked
  scheduler.Submit("other", journal.Ran("other-1"), journal.Refused("other-1"));
  gate.Open();
  ASSERT_TRUE(journal.WaitFor(4));
  // The parked call got flood's slot back once the blocker finished; other
  // had its turn before it.
  EXPECT_EQ(journal.ran(), (std::vector<std::string>{"blocker", "flood-1", "other-1", "flood-2"}));
  EXPECT_TRUE(journal.refusals().empty());
}

TEST(ProofSchedulerTest, ParkedTooLongIsRefusedNamingTheClientLimitWhileOthersRun) {
  ProofSchedulerOptions o = OneWorker();
  o.max_per_client = 1;
  // Long enough that the calls after the gate opens are not refused for
  // waiting even on a loaded machine.
  o.max_wait = absl::Milliseconds(300);
  ProofScheduler scheduler(o);
  Journal journal;
  Gate gate;
  scheduler.Submit("flood", gate.Blocker(&journal), journal.Refused("blocker"));
  gate.WaitEntered();
  const absl::Time start = absl::Now();
  scheduler.Submit("flood", journal.Ran("flood-1"), journal.Refused("flood-1"));  // parked
  // Refused by the reaper while the worker is still busy.
  ASSERT_TRUE(journal.WaitFor(1));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
  ASSERT_EQ(journal.refusals().size(), 1u);
  EXPECT_EQ(journal.refusals()[0].first, "flood-1");
  EXPECT_EQ(journal.refusals()[0].second.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(journal.refusals()[0].second.message().find("--max_vrf_proofs_per_client=1"),
            std::string::npos)
      << journal.refusals()[0].second;
  EXPECT_NE(journal.refusals()[0].second.message().find("flood"), std::string::npos);
  EXPECT_EQ(scheduler.counts().refused_client, 1u);
  gate.Open();
  ASSERT_TRUE(journal.WaitFor(2));
  // Another client, and the flooder once its call is done, still get proofs.
  scheduler.Submit("other", journal.Ran("other-1"), journal.Refused("other-1"));
  scheduler.Submit("flood", journal.Ran("flood-2"), journal.Refused("flood-2"));
  ASSERT_TRUE(journal.WaitFor(4));
  EXPECT_EQ(journal.ran(), (std::vector<std::string>{"blocker", "other-1", "flood-2"}));
}

TEST(ProofSchedulerTest, ClientsTakeTurns) {
  ProofSchedulerOptions o = OneWorker();
  o.max_per_client = 0;  // no per-client limit: only the order is tested
  ProofScheduler scheduler(o);
  Journal journal;
  Gate gate;
  scheduler.Submit("flood", gate.Blocker(&journal), journal.Refused("blocker"));
  gate.WaitEntered();
  for (int i = 1; i <= 4; ++i) {
    std::string name = "flood-" + std::to_string(i);
    scheduler.Submit("flood", journal.Ran(name), journal.Refused(name));
  }
  scheduler.Submit("b", journal.Ran("b-1"), journal.Refused("b-1"));
  scheduler.Submit("b", journal.Ran("b-2"), journal.Refused("b-2"));
  scheduler.Submit("c", journal.Ran("c-1"), journal.Refused("c-1"));
  gate.Open();
  ASSERT_TRUE(journal.WaitFor(8));
  // Queued behind four of the flood's calls, b and c still go next.
  EXPECT_EQ(journal.ran(), (std::vector<std::string>{"blocker", "flood-1", "b-1", "c-1", "flood-2",
                                                     "b-2", "flood-3", "flood-4"}));
}

TEST(ProofSchedulerTest, FullQueueIsRefused) {
  ProofSchedulerOptions o = OneWorker();
  o.max_per_client = 0;
  o.max_queued = 2;
  ProofScheduler scheduler(o);
  Journal journal;
  Gate gate;
  scheduler.Submit("a", gate.Blocker(&journal), journal.Refused("blocker"));
  gate.WaitEntered();
  scheduler.Submit("b", journal.Ran("b"), journal.Refused("b"));
  scheduler.Submit("c", journal.Ran("c"), journal.Refused("c"));
  scheduler.Submit("d", journal.Ran("d"), journal.Refused("d"));
  ASSERT_EQ(journal.refusals().size(), 1u);
  EXPECT_EQ(journal.refusals()[0].first, "d");
  EXPECT_EQ(journal.refusals()[0].second.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(journal.refusals()[0].second.message().find("--max_vrf_queue=2"), std::string::npos)
      << journal.refusals()[0].second;
  gate.Open();
  ASSERT_TRUE(journal.WaitFor(4));
  EXPECT_EQ(journal.ran(), (std::vector<std::string>{"blocker", "b", "c"}));
}

TEST(ProofSchedulerTest, CallThatWaitedTooLongIsRefused) {
  ProofSchedulerOptions o = OneWorker();
  o.max_wait = absl::Milliseconds(300);
  ProofScheduler scheduler(o);
  Journal journal;
  Gate gate;
  scheduler.Submit("a", gate.Blocker(&journal), journal.Refused("blocker"));
  gate.WaitEntered();
  scheduler.Submit("b", journal.Ran("late"), journal.Refused("late"));
  absl::SleepFor(absl::Milliseconds(400));
  gate.Open();
  ASSERT_TRUE(journal.WaitFor(2));
  ASSERT_EQ(journal.refusals().size(), 1u);
  EXPECT_EQ(journal.refusals()[0].second.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(journal.refusals()[0].second.message().find("--vrf_max_wait"), std::string::npos)
      << journal.refusals()[0].second;
  EXPECT_EQ(scheduler.counts().refused_waited, 1u);
  // A call that finds the worker free still runs.
  scheduler.Submit("b", journal.Ran("prompt"), journal.Refused("prompt"));
  ASSERT_TRUE(journal.WaitFor(3));
  EXPECT_EQ(journal.ran().back(), "prompt");
}

TEST(ProofSchedulerTest, StopRefusesQueuedAndLaterCallsAsUnavailable) {
  ProofSchedulerOptions o = OneWorker();
  o.max_per_client = 1;  // a's second call is parked, b's is queued
  auto scheduler = std::make_unique<ProofScheduler>(o);
  Journal journal;
  Gate gate;
  scheduler->Submit("a", gate.Blocker(&journal), journal.Refused("blocker"));
  gate.WaitEntered();
  scheduler->Submit("a", journal.Ran("queued"), journal.Refused("queued"));
  scheduler->Submit("b", journal.Ran("queued-b"), journal.Refused("queued-b"));
  std::thread stopper([&] { scheduler->Stop(); });
  // Stop refuses the queued calls at once, then waits for the running one.
  ASSERT_TRUE(journal.WaitFor(2));
  gate.Open();
  stopper.join();
  EXPECT_EQ(journal.ran(), std::vector<std::string>{"blocker"});
  ASSERT_EQ(journal.refusals().size(), 2u);
  EXPECT_EQ(journal.refusals()[0].second.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(journal.refusals()[1].second.code(), absl::StatusCode::kUnavailable);
  scheduler->Submit("a", journal.Ran("after"), journal.Refused("after"));
  ASSERT_EQ(journal.refusals().size(), 3u);
  EXPECT_EQ(journal.refusals()[2].second.code(), absl::StatusCode::kUnavailable);
  scheduler->Stop();  // idempotent
}

}  // namespace
}  // namespace keytrail
