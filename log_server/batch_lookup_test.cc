// BatchLookup (docs/PROTOCOL.md "Batch lookups"): each answer with the
// batch's log proof is, byte for byte, that account's Lookup answer; the
// request's limits; one state for the whole batch; the 1 MiB bound; and,
// through the gRPC service, absent accounts proved by the ProofScheduler
// one call each, and its refusals failing the call.
#include "core/protocol/batch_lookup.h"

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "core/protocol/key_set.h"
#include "core/protocol/limits.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log_server/epoch_builder.h"
#include "log_server/epoch_context.h"
#include "log_server/log_queries.h"
#include "log_server/log_service.h"
#include "log_server/proof_scheduler.h"
#include "log_server/published_state.h"
#include "log_server/real_epoch_log_fixture.h"
#include "log_server/vrf_proof_cache.h"
#include "proto/log_service.grpc.pb.h"

namespace keytrail {
namespace {

std::string Account(int i) { return absl::StrCat("user", i, "@example.org"); }
std::string Absent(int i) { return absl::StrCat("nobody", i, "@example.org"); }

v1::BatchLookupRequest Batch(const std::vector<std::string>& accounts,
                             uint64_t last_verified_size = 0) {
  v1::BatchLookupRequest request;
  for (const std::string& a : accounts) request.add_accounts(a);
  request.set_last_verified_size(last_verified_size);
  return request;
}

// A log of real epochs (EpochBuilder on RocksDB), served by holder_.
class BatchLookupTest : public test::RealEpochLogTest {
 protected:
  BatchLookupTest() : RealEpochLogTest("example.org/batch-lookup") {}

  using RealEpochLogTest::Update;
  // A new version of `account`: `devices` devices with keys of `key_bytes`.
  PreparedUpdate Update(const std::string& account, int devices = 1, size_t key_bytes = 3) {
    KeySet ks;
    for (int d = 0; d < devices; ++d) {
      ks.devices.push_back(
          Device{absl::StrCat("device", d, "-", ++version_), std::string(key_bytes, 'k')});
    }
    return Update(account, ks);
  }

  // Two epochs: accounts 0..9, then 10..19 and a second version of 0..4.
  void SmallLog() {
    std::vector<PreparedUpdate> first, second;
    for (int i = 0; i < 10; ++i) first.push_back(Update(Account(i)));
    Epoch(first);
    for (int i = 10; i < 20; ++i) second.push_back(Update(Account(i)));
    for (int i = 0; i < 5; ++i) second.push_back(Update(Account(i), 2));
    Epoch(second);
  }

  // Every answer of `response` with its log proof is the account's Lookup
  // answer from the same state, byte for byte.
  static void ExpectLookups(const LogQueries& queries, const v1::BatchLookupRequest& request,
                            const v1::BatchLookupResponse& response) {
    ASSERT_GE(response.answers_size(), 1);
    ASSERT_LE(response.answers_size(), request.accounts_size());
    const std::string log = LookupAnswerPrefix(response.log());
    for (int i = 0; i < response.answers_size(); ++i) {
      SCOPED_TRACE(absl::StrCat("answer ", i, ": ", request.accounts(i)));
      EXPECT_EQ(absl::StrCat("OK|", log, response.answers(i).SerializeAsString()),
                LookupAnswer(queries, request.accounts(i), request.last_verified_size()));
    }
  }

