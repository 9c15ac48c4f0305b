// BatchLookup on the client: a batch's answers are handled as the Lookup
// answers they are (same results, alerts and state), its shared log proof is
// checked once, and a batch that is malformed as a whole changes nothing.
#include <string>
#include <vector>

#include "core/protocol/limits.h"
#include "gtest/gtest.h"
#include "proto/keytrail.pb.h"
#include "testing/verifier_scenario.h"
#include "verifier/verifier.h"

namespace keytrail {
namespace verifier {
namespace {

constexpr uint64_t kT0 = FakeLog::kGenesisTimeMs;

class BatchLookupTest : public testing::Test {
 protected:
  BatchLookupTest() {
    log_.UpdateSigned("alice", alice_key_, {"phone"});
    log_.Update("bob", PlainKeySet({"phone"}));
    log_.Update("carol", PlainKeySet({"phone", "laptop"}));
    log_.CloseEpoch(kT0 + 1000);
    v_ = NewVerifier(PolicyFor(log_));
    EXPECT_TRUE(v_->SetOwnAccount("alice").ok());
    EXPECT_TRUE(v_->EnrollDevice("phone", "key of phone").ok());
    EXPECT_TRUE(v_->SetOwnAccountKey(alice_key_.public_key().bytes()).ok());
  }

  BatchResult DoBatch(Verifier* v, const std::vector<std::string>& accounts) {
    auto request = v->BatchLookupRequest(accounts);
    EXPECT_TRUE(request.ok()) << request.status();
    return v->HandleBatchLookup(accounts, BatchLookupAnswer(log_, *request), Now(log_));
  }

  uint64_t t_ = kT0 + 1000;
  uint64_t Tick() { return t_ += 1000; }

  FakeLog log_;
  Ed25519PrivateKey alice_key_ = Ed25519PrivateKey::Generate();
  std::unique_ptr<Verifier> v_;
};

TEST_F(BatchLookupTest, AnswersAreHandledAsTheLookupsTheyAre) {
  const std::vector<std::string> accounts = {"bob", "carol", "nobody", "bob", "alice"};
  BatchResult b = DoBatch(v_.get(), accounts);
  ASSERT_TRUE(b.status.ok()) << b.status;
  EXPECT_TRUE(b.alerts.empty());
  ASSERT_EQ(b.results.size(), accounts.size());
  const uint64_t versions[] = {1, 1, 0, 1, 1};
  for (size_t i = 0; i < accounts.size(); ++i) {
    ASSERT_TRUE(b.results[i].status.ok()) << i << ": " << b.results[i].status;
    ASSERT_TRUE(b.results[i].account.has_value());
    EXPECT_EQ(b.results[i].account->account, accounts[i]);
    EXPECT_EQ(b.results[i].account->version, versions[i]) << accounts[i];
    EXPECT_TRUE(b.results[i].alerts.empty());
  }
  EXPECT_EQ(b.results[1].account->key_set.devices.size(), 2u);
  EXPECT_EQ(v_->last_verified_size(), log_.size());

  // The same accounts looked up one by one leave the same state.
  auto w = NewVerifier(PolicyFor(log_));
  ASSERT_TRUE(w->SetOwnAccount("alice").ok());
  ASSERT_TRUE(w->EnrollDevice("phone", "key of phone").ok());
  ASSERT_TRUE(w->SetOwnAccountKey(alice_key_.public_key().bytes()).ok());
  for (const std::string& a : accounts) ASSERT_TRUE(DoLookup(w.get(), log_, a).status.ok());
  EXPECT_EQ(w->SaveState(), v_->SaveState());
}

// The log grew since the stored checkpoint: the batch's log proof carries a
// consistency proof, and every answer after the first is checked under the
// batch's checkpoint, then stored. A rogue device on the own account raises
// its alert in that account's result.
TEST_F(BatchLookupTest, ALaterBatchCarriesOneConsistencyProofAndRaisesAlerts) {
  ASSERT_TRUE(DoBatch(v_.get(), {"alice", "bob"}).status.ok());
  const uint64_t before = v_->last_verified_size();
  log_.Update("alice", PlainKeySet({"phone", "rogue"}));
  log_.Update("bob", PlainKeySet({"phone", "tablet"}));
  log_.CloseEpoch(Tick());
  ASSERT_GT(log_.size(), before);

  auto request = v_->BatchLookupRequest({"bob", "alice", "carol"});
  ASSERT_TRUE(request.ok());
  v1::BatchLookupRequest req;
  ASSERT_TRUE(req.ParseFromString(*request));
  EXPECT_EQ(req.last_verified_size(), before);
  const std::string answer = BatchLookupAnswer(log_, *request);
  v1::BatchLookupResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(answer));
  EXPECT_FALSE(parsed.log().consistency_proof().empty());

