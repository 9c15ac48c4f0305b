#include "monitor/auditor.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "gtest/gtest.h"
#include "testing/crafted_log.h"
#include "testing/process.h"

namespace keytrail::monitor {
namespace {

using evidence::Rule;
using test::CraftedLog;
using test::TestIndex;

constexpr uint64_t kT = 1700000000000;

class AuditorTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::TempDir(testing::UnitTest::GetInstance()->current_test_info()->name());
    Reopen();
  }
  void Reopen() {
    auditor_.reset();
    store_.reset();
    auto store = MonitorStore::Open(dir_, log_.signer().name());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    auto auditor = Auditor::Open(store_.get(), [] { return kT + 1000; });
    ASSERT_TRUE(auditor.ok()) << auditor.status();
    auditor_ = *std::move(auditor);
  }
  // Feeds the log's entries from fed_size() to its end.
  std::optional<Violation> FeedAll() {
    std::vector<std::string> entries;
    for (uint64_t i = auditor_->fed_size(); i < log_.size(); ++i) entries.push_back(log_.entry(i));
    auto v = auditor_->Feed(entries);
    EXPECT_TRUE(v.ok()) << v.status();
    if (!v.ok()) return std::nullopt;
    if (!v->has_value()) return auditor_->CheckCheckpointEnd(log_.size());
    return *v;
  }
  // Expects the log's tail to break `rule`, with evidence that verifies.
  void ExpectViolation(Rule rule) {
    std::optional<Violation> v = FeedAll();
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->rule, rule) << v->message;
    auto e = BuildRuleEvidence(*v, log_.VerifierKey(), log_.SignedCheckpoint(),
                               [this](uint64_t i) -> absl::StatusOr<std::vector<Hash>> {
                                 return log_.InclusionProof(i, log_.size());
                               });
    ASSERT_TRUE(e.ok()) << e.status();
    auto finding = evidence::VerifyEvidence(*e);
    ASSERT_TRUE(finding.ok()) << finding.status() << " for " << v->message;
    EXPECT_NE(finding->summary.find(std::string(evidence::RuleName(rule))), std::string::npos);
  }
  // Expects `v` to break `rule`, with evidence that verifies.
  void ExpectViolationAgain(const Violation& v, Rule rule) {
    EXPECT_EQ(v.rule, rule) << v.message;
    auto e = BuildRuleEvidence(v, log_.VerifierKey(), log_.SignedCheckpoint(),
                               [this](uint64_t i) -> absl::StatusOr<std::vector<Hash>> {
                                 return log_.InclusionProof(i, log_.size());
                               });
    ASSERT_TRUE(e.ok()) << e.status();
    auto finding = evidence::VerifyEvidence(*e);
    ASSERT_TRUE(finding.ok()) << finding.status() << " for " << v.message;
  }
  void FeedHonestAndCommit() {
    std::optional<Violation> v = FeedAll();
    ASSERT_FALSE(v.has_value()) << v->message;
    ASSERT_EQ(auditor_->replayed_size(), log_.size());
    ASSERT_EQ(auditor_->ReplayedRoot(), log_.RootAt(log_.size()));
    ASSERT_TRUE(auditor_->Commit(log_.SignedCheckpoint()).ok());
  }

  std::string dir_;
  CraftedLog log_;
  std::unique_ptr<MonitorStore> store_;
  std::unique_ptr<Auditor> auditor_;
};

std::vector<Hash> Indexes(int from, int to) {
  std::vector<Hash> out;
  for (int i = from; i < to; ++i) out.push_back(TestIndex(i));
  return out;
}

