// The checkpoint judge on its own: an audited view built from a FakeLog, and
// a LogClient answering from a FakeLog in memory (a fork of it when the test
// says so). Every kind of checkpoint that cannot be a head gives a split
// view whose evidence verifies; consistent ones are consistent or older;
// what proves nothing is an error, never evidence.
#include "monitor/checkpoint_judge.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/merkle/hash_list.h"
#include "core/note/note.h"
#include "gtest/gtest.h"
#include "testing/fake_log.h"

namespace keytrail::monitor {
namespace {

using fakes::FakeLog;
using fakes::PlainKeySet;

std::vector<Hash> Hashes(const std::string& bytes) {
  return merkle::DecodeHashList(bytes, 65, "proof").value();
}

// Answers from `log` (which the test may replace); counts calls; or fails.
class MemoryLogClient : public LogClient {
 public:
  explicit MemoryLogClient(FakeLog log) : log_(std::move(log)) {}
  void Replace(FakeLog log) { log_ = std::move(log); }
  void SetUnavailable(bool u) { unavailable_ = u; }
  int calls() const { return calls_; }

  absl::StatusOr<std::string> Checkpoint(absl::Time) override {
    if (auto s = Count(); !s.ok()) return s;
    return log_.SignedCheckpoint();
  }
  absl::StatusOr<std::vector<std::string>> Entries(uint64_t start, uint64_t count,
                                                   absl::Time) override {
    if (auto s = Count(); !s.ok()) return s;
    if (start >= log_.size()) return absl::UnavailableError("past the end");
    std::vector<std::string> out;
    for (uint64_t i = start; i < log_.size() && i < start + count; ++i)
      out.push_back(log_.Entry(i));
    return out;
  }
  absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t a, uint64_t b, absl::Time) override {
    if (auto s = Count(); !s.ok()) return s;
    if (b > log_.size()) return absl::UnavailableError("no such tree");
    return Hashes(log_.ConsistencyProof(a, b));
  }
  absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t i, uint64_t size, absl::Time) override {
    if (auto s = Count(); !s.ok()) return s;
    if (size > log_.size()) return absl::UnavailableError("no such tree");
    return Hashes(log_.InclusionProof(i, size));
  }
  absl::StatusOr<LogParameters> Info(absl::Time) override { return LogParameters{}; }

 private:
  absl::Status Count() {
    ++calls_;
    return unavailable_ ? absl::UnavailableError("log down") : absl::OkStatus();
  }
  FakeLog log_;
  bool unavailable_ = false;
  int calls_ = 0;
};

class CheckpointJudgeTest : public testing::Test {
 protected:
  CheckpointJudgeTest() {
    for (int e = 1; e <= 4; ++e) {
      for (int i = 0; i < 3; ++i) log_.Update(absl::StrCat("account ", i), PlainKeySet({"phone"}));
      log_.CloseEpoch(FakeLog::kGenesisTimeMs + e);
    }
    audited_ = log_.size();  // 1 + 4 * 4 = 17
    client_ = std::make_unique<MemoryLogClient>(log_);
  }

  SignedCheckpoint At(const FakeLog& log, uint64_t size) const {
    return SignedCheckpoint{log.SignedCheckpointAt(size), log.CheckpointAt(size)};
  }
  // The monitor audited log_ up to `audited_`.
  AuditedView View() const {
    AuditedView v;
    v.log_key = log_.signer().VerifierKey();
    v.verified = At(log_, audited_);
    v.root_at = [this](uint64_t size) -> absl::StatusOr<Hash> {
      return log_.CheckpointAt(size).root;
    };
    v.proof = [this](uint64_t a, uint64_t b) -> absl::StatusOr<std::vector<Hash>> {
      return Hashes(log_.ConsistencyProof(a, b));
    };
    return v;
  }
  absl::StatusOr<Verdict> Judge(const SignedCheckpoint& cp, const AuditedView& view, LogClient* log,
                                const OfferedProof* offered = nullptr) {
    return JudgeCheckpoint(cp, view, log, absl::Now() + absl::Seconds(5), offered);
  }
  static void ExpectSplit(const absl::StatusOr<Verdict>& v) {
    ASSERT_TRUE(v.ok()) << v.status();
    ASSERT_EQ(v->kind, Verdict::Kind::kSplitView);
    ASSERT_TRUE(v->evidence.has_value());
    auto finding = evidence::VerifyEvidence(*v->evidence);
    EXPECT_TRUE(finding.ok()) << finding.status();
    EXPECT_EQ(v->summary, finding.ok() ? finding->summary : "");
    // It survives its own encoding.
    auto decoded = evidence::DecodeEvidence(evidence::EncodeEvidence(*v->evidence));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_TRUE(evidence::VerifyEvidence(*decoded).ok());
  }

  FakeLog log_;
  uint64_t audited_ = 0;
  std::unique_ptr<MemoryLogClient> client_;
};

// A log that shares log_'s keys and first epochs, then differs.
FakeLog Diverged(const FakeLog& base, int epochs_kept, int new_epochs) {
  FakeLog fork(base.signer(), base.vrf(), FakeLog::kGenesisTimeMs);
  for (int e = 1; e <= epochs_kept; ++e) {
    for (int i = 0; i < 3; ++i) fork.Update(absl::StrCat("account ", i), PlainKeySet({"phone"}));
    fork.CloseEpoch(FakeLog::kGenesisTimeMs + e);
  }
  for (int e = 1; e <= new_epochs; ++e) {
    fork.Update("mallory", PlainKeySet({absl::StrCat("attacker ", e).c_str()}));
    fork.CloseEpoch(FakeLog::kGenesisTimeMs + 100 + e);
  }
  return fork;
}

