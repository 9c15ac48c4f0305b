// The follower against a crafted log served over real gRPC: the honest path,
// each kind of misbehaviour (evidence that verifies, MISBEHAVING, no OK from
// CheckAudited, also after a restart), and failures that prove nothing
// (UNREACHABLE, no evidence).
#include "monitor/follower.h"

#include <atomic>
#include <filesystem>

#include "core/bytes/encoding.h"
#include "core/evidence/evidence.h"
#include "core/note/checkpoint.h"
#include "gtest/gtest.h"
#include "monitor/storage_health.h"
#include "testing/crafted_log.h"
#include "testing/crafted_log_service.h"
#include "testing/full_disk.h"
#include "testing/process.h"

namespace keytrail::monitor {
namespace {

using test::CraftedLog;
using test::TestIndex;

constexpr uint64_t kT = 1700000000000;

std::vector<Hash> Indexes(int from, int to) {
  std::vector<Hash> out;
  for (int i = from; i < to; ++i) out.push_back(TestIndex(i));
  return out;
}

class FollowerTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = keytrail::test::TempDir(testing::UnitTest::GetInstance()->current_test_info()->name());
    log_.HonestEpoch({}, kT);
    log_.HonestEpoch(Indexes(0, 30), kT + 1);
    server_ = std::make_unique<test::CraftedLogServer>(&log_);
    Reopen();
  }
  void Reopen() {
    follower_.reset();
    FollowerOptions o;
    o.log.set_origin(log_.signer().name());
    o.log.set_note_verifier_key(log_.VerifierKey());
    o.log.set_grpc_address("127.0.0.1:" + std::to_string(server_->port()));
    o.log.set_poll_interval_ms(20);
    o.db_dir = dir_ + "/db";
    o.evidence_dir = dir_ + "/evidence";
    o.commit_every_entries = 50;
    o.rpc_timeout = absl::Seconds(5);
    o.clock = [this] { return now_.load(); };
    o.env = disk_.env();
    o.storage_health = &health_;
    auto f = Follower::Create(o, server_->Channel());
    ASSERT_TRUE(f.ok()) << f.status();
    follower_ = *std::move(f);
  }
  note::Checkpoint Parsed(const std::string& signed_note) {
    auto n = note::ParseNote(signed_note).value();
    return note::ParseCheckpoint(n.text).value();
  }
  absl::Status CheckAudited(const CraftedLog& log, uint64_t size,
                            absl::Duration wait = absl::ZeroDuration()) {
    const std::string text = log.SignedCheckpoint(size);
    return follower_->CheckAudited(text, Parsed(text), absl::Now() + wait);
  }
  // Misbehaviour found: MISBEHAVING, evidence that verifies (in the status
  // and in a file), no OK from CheckAudited, also after a restart.
  void ExpectMisbehaving(absl::Status step, const std::string& what) {
    EXPECT_EQ(step.code(), absl::StatusCode::kFailedPrecondition) << step;
    v1::LogStatus status = follower_->Status();
    EXPECT_EQ(status.state(), v1::LogStatus::MISBEHAVING);
    ASSERT_EQ(status.evidence_size(), 1);
    EXPECT_NE(status.evidence(0).summary().find(what), std::string::npos)
        << status.evidence(0).summary();
    auto file = keytrail::test::ReadFile(status.evidence(0).file());
    auto decoded = evidence::DecodeEvidence(file);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_TRUE(evidence::VerifyEvidence(*decoded).ok());
    EXPECT_EQ(CheckAudited(log_, 1).code(), absl::StatusCode::kFailedPrecondition);
    Reopen();
    EXPECT_EQ(follower_->Status().state(), v1::LogStatus::MISBEHAVING);
    EXPECT_EQ(CheckAudited(log_, 1).code(), absl::StatusCode::kFailedPrecondition);
  }

  std::atomic<uint64_t> now_{kT + 1000};
  keytrail::test::FullDisk disk_;  // never full unless a test says so
  StorageHealth health_;
  std::string dir_;
  CraftedLog log_;
  std::unique_ptr<test::CraftedLogServer> server_;
  std::unique_ptr<Follower> follower_;
};

