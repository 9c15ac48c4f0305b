// EvidenceKeeper on its own, with a store the test controls: kept evidence
// stops cosigning at once, is stored, filed and logged once; a store that
// fails keeps it in memory, logs a base64 copy that decodes to it, and
// StoreUnsaved stores it once writes work; stored evidence is loaded back;
// evidence that does not verify is refused.
#include "monitor/evidence_keeper.h"

#include <memory>
#include <string>
#include <vector>

#include "core/bytes/encoding.h"
#include "core/evidence/evidence.h"
#include "gtest/gtest.h"
#include "testing/crafted_log.h"
#include "testing/log_lines.h"
#include "testing/process.h"

namespace keytrail::monitor {
namespace {

using keytrail::test::CountLinesContaining;
using keytrail::test::ReadFile;

class EvidenceKeeperTest : public testing::Test {
 protected:
  EvidenceKeeperTest() : dir_(keytrail::test::TempDir("evidence_keeper")) {
    test::CraftedLog log;
    log.HonestEpoch({}, 1700000000000);
    test::CraftedLog fork = log;
    log.HonestEpoch({test::TestIndex(1)}, 1700000000001);
    fork.HonestEpoch({test::TestIndex(2)}, 1700000000001);
    split_.kind = evidence::EvidenceKind::kSplitView;
    split_.log_key = log.VerifierKey();
    split_.checkpoint_a = log.SignedCheckpoint();
    split_.checkpoint_b = fork.SignedCheckpoint();
  }

  std::unique_ptr<EvidenceKeeper> Make(const std::vector<std::string>& stored = {}) {
    EvidenceKeeperOptions o;
    o.origin = "example.org/crafted";
    o.evidence_dir = dir_ + "/evidence";
    o.add = [this](const std::string& bytes) -> absl::StatusOr<uint64_t> {
      if (full_) return absl::ResourceExhaustedError("disk full");
      db_.push_back(bytes);
      return db_.size() - 1;
    };
    o.report = [this](const absl::Status& s) { reports_.push_back(s); };
    return std::make_unique<EvidenceKeeper>(std::move(o), stored);
  }

  std::string dir_;
  evidence::Evidence split_;
  bool full_ = false;
  std::vector<std::string> db_;
  std::vector<absl::Status> reports_;
};

TEST_F(EvidenceKeeperTest, KeepsStoresFilesAndLogsOnce) {
  auto keeper = Make();
  EXPECT_FALSE(keeper->found());
  EXPECT_FALSE(keeper->misbehaving());
  testing::internal::CaptureStderr();
  const absl::Status s = keeper->Keep(split_);
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_NE(s.message().find("split view"), absl::string_view::npos) << s;
  EXPECT_TRUE(keeper->found());
  EXPECT_TRUE(keeper->misbehaving());
  EXPECT_FALSE(keeper->has_unsaved());
  ASSERT_EQ(db_.size(), 1u);
  EXPECT_EQ(db_[0], evidence::EncodeEvidence(split_));
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_TRUE(reports_[0].ok());
  const std::vector<v1::EvidenceInfo> list = keeper->List();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].file(), dir_ + "/evidence/example_org_crafted-0.evidence");
  EXPECT_EQ(ReadFile(list[0].file()), db_[0]);
  EXPECT_EQ(list[0].evidence(), db_[0]);
  EXPECT_EQ(CountLinesContaining(log, "ERROR"), 1) << log;
  EXPECT_EQ(CountLinesContaining(log, "MISBEHAVING"), 1) << log;
}

TEST_F(EvidenceKeeperTest, OnAFullDiskLogsACopyAndStoresItLater) {
  auto keeper = Make();
  full_ = true;
  testing::internal::CaptureStderr();
  EXPECT_EQ(keeper->Keep(split_).code(), absl::StatusCode::kFailedPrecondition);
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(keeper->found());
  EXPECT_TRUE(keeper->misbehaving());
  EXPECT_TRUE(keeper->has_unsaved());
  EXPECT_TRUE(keeper->List().empty());
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_FALSE(reports_[0].ok());
  const std::string kCopy = "the evidence file, base64: ";
  const size_t at = log.find(kCopy);
  ASSERT_NE(at, std::string::npos) << log;
  const size_t begin = at + kCopy.size();
  auto logged = Base64Decode(log.substr(begin, log.find('\n', begin) - begin));
  ASSERT_TRUE(logged.ok()) << logged.status();
  EXPECT_EQ(*logged, evidence::EncodeEvidence(split_));

  EXPECT_FALSE(keeper->StoreUnsaved().ok());  // still full
  full_ = false;
  EXPECT_TRUE(keeper->StoreUnsaved().ok());
  EXPECT_FALSE(keeper->has_unsaved());
  EXPECT_EQ(db_.size(), 1u);
  EXPECT_EQ(keeper->List().size(), 1u);
  EXPECT_TRUE(keeper->StoreUnsaved().ok());  // nothing left: stored once
  EXPECT_EQ(db_.size(), 1u);
}

TEST_F(EvidenceKeeperTest, StoredEvidenceIsLoadedBack) {
  const std::string bytes = evidence::EncodeEvidence(split_);
  auto keeper = Make({bytes, "not evidence"});
  EXPECT_TRUE(keeper->found());
  EXPECT_TRUE(keeper->misbehaving());
  const std::vector<v1::EvidenceInfo> list = keeper->List();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_NE(list[0].summary().find("split view"), std::string::npos) << list[0].summary();
  EXPECT_EQ(list[0].evidence(), bytes);
  EXPECT_EQ(list[1].file(), dir_ + "/evidence/example_org_crafted-1.evidence");
  EXPECT_NE(list[1].summary().find("does not verify"), std::string::npos) << list[1].summary();
}

TEST_F(EvidenceKeeperTest, EvidenceThatDoesNotVerifyIsRefused) {
  auto keeper = Make();
  evidence::Evidence agreeing = split_;
  agreeing.checkpoint_b = agreeing.checkpoint_a;  // proves nothing
  testing::internal::CaptureStderr();
  EXPECT_EQ(keeper->Keep(agreeing).code(), absl::StatusCode::kInternal);
  (void)testing::internal::GetCapturedStderr();
  EXPECT_FALSE(keeper->found());
  EXPECT_FALSE(keeper->misbehaving());
  EXPECT_TRUE(db_.empty());
}

}  // namespace
}  // namespace keytrail::monitor