  int version_ = 0;
};

TEST_F(BatchLookupTest, EachAnswerWithTheLogProofIsTheAccountsLookupAnswer) {
  SmallLog();
  EpochContexts contexts(*storage_, EpochContextOptions{});
  contexts.Publish(holder_.Get());
  contexts.WaitIdle();
  LogQueries plain(*storage_, holder_, vrf_, {});
  LogQueries cached(*storage_, holder_, vrf_, {}, nullptr, nullptr, &contexts);
  const std::vector<std::vector<std::string>> batches = {
      {Account(0)},
      {Absent(1)},
      {Account(3), Absent(1), Account(12), Absent(2), Account(7)},
      // Duplicates are answered twice.
      {Account(4), Account(4), Absent(3), Absent(3), Account(4)},
  };
  for (const LogQueries* queries : {&plain, &cached}) {
    for (const auto& accounts : batches) {
      for (uint64_t size : {uint64_t{0}, sizes_[0], sizes_[1], sizes_.back()}) {
        SCOPED_TRACE(absl::StrCat(accounts.size(), " accounts from size ", size));
        const v1::BatchLookupRequest request = Batch(accounts, size);
        v1::BatchLookupResponse response;
        ASSERT_TRUE(queries->BatchLookup(request, &response).ok());
        EXPECT_EQ(response.answers_size(), request.accounts_size());
        EXPECT_EQ(response.log().consistency_proof().empty(), size == 0 || size == sizes_.back());
        ExpectLookups(*queries, request, response);
      }
    }
  }
  // Present accounts carry their current version; absent ones none.
  v1::BatchLookupResponse response;
  ASSERT_TRUE(plain.BatchLookup(Batch({Account(2), Absent(9)}), &response).ok());
  EXPECT_EQ(response.answers(0).current().version(), 2u);
  EXPECT_FALSE(response.answers(1).has_current());
  EXPECT_FALSE(response.answers(1).vrf_proof().empty());
}

TEST_F(BatchLookupTest, LastVerifiedSizeFailsAsLookupDoes) {
  SmallLog();
  LogQueries queries(*storage_, holder_, vrf_, {});
  v1::BatchLookupResponse response;
  absl::Status s = queries.BatchLookup(Batch({Account(1)}, sizes_.back() + 1), &response);
  EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange);
  v1::LookupRequest lookup;
  lookup.set_account(Account(1));
  lookup.set_last_verified_size(sizes_.back() + 1);
  v1::LookupResponse ignored;
  EXPECT_EQ(s, queries.Lookup(lookup, &ignored));
}

TEST_F(BatchLookupTest, RequestsOutsideTheLimitsAreInvalid) {
  SmallLog();
  LogQueries queries(*storage_, holder_, vrf_, {});
  auto status = [&](const v1::BatchLookupRequest& request) {
    v1::BatchLookupResponse response;
    absl::Status s = queries.BatchLookup(request, &response);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    return std::string(s.message());
  };
  EXPECT_EQ(status(Batch({})), "accounts: a batch holds 1..128 accounts, got 0");
  std::vector<std::string> many(kMaxBatchLookups + 1, Account(1));
  EXPECT_EQ(status(Batch(many)), "accounts: a batch holds 1..128 accounts, got 129");
  EXPECT_EQ(status(Batch({Account(1), Absent(1), Account(2), "", Account(3)})),
            "accounts[3]: account id: must be 1..256 bytes, got 0");
  EXPECT_EQ(status(Batch({Account(1), std::string(257, 'x'), ""})),
            "accounts[1]: account id: must be 1..256 bytes, got 257");
  // The most a batch holds is allowed.
  many.pop_back();
  v1::BatchLookupResponse response;
  ASSERT_TRUE(queries.BatchLookup(Batch(many), &response).ok());
  EXPECT_EQ(response.answers_size(), static_cast<int>(kMaxBatchLookups));
}

TEST_F(BatchLookupTest, TheWholeBatchIsAnsweredFromOneState) {
  SmallLog();
  const std::shared_ptr<const PublishedState> first = holder_.Get();
  LogQueries queries(*storage_, holder_, vrf_, {});
  const v1::BatchLookupRequest request = Batch({Account(1), Absent(5), Account(15)});
  v1::BatchLookupResponse response;
  auto batch = queries.BeginBatchLookup(request, &response);
  ASSERT_TRUE(batch.ok()) << batch.status();
  // An epoch published between the batch's start and its answers: Absent(5)
  // now exists and Account(1) has a new version.
  Epoch({Update(Absent(5)), Update(Account(1), 3)});
  ASSERT_NE(holder_.Get(), first);
  for (size_t i = 0; i < batch->accounts.size(); ++i) {
    ASSERT_TRUE(
        queries.AnswerBatchAccount(*batch, i, response.mutable_answers(static_cast<int>(i))).ok());
  }
  LogQueries::TrimBatchAnswers(&response);
  ASSERT_EQ(response.answers_size(), 3);
  EXPECT_EQ(response.log().checkpoint(), first->checkpoint);
  EXPECT_FALSE(response.answers(1).has_current());
  EXPECT_EQ(response.answers(0).current().version(), 2u);
  // Each answer is Lookup's from the first state.
  for (int i = 0; i < 3; ++i) {
    LogQueries::Prefetched from_first;
    from_first.account = request.accounts(i);
    from_first.state = first;
    v1::LookupRequest lookup;
    lookup.set_account(request.accounts(i));
    v1::LookupResponse want;
    ASSERT_TRUE(queries.Lookup(from_first, lookup, &want).ok());
    EXPECT_EQ(LookupAnswerPrefix(response.log()) + response.answers(i).SerializeAsString(),
              want.SerializeAsString());
  }
}

TEST_F(BatchLookupTest, AnAnswerOverOneMebibyteIsItsFirstAnswersThatFit) {
  // 20 accounts with key sets of ~56 KiB: ~1.1 MiB in all.
  std::vector<PreparedUpdate> updates;
  std::vector<std::string> accounts;
  for (int i = 0; i < 20; ++i) {
    accounts.push_back(Account(i));
    updates.push_back(Update(Account(i), 7, kMaxDeviceKeySize));
  }
  Epoch(updates);
  LogQueries queries(*storage_, holder_, vrf_, {});
  v1::BatchLookupRequest request = Batch(accounts);
  v1::BatchLookupResponse response;
  ASSERT_TRUE(queries.BatchLookup(request, &response).ok());
  const int k = response.answers_size();
  EXPECT_GE(k, 1);
  EXPECT_LT(k, 20);
  EXPECT_LE(response.ByteSizeLong(), kMaxAnswerBytes);
  ExpectLookups(queries, request, response);
  // The next answer (Lookup's less its log proof) would not have fit.
  v1::LookupRequest lookup;
  lookup.set_account(accounts[k]);
  v1::LookupResponse next;
  ASSERT_TRUE(queries.Lookup(lookup, &next).ok());
  v1::BatchLookupResponse more = response;
  ASSERT_TRUE(more.add_answers()->ParseFromString(
      next.SerializeAsString().substr(LookupAnswerPrefix(response.log()).size())));
  EXPECT_GT(more.ByteSizeLong(), kMaxAnswerBytes);

  // The rest, asked for again, make the second page.
  request = Batch(std::vector<std::string>(accounts.begin() + k, accounts.end()));
  v1::BatchLookupResponse second;
  ASSERT_TRUE(queries.BatchLookup(request, &second).ok());
  EXPECT_EQ(second.answers_size(), 20 - k);
  ExpectLookups(queries, request, second);

  // A batch that fits is answered whole.
  request = Batch(std::vector<std::string>(accounts.begin(), accounts.begin() + 3));
  ASSERT_TRUE(queries.BatchLookup(request, &second).ok());
  EXPECT_EQ(second.answers_size(), 3);
}

// The gRPC service on a loopback port, a read replica's (no writer needed
// for reads), with its own ProofScheduler.
class BatchLookupServiceTest : public BatchLookupTest {
 protected:
  void Serve(const ProofSchedulerOptions& options, VrfProofCache* proof_cache = nullptr) {
    queries_.emplace(*storage_, holder_, vrf_, LogIdentity{}, nullptr, proof_cache);
    scheduler_ = std::make_unique<ProofScheduler>(options);
    service_ = std::make_unique<LogService>(*queries_, "primary", scheduler_.get());
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    stub_ = v1::KeyTransparencyLog::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
    scheduler_.reset();
  }