TEST_F(FollowerTest, HonestLogIsAuditedAndCosignable) {
  ASSERT_TRUE(follower_->Step().ok());
  v1::LogStatus status = follower_->Status();
  EXPECT_EQ(status.state(), v1::LogStatus::OK) << status.DebugString();
  EXPECT_EQ(status.verified_size(), log_.size());
  EXPECT_EQ(status.lag(), 0u);
  EXPECT_EQ(status.epoch(), 1u);
  EXPECT_TRUE(CheckAudited(log_, log_.size()).ok());
  EXPECT_TRUE(CheckAudited(log_, 1).ok());
  // Growth in several epochs, committed in proven prefixes along the way.
  for (int e = 0; e < 5; ++e) log_.HonestEpoch(Indexes(e * 20, e * 20 + 40), kT + 2 + e);
  ASSERT_TRUE(follower_->Step().ok());
  EXPECT_EQ(follower_->Status().verified_size(), log_.size());
  EXPECT_TRUE(CheckAudited(log_, log_.size()).ok());
  // A restart resumes without re-reading anything.
  const int calls = server_->entries_calls();
  Reopen();
  ASSERT_TRUE(follower_->Step().ok());
  EXPECT_EQ(server_->entries_calls(), calls);
  EXPECT_EQ(follower_->Status().state(), v1::LogStatus::OK);
  // An older, consistent checkpoint is no alarm.
  server_->SetServedSize(3);
  EXPECT_TRUE(follower_->Step().ok());
  EXPECT_EQ(follower_->Status().evidence_size(), 0);
}

TEST_F(FollowerTest, CheckAuditedWaitsForTheAuditOfANewCheckpoint) {
  ASSERT_TRUE(follower_->Step().ok());
  log_.HonestEpoch(Indexes(100, 120), kT + 5);
  server_->SetServedSize(32);  // the log still serves the old one
  // Not audited and no thread running: Unavailable at the deadline.
  EXPECT_EQ(CheckAudited(log_, log_.size()).code(), absl::StatusCode::kUnavailable);
  follower_->Start();
  EXPECT_TRUE(CheckAudited(log_, log_.size(), absl::Seconds(10)).ok());
  follower_->Stop();
}

TEST_F(FollowerTest, EntryThatDoesNotDecode) {
  log_.Append("\x01\x02 not an epoch entry");
  ExpectMisbehaving(follower_->Step(), "entry-encoding");
}

TEST_F(FollowerTest, CheckpointNotOnEpoch) {
  log_.Append(EncodeEntry(log_.NextUpdate(TestIndex(1))));
  ExpectMisbehaving(follower_->Step(), "checkpoint-not-on-epoch");
}

TEST_F(FollowerTest, WrongMapRootAfterAuditedEpochs) {
  ASSERT_TRUE(follower_->Step().ok());
  for (int i : {1, 2, 99}) {
    UpdateEntry u = log_.NextUpdate(TestIndex(i));
    log_.ApplyToMap(u);
    log_.Append(EncodeEntry(u));
  }
  EpochEntry e = log_.NextEpochEntry(3, kT + 2);
  e.map_root = log_.RootAt(3);  // any other root
  log_.Append(EncodeEntry(e));
  ExpectMisbehaving(follower_->Step(), "map-root");
}

TEST_F(FollowerTest, WrongVersion) {
  ASSERT_TRUE(follower_->Step().ok());
  UpdateEntry u = log_.NextUpdate(TestIndex(4));
  u.version = 5;
  log_.ApplyToMap(u);
  log_.Append(EncodeEntry(u));
  log_.Append(EncodeEntry(log_.NextEpochEntry(1, kT + 2)));
  ExpectMisbehaving(follower_->Step(), "update-wrong-version");
}

TEST_F(FollowerTest, ForkedCheckpointOfTheSameSize) {
  CraftedLog fork = log_;
  log_.HonestEpoch(Indexes(0, 3), kT + 2);
  fork.HonestEpoch(Indexes(3, 6), kT + 2);
  ASSERT_TRUE(follower_->Step().ok());
  server_->SetLog(&fork);
  ExpectMisbehaving(follower_->Step(), "split view");
}

TEST_F(FollowerTest, RollbackToAnotherHistory) {
  CraftedLog fork = log_;
  log_.HonestEpoch(Indexes(0, 3), kT + 2);  // size 36
  log_.HonestEpoch(Indexes(3, 6), kT + 3);  // size 40
  fork.HonestEpoch(Indexes(6, 7), kT + 2);  // size 34, another history
  ASSERT_TRUE(follower_->Step().ok());
  server_->SetLog(&fork);
  ExpectMisbehaving(follower_->Step(), "split view");
}