TEST_F(AuditorTest, HonestLogReplaysAndResumesAfterRestart) {
  log_.HonestEpoch({}, kT);
  log_.HonestEpoch(Indexes(0, 100), kT + 1);
  FeedHonestAndCommit();
  log_.HonestEpoch(Indexes(50, 300), kT + 2);
  log_.HonestEpoch({}, kT + 3);
  log_.HonestEpoch(Indexes(0, 10), kT + 3);
  FeedHonestAndCommit();
  const uint64_t size = log_.size();
  Reopen();
  EXPECT_EQ(auditor_->verified().size, size);
  EXPECT_EQ(auditor_->fed_size(), size);
  EXPECT_EQ(auditor_->replayed_epochs(), 5u);
  // The stored tree answers for every size.
  for (uint64_t s : {uint64_t{1}, uint64_t{2}, uint64_t{102}, size}) {
    auto root = store_->RootAt(s);
    ASSERT_TRUE(root.ok()) << root.status();
    EXPECT_EQ(*root, log_.RootAt(s)) << s;
  }
  auto proof = store_->ConsistencyProof(102, size);
  ASSERT_TRUE(proof.ok());
  EXPECT_EQ(*proof, log_.ConsistencyProof(102, size));
  log_.HonestEpoch(Indexes(250, 400), kT + 4);
  FeedHonestAndCommit();
  // A commit while an epoch is open keeps the open epoch in memory.
  log_.HonestEpoch(Indexes(0, 3), kT + 5);
  {
    std::vector<std::string> part;
    for (uint64_t i = auditor_->fed_size(); i < log_.size() - 2; ++i) part.push_back(log_.entry(i));
    ASSERT_FALSE(auditor_->Feed(part)->has_value());
    const uint64_t replayed = auditor_->replayed_size();
    ASSERT_TRUE(auditor_->Commit(log_.SignedCheckpoint()).ok());
    EXPECT_EQ(auditor_->verified().size, replayed);
    EXPECT_EQ(auditor_->fed_size(), log_.size() - 2);
    FeedHonestAndCommit();
  }
  // An uncommitted epoch is forgotten by Reset.
  log_.HonestEpoch(Indexes(0, 5), kT + 5);
  ASSERT_FALSE(FeedAll().has_value());
  ASSERT_TRUE(auditor_->Reset().ok());
  EXPECT_EQ(auditor_->fed_size(), log_.size() - 6);
  FeedHonestAndCommit();
}

TEST_F(AuditorTest, EntryEncoding) {
  log_.HonestEpoch({}, kT);
  log_.Append("\x01\x01short");
  log_.Append(EncodeEntry(log_.NextEpochEntry(1, kT)));
  ExpectViolation(Rule::kEntryEncoding);
}

TEST_F(AuditorTest, CheckpointNotOnEpoch) {
  log_.HonestEpoch({}, kT);
  log_.Append(EncodeEntry(log_.NextUpdate(TestIndex(1))));
  ExpectViolation(Rule::kCheckpointNotOnEpoch);
}

TEST_F(AuditorTest, EpochNotConsecutive) {
  log_.HonestEpoch({}, kT);
  FeedHonestAndCommit();
  log_.FinishEpoch();
  log_.HonestEpoch({}, kT);
  ExpectViolation(Rule::kEpochNotConsecutive);
}

TEST_F(AuditorTest, FirstEpochMustBeZero) {
  log_.FinishEpoch();
  log_.HonestEpoch({}, kT);
  ExpectViolation(Rule::kEpochNotConsecutive);
}

TEST_F(AuditorTest, TimestampBackwards) {
  log_.HonestEpoch({}, kT);
  log_.HonestEpoch({}, kT - 1);
  ExpectViolation(Rule::kTimestampBackwards);
}

TEST_F(AuditorTest, TimestampInFuture) {
  log_.HonestEpoch({}, kT + 1000 + evidence::kFutureToleranceMs + 1);
  ExpectViolation(Rule::kTimestampInFuture);
}

TEST_F(AuditorTest, UpdateWrongEpoch) {
  log_.HonestEpoch({}, kT);
  UpdateEntry u = log_.NextUpdate(TestIndex(1));
  u.epoch = 0;
  log_.ApplyToMap(u);
  log_.Append(EncodeEntry(u));
  log_.Append(EncodeEntry(log_.NextEpochEntry(1, kT)));
  ExpectViolation(Rule::kUpdateWrongEpoch);
}

TEST_F(AuditorTest, EpochWrongCount) {
  log_.HonestEpoch({}, kT);
  log_.Append(EncodeEntry(log_.NextEpochEntry(3, kT)));
  ExpectViolation(Rule::kEpochWrongCount);
}