TEST_F(CheckpointJudgeTest, TheSameCheckpointIsConsistent) {
  auto v = Judge(At(log_, audited_), View(), nullptr);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->kind, Verdict::Kind::kConsistent);
}

TEST_F(CheckpointJudgeTest, AnAuditedSmallerCheckpointIsOlderWithoutTheLog) {
  auto v = Judge(At(log_, 5), View(), nullptr);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->kind, Verdict::Kind::kOlder);
}

TEST_F(CheckpointJudgeTest, SameSizeOtherRootIsASplitView) {
  note::Checkpoint forged = log_.CheckpointAt(audited_);
  forged.root[0] ^= 1;
  ExpectSplit(Judge({log_.SignCheckpoint(forged), forged}, View(), nullptr));
}

TEST_F(CheckpointJudgeTest, SmallerSizeOtherRootIsASplitViewWithAProof) {
  const FakeLog fork = Diverged(log_, 1, 1);  // 5 + 2 leaves: size 7 < 17
  ASSERT_LT(fork.size(), audited_);
  auto v = Judge(At(fork, fork.size()), View(), nullptr);
  ExpectSplit(v);
  EXPECT_FALSE(v->evidence->consistency_proof.empty());
}

TEST_F(CheckpointJudgeTest, LargerSizeTheLogsProofShowsAnotherTreeIsASplitView) {
  FakeLog bigger = Diverged(log_, 2, 8);
  ASSERT_GT(bigger.size(), audited_);
  client_->Replace(bigger);
  auto v = Judge(At(bigger, bigger.size()), View(), client_.get());
  ExpectSplit(v);
  EXPECT_GT(client_->calls(), 0);
}

TEST_F(CheckpointJudgeTest, LargerConsistentCheckpointIsConsistent) {
  FakeLog grown = log_;
  grown.Update("bob", PlainKeySet({"phone"}));
  grown.CloseEpoch(FakeLog::kGenesisTimeMs + 10);
  client_->Replace(grown);
  auto v = Judge(At(grown, grown.size()), View(), client_.get());
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->kind, Verdict::Kind::kConsistent);
}

TEST_F(CheckpointJudgeTest, LargerCheckpointWithoutTheLogNeedsIt) {
  FakeLog bigger = Diverged(log_, 2, 8);
  auto v = Judge(At(bigger, bigger.size()), View(), nullptr);
  EXPECT_TRUE(absl::IsUnavailable(v.status())) << v.status();
}

TEST_F(CheckpointJudgeTest, AnUnreachableLogProvesNothing) {
  FakeLog bigger = Diverged(log_, 2, 8);
  client_->SetUnavailable(true);
  auto v = Judge(At(bigger, bigger.size()), View(), client_.get());
  EXPECT_TRUE(absl::IsUnavailable(v.status())) << v.status();
}

TEST_F(CheckpointJudgeTest, APushedProofThatShowsAnotherTreeIsASplitViewWithoutTheLog) {
  for (int epochs : {5, 6, 8}) {
    SCOPED_TRACE(epochs);
    FakeLog bigger = Diverged(log_, 2, epochs);
    ASSERT_GT(bigger.size(), audited_);
    const OfferedProof offered{audited_, Hashes(bigger.ConsistencyProof(audited_, bigger.size()))};
    ExpectSplit(Judge(At(bigger, bigger.size()), View(), nullptr, &offered));
  }
}

TEST_F(CheckpointJudgeTest, AGarbagePushedProofProvesNothing) {
  FakeLog bigger = Diverged(log_, 2, 8);
  OfferedProof offered{audited_, Hashes(bigger.ConsistencyProof(audited_, bigger.size()))};
  offered.hashes.back()[0] ^= 1;  // no longer leads to the pushed root
  auto v = Judge(At(bigger, bigger.size()), View(), nullptr, &offered);
  EXPECT_TRUE(absl::IsUnavailable(v.status())) << v.status();
}

TEST_F(CheckpointJudgeTest, AnUnauditedHeadIsComparedWithTheLogsProof) {
  // The target (head) is beyond what was audited; a checkpoint between them
  // with another history is a split view against the head.
  FakeLog grown = log_;
  for (int e = 0; e < 4; ++e) {
    grown.Update("bob", PlainKeySet({"phone"}));
    grown.CloseEpoch(FakeLog::kGenesisTimeMs + 10 + e);
  }
  AuditedView view = View();
  view.head = At(grown, grown.size());
  client_->Replace(grown);
  FakeLog other = log_;
  other.Update("mallory", PlainKeySet({"attacker"}));
  other.CloseEpoch(FakeLog::kGenesisTimeMs + 10);
  ASSERT_LT(other.size(), grown.size());
  ExpectSplit(Judge(At(other, other.size()), view, client_.get()));
  // And the honest one between them is older.
  auto v = Judge(At(grown, audited_ + 2), view, client_.get());
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->kind, Verdict::Kind::kOlder);
}

TEST_F(CheckpointJudgeTest, SizeZero) {
  auto v = Judge(At(log_, 0), View(), nullptr);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->kind, Verdict::Kind::kOlder);
  note::Checkpoint forged = log_.CheckpointAt(0);
  forged.root[0] ^= 1;
  EXPECT_TRUE(
      absl::IsUnavailable(Judge({log_.SignCheckpoint(forged), forged}, View(), nullptr).status()));
}

TEST_F(CheckpointJudgeTest, TheFirstCheckpointSeenIsConsistent) {
  AuditedView empty;
  empty.log_key = log_.signer().VerifierKey();
  auto v = Judge(At(log_, 5), empty, nullptr);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->kind, Verdict::Kind::kConsistent);
}

}  // namespace
}  // namespace keytrail::monitor