TEST_F(FollowerTest, InconsistentGrowth) {
  CraftedLog fork = log_;                   // the common 32 entries
  log_.HonestEpoch(Indexes(0, 3), kT + 2);  // size 36, audited
  ASSERT_TRUE(follower_->Step().ok());
  fork.HonestEpoch(Indexes(3, 8), kT + 2);  // size 38, another history
  fork.HonestEpoch(Indexes(8, 9), kT + 3);  // size 40
  server_->SetLog(&fork);
  ExpectMisbehaving(follower_->Step(), "split view");
}

TEST_F(FollowerTest, InconsistentGrowthFromAPowerOfTwo) {
  // Audited size 32 (a power of two: the consistency proof leaves the old
  // root out); the log then signs a tree that rewrote leaf 5.
  ASSERT_TRUE(follower_->Step().ok());
  CraftedLog other(log_.signer());
  for (uint64_t i = 0; i < 32; ++i)
    other.Append(i == 5 ? std::string("\x01\x02rewritten") : log_.entry(i));
  other.Append(log_.entry(31));
  server_->SetLog(&other);
  ExpectMisbehaving(follower_->Step(), "split view");
}

TEST_F(FollowerTest, QuietLogIsStaleNotMisbehaving) {
  ASSERT_TRUE(follower_->Step().ok());
  EXPECT_EQ(follower_->Status().state(), v1::LogStatus::OK);
  now_ += 60000 + 20 + 1;  // past max_epoch_age (GetLogInfo) and one poll
  EXPECT_TRUE(follower_->Step().ok());
  v1::LogStatus status = follower_->Status();
  EXPECT_EQ(status.state(), v1::LogStatus::STALE);
  EXPECT_EQ(status.evidence_size(), 0);
  EXPECT_TRUE(CheckAudited(log_, log_.size()).ok());
  // A new epoch makes it fresh again.
  log_.HonestEpoch({}, now_.load());
  EXPECT_TRUE(follower_->Step().ok());
  EXPECT_EQ(follower_->Status().state(), v1::LogStatus::OK);
}

TEST_F(FollowerTest, BadLogSignatureProvesNothing) {
  CraftedLog impostor(log_.signer().name());  // same origin, another key
  impostor.HonestEpoch({}, kT);
  server_->SetLog(&impostor);
  absl::Status s = follower_->Step();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  v1::LogStatus status = follower_->Status();
  EXPECT_EQ(status.state(), v1::LogStatus::UNREACHABLE);
  EXPECT_NE(status.last_error().find("signature"), std::string::npos);
  EXPECT_EQ(status.evidence_size(), 0);
  EXPECT_EQ(CheckAudited(log_, log_.size()).code(), absl::StatusCode::kUnavailable);
}

TEST_F(FollowerTest, UnreachableLogIsRetriedWithoutAlarm) {
  server_->SetDown(true);
  absl::Status s = follower_->Step();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(follower_->Status().state(), v1::LogStatus::UNREACHABLE);
  follower_->Start();
  absl::SleepFor(absl::Milliseconds(300));  // several retries with backoff
  server_->SetDown(false);
  EXPECT_TRUE(CheckAudited(log_, log_.size(), absl::Seconds(10)).ok());
  follower_->Stop();
  EXPECT_EQ(follower_->Status().evidence_size(), 0);
  EXPECT_EQ(follower_->Status().state(), v1::LogStatus::OK);
}

TEST_F(FollowerTest, CheckAuditedCatchesASplitViewAtAnAuditedSize) {
  ASSERT_TRUE(follower_->Step().ok());
  // A checkpoint of an audited size with another root, signed by the log.
  note::Checkpoint cp = Parsed(log_.SignedCheckpoint(20));
  cp.root = log_.RootAt(21);
  const note::NoteSigner* signers[] = {&log_.signer()};
  const std::string text = note::SignNote(note::FormatCheckpoint(cp), signers).value();
  EXPECT_EQ(follower_->CheckAudited(text, cp, absl::Now()).code(),
            absl::StatusCode::kFailedPrecondition);
  ExpectMisbehaving(absl::FailedPreconditionError("found by CheckAudited"), "split view");
}