  BatchResult b = v_->HandleBatchLookup({"bob", "alice", "carol"}, answer, Now(log_));
  ASSERT_TRUE(b.status.ok()) << b.status;
  ASSERT_EQ(b.results.size(), 3u);
  for (const Result& r : b.results) EXPECT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(b.results[0].account->version, 2u);
  EXPECT_TRUE(HasAlert(b.results[0].alerts, AlertKind::kKeySetChanged));
  EXPECT_TRUE(HasAlert(b.results[1].alerts, AlertKind::kUnenrolledDevice));
  EXPECT_TRUE(b.results[2].alerts.empty());
  EXPECT_EQ(v_->last_verified_size(), log_.size());
}

// The log answers a prefix when all answers would pass 1 MiB: the app asks
// again for the rest. More answers than accounts, or none, is no answer.
TEST_F(BatchLookupTest, PrefixesAreAnswersAndMalformedBatchesChangeNothing) {
  const std::vector<std::string> accounts = {"bob", "carol", "alice"};
  auto request = v_->BatchLookupRequest(accounts);
  ASSERT_TRUE(request.ok());
  v1::BatchLookupResponse full;
  ASSERT_TRUE(full.ParseFromString(BatchLookupAnswer(log_, *request)));
  const std::string before = v_->SaveState();

  v1::BatchLookupResponse none = full;
  none.clear_answers();
  BatchResult b = v_->HandleBatchLookup(accounts, none.SerializeAsString(), Now(log_));
  EXPECT_EQ(b.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(b.status.message().find("answers: 0 answers to a batch of 3"), std::string::npos)
      << b.status;
  v1::BatchLookupResponse extra = full;
  *extra.add_answers() = full.answers(0);
  b = v_->HandleBatchLookup(accounts, extra.SerializeAsString(), Now(log_));
  EXPECT_EQ(b.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(b.results.empty());
  b = v_->HandleBatchLookup(accounts, "\xff\xff not a message", Now(log_));
  EXPECT_EQ(b.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(b.status.message().find("BatchLookupResponse"), std::string::npos);
  EXPECT_EQ(v_->SaveState(), before);

  v1::BatchLookupResponse prefix = full;
  prefix.mutable_answers()->RemoveLast();
  b = v_->HandleBatchLookup(accounts, prefix.SerializeAsString(), Now(log_));
  ASSERT_TRUE(b.status.ok()) << b.status;
  ASSERT_EQ(b.results.size(), 2u);
  EXPECT_TRUE(b.results[1].status.ok());
  EXPECT_EQ(b.results[1].account->account, "carol");
}

// One answer that does not verify is that account's rejection; the others
// stand.
TEST_F(BatchLookupTest, ABadAnswerIsRejectedAlone) {
  const std::vector<std::string> accounts = {"bob", "carol", "nobody"};
  auto request = v_->BatchLookupRequest(accounts);
  ASSERT_TRUE(request.ok());
  v1::BatchLookupResponse batch;
  ASSERT_TRUE(batch.ParseFromString(BatchLookupAnswer(log_, *request)));
  (*batch.mutable_answers(1)->mutable_map_proof())[5] ^= 1;
  BatchResult b = v_->HandleBatchLookup(accounts, batch.SerializeAsString(), Now(log_));
  ASSERT_TRUE(b.status.ok()) << b.status;
  ASSERT_EQ(b.results.size(), 3u);
  EXPECT_TRUE(b.results[0].status.ok());
  EXPECT_EQ(b.results[1].status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(v_->Contact("carol").has_value());
  EXPECT_TRUE(b.results[2].status.ok()) << b.results[2].status;
  // An answer given for another account (the third is bob's) does not pass.
  v1::BatchLookupResponse swapped;
  ASSERT_TRUE(swapped.ParseFromString(BatchLookupAnswer(log_, *request)));
  *swapped.mutable_answers(2) = swapped.answers(0);
  b = v_->HandleBatchLookup(accounts, swapped.SerializeAsString(), Now(log_));
  ASSERT_EQ(b.results.size(), 3u);
  EXPECT_EQ(b.results[2].status.code(), absl::StatusCode::kInvalidArgument);
}

// A batch from a fork of the verified log: rejected as a whole, the fork
// alert raised once, nothing stored.
TEST_F(BatchLookupTest, AForkedLogProofRejectsTheBatchOnce) {
  ASSERT_TRUE(DoBatch(v_.get(), {"bob"}).status.ok());
  FakeLog other(log_.signer(), log_.vrf(), kT0);
  other.Update("bob", PlainKeySet({"rogue"}));
  other.Update("alice", PlainKeySet({"phone"}));
  other.Update("carol", PlainKeySet({"phone"}));
  other.CloseEpoch(kT0 + 1000);
  ASSERT_EQ(other.size(), log_.size());
  const std::string before = v_->SaveState();
  const std::vector<std::string> accounts = {"bob", "carol"};
  auto request = v_->BatchLookupRequest(accounts);
  ASSERT_TRUE(request.ok());
  BatchResult b = v_->HandleBatchLookup(accounts, BatchLookupAnswer(other, *request), Now(log_));
  EXPECT_EQ(b.status.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(b.alerts.size(), 1u);
  EXPECT_EQ(b.alerts[0].kind, AlertKind::kLogForked);
  EXPECT_TRUE(b.results.empty());
  EXPECT_EQ(v_->SaveState(), before);
}

TEST_F(BatchLookupTest, RequestsAreBounded) {
  EXPECT_EQ(v_->BatchLookupRequest({}).status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<std::string> many(kMaxBatchLookups + 1, "bob");
  auto r = v_->BatchLookupRequest(many);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("accounts: a batch holds 1..128 accounts, got 129"),
            std::string::npos)
      << r.status();
  many.pop_back();
  EXPECT_TRUE(v_->BatchLookupRequest(many).ok());
  r = v_->BatchLookupRequest({"bob", ""});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("accounts[1]: account id"), std::string::npos) << r.status();
}

}  // namespace
}  // namespace verifier
}  // namespace keytrail