  grpc::Status Call(const v1::BatchLookupRequest& request, v1::BatchLookupResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return stub_->BatchLookup(&context, request, response);
  }

  std::optional<LogQueries> queries_;
  std::unique_ptr<ProofScheduler> scheduler_;
  std::unique_ptr<LogService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::KeyTransparencyLog::Stub> stub_;
};

TEST_F(BatchLookupServiceTest, AbsentAccountsAreProvedOneSchedulerCallEach) {
  SmallLog();
  ProofSchedulerOptions options;
  options.workers = 2;
  Serve(options);
  const v1::BatchLookupRequest request =
      Batch({Absent(1), Account(2), Absent(2), Absent(1), Account(13), Absent(3)}, sizes_[1]);
  v1::BatchLookupResponse response;
  grpc::Status s = Call(request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.answers_size(), 6);
  ExpectLookups(*queries_, request, response);
  // One scheduler call per absent account (no proof cache: the duplicate
  // is proved again, as its second Lookup would be); none for the others.
  EXPECT_EQ(scheduler_->counts().run, 4u);

  // The same through gRPC as on the calling thread.
  v1::BatchLookupResponse direct;
  ASSERT_TRUE(queries_->BatchLookup(request, &direct).ok());
  EXPECT_EQ(response.SerializeAsString(), direct.SerializeAsString());

  // A malformed request, with its message, as the queries report it.
  s = Call(Batch({Account(1), ""}), &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "accounts[1]: account id: must be 1..256 bytes, got 0");
}

TEST_F(BatchLookupServiceTest, ASchedulerRefusalFailsTheCall) {
  SmallLog();
  ProofSchedulerOptions options;
  options.workers = 1;
  options.max_queued = 0;  // every proof refused at once
  Serve(options);
  v1::BatchLookupResponse response;
  grpc::Status s = Call(Batch({Account(1), Absent(1), Account(2)}), &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  EXPECT_NE(s.error_message().find("--max_vrf_queue"), std::string::npos) << s.error_message();
  EXPECT_EQ(scheduler_->counts().run, 0u);
  // Present accounts need no proof: answered without the scheduler.
  s = Call(Batch({Account(1), Account(2)}), &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.answers_size(), 2);

  // A stopped scheduler (the server shutting down): UNAVAILABLE.
  scheduler_->Stop();
  s = Call(Batch({Absent(1), Absent(2)}), &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
}

TEST_F(BatchLookupServiceTest, AfterARefusalTheBatchsOtherProofsAreSkipped) {
  SmallLog();
  VrfProofCache cache(100);  // holds every proof computed
  ProofSchedulerOptions options;
  options.workers = 1;
  options.max_queued = 1;
  Serve(options, &cache);
  // Another client's call holds the one worker, so of the batch's two
  // proofs the second (or both, if that call is still queued) is refused.
  absl::Notification release;
  scheduler_->Submit(
      "ipv4:192.0.2.1", [&release] { release.WaitForNotification(); }, [](const absl::Status&) {});
  grpc::Status s;
  v1::BatchLookupResponse response;
  std::thread call([&] { s = Call(Batch({Absent(1), Absent(2)}), &response); });
  // Waits for the refusal (bounded, so a broken scheduler fails the test
  // rather than hanging it).
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (scheduler_->counts().refused_queue == 0 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  release.Notify();
  call.join();
  EXPECT_GE(scheduler_->counts().refused_queue, 1u);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  EXPECT_EQ(cache.size(), 0u);  // the one that ran after the refusal proved nothing

  // With the worker free, a proof is computed (and cached).
  s = Call(Batch({Absent(1)}), &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(cache.size(), 1u);
}

TEST_F(BatchLookupServiceTest, AccountsPastTheOneMebibyteCutAreNotProved) {
  std::vector<PreparedUpdate> updates;
  std::vector<std::string> accounts = {Absent(1)};
  for (int i = 0; i < 20; ++i) {
    accounts.push_back(Account(i));
    updates.push_back(Update(Account(i), 7, kMaxDeviceKeySize));
  }
  accounts.push_back(Absent(2));
  Epoch(updates);
  Serve(ProofSchedulerOptions{});
  const v1::BatchLookupRequest request = Batch(accounts);
  v1::BatchLookupResponse response;
  grpc::Status s = Call(request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_LT(response.answers_size(), 20);
  EXPECT_LE(response.ByteSizeLong(), kMaxAnswerBytes);
  ExpectLookups(*queries_, request, response);
  // Absent(1) was proved; Absent(2), past the cut, was not.
  EXPECT_EQ(scheduler_->counts().run, 1u);
  v1::BatchLookupResponse direct;
  ASSERT_TRUE(queries_->BatchLookup(request, &direct).ok());
  EXPECT_EQ(response.SerializeAsString(), direct.SerializeAsString());
}

}  // namespace
}  // namespace keytrail