// Its own disk full: the epoch it replayed is not stored, so not
// cosignable (CheckAudited answers Unavailable at once, no waiting), the
// state is STORAGE_FAILING and health failing; with the disk still full the
// follower only probes (no fetching); once space is back the next round
// stores it, once, and it is cosignable.
TEST_F(FollowerTest, FullDiskStoresNothingCosignsNothingThenResumes) {
  ASSERT_TRUE(follower_->Step().ok());
  const uint64_t stored = log_.size();
  ASSERT_TRUE(health_.healthy());
  log_.HonestEpoch(Indexes(40, 50), kT + 2);
  disk_.SetFull(true);
  absl::Status step = follower_->Step();
  EXPECT_EQ(step.code(), absl::StatusCode::kUnavailable) << step;
  v1::LogStatus status = follower_->Status();
  EXPECT_EQ(status.state(), v1::LogStatus::STORAGE_FAILING) << status.DebugString();
  EXPECT_NE(status.storage_error().find("disk full"), std::string::npos) << status.DebugString();
  EXPECT_EQ(status.verified_size(), stored);
  EXPECT_FALSE(health_.healthy());
  const absl::Time asked = absl::Now();
  absl::Status audited = CheckAudited(log_, log_.size(), absl::Seconds(10));
  EXPECT_EQ(audited.code(), absl::StatusCode::kUnavailable) << audited;
  EXPECT_NE(audited.message().find("storage is failing"), std::string::npos) << audited;
  EXPECT_LT(absl::Now() - asked, absl::Seconds(5)) << "waited for an audit that can't be stored";
  EXPECT_TRUE(CheckAudited(log_, stored).ok()) << "what is stored stays cosignable";
  // Still full: a probe, no fetching.
  const int calls = server_->entries_calls();
  EXPECT_EQ(follower_->Step().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(server_->entries_calls(), calls);

  disk_.SetFull(false);
  ASSERT_TRUE(follower_->Step().ok());
  status = follower_->Status();
  EXPECT_EQ(status.state(), v1::LogStatus::OK) << status.DebugString();
  EXPECT_TRUE(status.storage_error().empty());
  EXPECT_EQ(status.verified_size(), log_.size());
  EXPECT_TRUE(health_.healthy());
  EXPECT_TRUE(CheckAudited(log_, log_.size()).ok());
  // Nothing applied twice: after a restart it resumes there, and the next
  // epoch (versions + 1 of the same indexes) checks out.
  Reopen();
  log_.HonestEpoch(Indexes(40, 45), kT + 3);
  ASSERT_TRUE(follower_->Step().ok());
  EXPECT_EQ(follower_->Status().state(), v1::LogStatus::OK);
  EXPECT_EQ(follower_->Status().verified_size(), log_.size());
}

// Evidence found while the disk is full: no more cosigning at once; the
// evidence is stored and filed once a write works.
TEST_F(FollowerTest, EvidenceFoundOnAFullDiskIsStoredOnceSpaceReturns) {
  ASSERT_TRUE(follower_->Step().ok());
  note::Checkpoint cp = Parsed(log_.SignedCheckpoint(20));
  cp.root = log_.RootAt(21);
  const note::NoteSigner* signers[] = {&log_.signer()};
  const std::string text = note::SignNote(note::FormatCheckpoint(cp), signers).value();
  disk_.SetFull(true);
  testing::internal::CaptureStderr();
  EXPECT_EQ(follower_->CheckAudited(text, cp, absl::Now()).code(),
            absl::StatusCode::kFailedPrecondition);
  const std::string log = testing::internal::GetCapturedStderr();
  // The log line carries the evidence, in case the monitor restarts before
  // a write works: decoded, it is the split view itself.
  const std::string kCopy = "the evidence file, base64: ";
  const size_t at = log.find(kCopy);
  ASSERT_NE(at, std::string::npos) << log;
  const size_t begin = at + kCopy.size();
  auto logged = Base64Decode(log.substr(begin, log.find('\n', begin) - begin));
  ASSERT_TRUE(logged.ok()) << logged.status() << "\n" << log;
  auto decoded = evidence::DecodeEvidence(*logged);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  auto finding = evidence::VerifyEvidence(*decoded);
  ASSERT_TRUE(finding.ok()) << finding.status();
  EXPECT_NE(finding->summary.find("split view"), std::string::npos) << finding->summary;
  v1::LogStatus status = follower_->Status();
  EXPECT_EQ(status.state(), v1::LogStatus::MISBEHAVING);
  EXPECT_EQ(status.evidence_size(), 0) << "stored on a full disk?";
  EXPECT_FALSE(health_.healthy());
  EXPECT_EQ(CheckAudited(log_, 1).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(follower_->Step().ok());  // still full

  disk_.SetFull(false);
  ASSERT_TRUE(follower_->Step().ok());
  EXPECT_TRUE(health_.healthy());
  ExpectMisbehaving(absl::FailedPreconditionError("found by CheckAudited"), "split view");
}

}  // namespace
}  // namespace keytrail::monitor
