// Issue 9, bug 5: SIGTERM while updates wait for their epoch. Each client
// must get the real outcome of its update (here: committed, with its
// version), never UNAVAILABLE for an update the restarted log then holds.
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "testing/log_server_harness.h"

namespace keytrail {
namespace {

using test::LogServerHarness;

v1::UpdateRequest MakeUpdate(const std::string& account) {
  v1::UpdateRequest req;
  req.set_account(account);
  v1::Device* d = req.mutable_key_set()->add_devices();
  d->set_device_id("phone");
  d->set_device_key(std::string(32, 'k'));
  return req;
}

TEST(ShutdownE2eTest, QueuedUpdatesGetTheirRealOutcome) {
  auto h = LogServerHarness::Create("shutdown-queued");
  ASSERT_TRUE(h.ok()) << h.status();
  // Epochs far apart: the updates are still queued when SIGTERM arrives.
  ASSERT_TRUE((*h)->Start({"--epoch_interval=8s"}).ok());

  constexpr int kClients = 3;
  std::vector<grpc::Status> status(kClients);
  std::vector<v1::UpdateResponse> response(kClients);
  std::vector<std::thread> clients;
  const absl::Time start = absl::Now();
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      grpc::ClientContext ctx;
      (*h)->Authorize(&ctx);
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      status[i] = (*h)->stub().Update(&ctx, MakeUpdate(absl::StrCat("user", i)), &response[i]);
    });
  }
  absl::SleepFor(absl::Milliseconds(500));
  auto rc = (*h)->Stop();  // SIGTERM, then wait for the exit
  for (std::thread& t : clients) t.join();
  ASSERT_TRUE(rc.ok()) << rc.status();
  EXPECT_EQ(*rc, 0) << (*h)->log();
  // The last epoch is built at once, not at the 8 s interval.
  EXPECT_LT(absl::Now() - start, absl::Seconds(6)) << (*h)->log();

  ASSERT_TRUE((*h)->Start({"--epoch_interval=8s"}).ok());
  for (int i = 0; i < kClients; ++i) {
    ASSERT_TRUE(status[i].ok()) << "client " << i << ": " << status[i].error_code() << " "
                                << status[i].error_message() << "\n"
                                << (*h)->log();
    EXPECT_EQ(response[i].version(), 1u);
    // And the restarted log holds exactly what was acknowledged.
    grpc::ClientContext ctx;
    v1::LookupRequest req;
    req.set_account(absl::StrCat("user", i));
    v1::LookupResponse lookup;
    ASSERT_TRUE((*h)->stub().Lookup(&ctx, req, &lookup).ok());
    EXPECT_EQ(lookup.current().version(), 1u);
    EXPECT_EQ(lookup.current().log_index(), response[i].log_index());
  }
  // Updates after shutdown began were refused; nothing else is affected.
  ASSERT_TRUE((*h)->Stop().ok());
}

// An idle client connection must not hold shutdown for the whole grace
// period (issue 9, weak spot).
TEST(ShutdownE2eTest, IdleConnectionDoesNotDelayShutdown) {
  auto h = LogServerHarness::Create("shutdown-idle");
  ASSERT_TRUE(h.ok()) << h.status();
  ASSERT_TRUE((*h)->Start().ok());
  grpc::ClientContext ctx;
  v1::GetLogInfoResponse info;
  ASSERT_TRUE((*h)->stub().GetLogInfo(&ctx, {}, &info).ok());  // connection now open, idle
  const absl::Time start = absl::Now();
  auto rc = (*h)->Stop();
  ASSERT_TRUE(rc.ok()) << rc.status();
  EXPECT_EQ(*rc, 0);
  absl::Duration took = absl::Now() - start;
  std::printf("shutdown with an idle connection open took %.0f ms\n",
              absl::ToDoubleMilliseconds(took));
  EXPECT_LT(took, absl::Seconds(3)) << (*h)->log();
}

}  // namespace
}  // namespace keytrail