TEST_F(AuditorTest, UpdateWrongVersion) {
  log_.HonestEpoch({}, kT);
  log_.HonestEpoch(Indexes(0, 40), kT);
  FeedHonestAndCommit();
  UpdateEntry u = log_.NextUpdate(TestIndex(7));
  u.version = 1;  // index 7 is at version 1 already
  log_.ApplyToMap(u);
  log_.Append(EncodeEntry(u));
  log_.Append(EncodeEntry(log_.NextEpochEntry(1, kT)));
  ExpectViolation(Rule::kUpdateWrongVersion);
}

// The first wrong version in LOG order is reported, though the auditor
// checks an epoch's updates grouped by index.
TEST_F(AuditorTest, UpdateWrongVersionNamesTheFirstInLogOrder) {
  log_.HonestEpoch({}, kT);
  log_.HonestEpoch(Indexes(0, 40), kT);
  FeedHonestAndCommit();
  Hash high = TestIndex(7), low = TestIndex(9);
  if (high < low) std::swap(high, low);
  const uint64_t first = log_.size();
  UpdateEntry ok = log_.NextUpdate(TestIndex(20));
  log_.ApplyToMap(ok);
  log_.Append(EncodeEntry(ok));
  UpdateEntry repeated = log_.NextUpdate(high);
  repeated.version = 1;  // `high` is at version 1 already
  log_.ApplyToMap(repeated);
  log_.Append(EncodeEntry(repeated));
  UpdateEntry skipped = log_.NextUpdate(low);
  skipped.version = 5;
  log_.ApplyToMap(skipped);
  log_.Append(EncodeEntry(skipped));
  log_.Append(EncodeEntry(log_.NextEpochEntry(3, kT)));
  std::optional<Violation> v = FeedAll();
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->rule, Rule::kUpdateWrongVersion);
  EXPECT_NE(v->message.find(absl::StrCat("update entry at ", first + 1, " has version 1")),
            std::string::npos)
      << v->message;
  EXPECT_EQ(v->witnesses.size(), 3u);  // every touched index's prior leaf
  ExpectViolationAgain(*v, Rule::kUpdateWrongVersion);
}

// An index updated several times in one epoch (interleaved with others),
// epochs replayed on top of uncommitted ones, one of more than 1,000
// indexes (applied on two threads), then a restart.
TEST_F(AuditorTest, SeveralUpdatesOfOneIndexPerEpochAndUncommittedEpochs) {
  log_.HonestEpoch({}, kT);
  log_.HonestEpoch(Indexes(0, 60), kT);
  FeedHonestAndCommit();
  std::vector<Hash> big = {TestIndex(3), TestIndex(70), TestIndex(3),
                           TestIndex(5), TestIndex(70), TestIndex(3)};
  for (const Hash& h : Indexes(100, 1300)) big.push_back(h);
  big.push_back(TestIndex(5));
  log_.HonestEpoch(big, kT + 1);
  log_.HonestEpoch({TestIndex(3), TestIndex(70), TestIndex(70), TestIndex(2000)}, kT + 2);
  log_.HonestEpoch(Indexes(0, 40), kT + 3);
  FeedHonestAndCommit();
  Reopen();
  log_.HonestEpoch({TestIndex(3), TestIndex(3), TestIndex(2001)}, kT + 4);
  FeedHonestAndCommit();
}

TEST_F(AuditorTest, MapRootMismatchAgainstCommittedAndReplayedState) {
  log_.HonestEpoch({}, kT);
  log_.HonestEpoch(Indexes(0, 200), kT);
  FeedHonestAndCommit();
  // One more honest epoch replayed but not committed: the witnesses must
  // come from the overlay.
  log_.HonestEpoch(Indexes(100, 300), kT);
  for (int i : {5, 150, 299, 1000}) {
    UpdateEntry u = log_.NextUpdate(TestIndex(i));
    log_.ApplyToMap(u);
    log_.Append(EncodeEntry(u));
  }
  EpochEntry wrong = log_.NextEpochEntry(4, kT);
  wrong.map_root[31] ^= 1;
  log_.Append(EncodeEntry(wrong));
  ExpectViolation(Rule::kMapRootMismatch);
}

}  // namespace
}  // namespace keytrail::monitor
