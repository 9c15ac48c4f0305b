// The follower against testing/fake_log_server.h: the shared fake log over
// real gRPC, made to misbehave in each way it can. Every misbehaviour must
// give the right status, evidence that verifies, and no OK from
// CheckAudited; what proves nothing (a rollback to a consistent older
// checkpoint, a bad signature, an unreachable log) must raise no alarm.
#include <filesystem>
#include <functional>
#include <memory>

#include "absl/strings/str_cat.h"
#include "core/evidence/evidence.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "core/protocol/entry.h"
#include "gtest/gtest.h"
#include "monitor/follower.h"
#include "testing/fake_log.h"
#include "testing/fake_log_server.h"
#include "testing/process.h"

namespace keytrail::monitor {
namespace {

using fakes::FakeLog;
using fakes::FakeLogServer;
using fakes::PlainKeySet;

constexpr uint64_t kT = FakeLog::kGenesisTimeMs;

class FakeLogFollowerTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = keytrail::test::TempDir(testing::UnitTest::GetInstance()->current_test_info()->name());
    FakeLog log;
    for (int e = 1; e <= 3; ++e) {
      for (int i = 0; i < 20; ++i)
        log.Update(absl::StrCat("account ", (i * e) % 25), PlainKeySet({"phone"}));
      log.CloseEpoch(kT + e);
    }
    server_ = FakeLogServer::Start(log).value();
    Reopen();
  }
  void Reopen() {
    follower_.reset();
    FakeLog log = server_->Snapshot();
    FollowerOptions o;
    o.log.set_origin(log.signer().name());
    o.log.set_note_verifier_key(log.signer().VerifierKey());
    o.log.set_grpc_address(server_->address());
    o.log.set_poll_interval_ms(20);
    o.db_dir = dir_ + "/db";
    o.evidence_dir = dir_ + "/evidence";
    o.rpc_timeout = absl::Seconds(5);
    o.clock = [] { return kT + 60000; };
    auto f = Follower::Create(
        o, grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
    ASSERT_TRUE(f.ok()) << f.status();
    follower_ = *std::move(f);
  }
  // CheckAudited for the fake log's checkpoint at `size`.
  absl::Status CheckAudited(const FakeLog& log, uint64_t size) {
    return follower_->CheckAudited(log.SignedCheckpointAt(size), log.CheckpointAt(size),
                                   absl::Now());
  }
  void Audit() {
    ASSERT_TRUE(follower_->Step().ok()) << follower_->Status().DebugString();
    EXPECT_EQ(follower_->Status().state(), v1::LogStatus::OK);
  }
  void ExpectMisbehaving(const std::string& what) {
    const FakeLog log = server_->Snapshot();
    absl::Status step = follower_->Step();
    EXPECT_EQ(step.code(), absl::StatusCode::kFailedPrecondition) << step;
    v1::LogStatus status = follower_->Status();
    EXPECT_EQ(status.state(), v1::LogStatus::MISBEHAVING) << status.DebugString();
    ASSERT_EQ(status.evidence_size(), 1);
    EXPECT_NE(status.evidence(0).summary().find(what), std::string::npos)
        << status.evidence(0).summary();
    auto decoded = evidence::DecodeEvidence(keytrail::test::ReadFile(status.evidence(0).file()));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_TRUE(evidence::VerifyEvidence(*decoded).ok());
    for (uint64_t size : {uint64_t{1}, log.size()}) {
      EXPECT_EQ(CheckAudited(log, size).code(), absl::StatusCode::kFailedPrecondition);
    }
  }
  void ExpectNoAlarm(v1::LogStatus::State state) {
    v1::LogStatus status = follower_->Status();
    EXPECT_EQ(status.state(), state) << status.DebugString();
    EXPECT_EQ(status.evidence_size(), 0);
  }

  std::string dir_;
  std::unique_ptr<FakeLogServer> server_;
  std::unique_ptr<Follower> follower_;
};

TEST_F(FakeLogFollowerTest, HonestLog) {
  Audit();
  const FakeLog log = server_->Snapshot();
  EXPECT_EQ(follower_->Status().verified_size(), log.size());
  EXPECT_TRUE(CheckAudited(log, log.size()).ok());
  server_->Mutate([](FakeLog& l) {
    l.Update("account 1", PlainKeySet({"laptop"}));
    l.Update("new account", PlainKeySet({"phone"}));
    l.CloseEpoch(kT + 10);
  });
  Audit();
  EXPECT_TRUE(CheckAudited(server_->Snapshot(), server_->Snapshot().size()).ok());
}

fakes::UpdateOptions Version(std::optional<uint64_t> version, std::optional<uint64_t> epoch) {
  fakes::UpdateOptions o;
  o.version = version;
  o.epoch = epoch;
  return o;
}

fakes::EpochOptions Epoch(std::optional<Hash> root, std::optional<uint64_t> count,
                          std::optional<uint64_t> epoch) {
  fakes::EpochOptions o;
  o.map_root = root;
  o.update_count = count;
  o.epoch = epoch;
  return o;
}

// Each broken rule, after an audited start.
struct RuleCase {
  const char* rule;
  std::function<void(FakeLog&)> misbehave;
};

TEST_F(FakeLogFollowerTest, EveryBrokenRule) {
  const std::vector<RuleCase> cases = {
      {"entry-encoding",
       [](FakeLog& l) {
         l.AppendRawEntry("\x01\x01 not an update entry");
         l.CloseEpoch(kT + 10);
       }},
      {"checkpoint-not-on-epoch",
       [](FakeLog& l) {
         l.AppendRawEntry(EncodeEntry(UpdateEntry{Hash{1}, 1, 4, Hash{2}}));
       }},
      {"epoch-not-consecutive",
       [](FakeLog& l) { l.CloseEpoch(kT + 10, Epoch(std::nullopt, std::nullopt, 7)); }},
      {"timestamp-backwards", [](FakeLog& l) { l.CloseEpoch(kT); }},
      {"timestamp-in-future",
       [](FakeLog& l) { l.CloseEpoch(kT + 60000 + evidence::kFutureToleranceMs + 1); }},
      {"update-wrong-epoch",
       [](FakeLog& l) {
         l.Update("account 2", PlainKeySet({"x"}), Version(std::nullopt, 9));
         l.CloseEpoch(kT + 10);
       }},
      {"update-wrong-version",
       [](FakeLog& l) {
         l.Update("account 3", PlainKeySet({"x"}),
                  Version(l.CurrentVersion("account 3") + 2, std::nullopt));
         l.CloseEpoch(kT + 10);
       }},
      {"update-wrong-version",
       [](FakeLog& l) {
         l.Update("account 4", PlainKeySet({"x"}),
                  Version(l.CurrentVersion("account 4"), std::nullopt));
         l.CloseEpoch(kT + 10);
       }},
      {"epoch-wrong-count",
       [](FakeLog& l) {
         l.Update("account 5", PlainKeySet({"x"}));
         l.CloseEpoch(kT + 10, Epoch(std::nullopt, 3, std::nullopt));
       }},
      {"map-root-mismatch",
       [](FakeLog& l) {
         l.Update("account 6", PlainKeySet({"x"}));
         l.Update("brand new", PlainKeySet({"x"}));
         l.CloseEpoch(kT + 10, Epoch(Hash{7}, std::nullopt, std::nullopt));
       }},
  };
  const FakeLog start = server_->Snapshot();
  for (const RuleCase& c : cases) {
    SCOPED_TRACE(c.rule);
    follower_.reset();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    server_->Replace(start);
    Reopen();
    Audit();
    server_->Mutate(c.misbehave);
    ExpectMisbehaving(c.rule);
    // Still misbehaving after a restart.
    Reopen();
    EXPECT_EQ(follower_->Status().state(), v1::LogStatus::MISBEHAVING);
  }
}

TEST_F(FakeLogFollowerTest, ForkedCheckpointOfTheSameSize) {
  FakeLog other = server_->Snapshot().Fork();
  server_->Mutate([](FakeLog& l) {
    l.Update("account 1", PlainKeySet({"a"}));
    l.CloseEpoch(kT + 10);
  });
  other.Update("account 1", PlainKeySet({"b"}));
  other.CloseEpoch(kT + 10);
  Audit();
  ASSERT_EQ(other.size(), server_->Snapshot().size());
  server_->Replace(other);
  ExpectMisbehaving("split view");
}

TEST_F(FakeLogFollowerTest, RollbackToAConsistentOlderCheckpointIsNoAlarm) {
  Audit();
  const uint64_t size = server_->Snapshot().size();
  server_->Mutate([](FakeLog& l) { l.ServeAt(l.EpochEntryIndex(1) + 1); });
  EXPECT_TRUE(follower_->Step().ok());
  ExpectNoAlarm(v1::LogStatus::OK);
  EXPECT_TRUE(CheckAudited(server_->Snapshot(), size).ok());
}

TEST_F(FakeLogFollowerTest, RollbackToAnotherHistory) {
  FakeLog other = server_->Snapshot().Fork();  // after epoch 3
  server_->Mutate([](FakeLog& l) {
    for (int e = 4; e <= 5; ++e) {
      for (int i = 0; i < 10; ++i) l.Update(absl::StrCat("account ", i), PlainKeySet({"a"}));
      l.CloseEpoch(kT + e);
    }
  });
  Audit();
  // The log rolls back to epoch 3 and goes on differently, to a size below
  // the audited one.
  other.Update("account 1", PlainKeySet({"b"}));
  other.CloseEpoch(kT + 4);
  ASSERT_LT(other.size(), server_->Snapshot().size());
  server_->Replace(other);
  ExpectMisbehaving("split view");
}

TEST_F(FakeLogFollowerTest, InconsistentGrowth) {
  FakeLog other = server_->Snapshot().Fork();  // the audited prefix
  server_->Mutate([](FakeLog& l) {
    l.Update("account 1", PlainKeySet({"a"}));
    l.CloseEpoch(kT + 10);
  });
  Audit();
  other.Update("account 1", PlainKeySet({"b"}));
  other.Update("account 2", PlainKeySet({"b"}));
  other.CloseEpoch(kT + 10);
  other.CloseEpoch(kT + 11);
  ASSERT_GT(other.size(), server_->Snapshot().size());
  server_->Replace(other);
  ExpectMisbehaving("split view");
}

TEST_F(FakeLogFollowerTest, BadLogSignatureProvesNothing) {
  Audit();
  const FakeLog log = server_->Snapshot();
  FakeLog impostor(note::Ed25519NoteSigner::Generate(log.signer().name()).value(), log.vrf(), kT);
  impostor.CloseEpoch(kT + 1);
  server_->Replace(impostor);
  EXPECT_EQ(follower_->Step().code(), absl::StatusCode::kUnavailable);
  ExpectNoAlarm(v1::LogStatus::UNREACHABLE);
  EXPECT_NE(follower_->Status().last_error().find("signature"), std::string::npos);
  EXPECT_NE(CheckAudited(impostor, impostor.size()).code(), absl::StatusCode::kOk);
}

TEST_F(FakeLogFollowerTest, UnreachableLogRaisesNoAlarm) {
  server_->SetUnavailable(true);
  EXPECT_EQ(follower_->Step().code(), absl::StatusCode::kUnavailable);
  ExpectNoAlarm(v1::LogStatus::UNREACHABLE);
  EXPECT_EQ(CheckAudited(server_->Snapshot(), server_->Snapshot().size()).code(),
            absl::StatusCode::kUnavailable);
  follower_->Start();
  absl::SleepFor(absl::Milliseconds(200));
  server_->SetUnavailable(false);
  const FakeLog log = server_->Snapshot();
  EXPECT_TRUE(
      follower_
          ->CheckAudited(log.SignedCheckpoint(), log.Checkpoint(), absl::Now() + absl::Seconds(10))
          .ok());
  follower_->Stop();
  EXPECT_GT(server_->Calls("GetCheckpoint"), 2u);  // retried
  ExpectNoAlarm(v1::LogStatus::OK);
}

// Gossip (Follower::OfferPeerCheckpoint): what a peer monitor cosigned is
// compared with this monitor's own view.
TEST_F(FakeLogFollowerTest, PeerCheckpointOfTheSameSizeWithAnotherRootIsASplitView) {
  Audit();
  FakeLog peer_view = server_->Snapshot().Fork();
  peer_view.Update("account 1", PlainKeySet({"attacker"}));
  peer_view.CloseEpoch(kT + 10);
  server_->Mutate([](FakeLog& l) {
    l.Update("account 1", PlainKeySet({"laptop"}));
    l.CloseEpoch(kT + 10);
  });
  Audit();
  ASSERT_EQ(peer_view.size(), server_->Snapshot().size());
  follower_->OfferPeerCheckpoint(peer_view.SignedCheckpoint(), "m2");
  ExpectMisbehaving("split view");
}

TEST_F(FakeLogFollowerTest, SmallerPeerCheckpointIsComparedWithTheOwnTree) {
  Audit();
  FakeLog peer_view = server_->Snapshot().Fork();
  peer_view.Update("account 1", PlainKeySet({"attacker"}));
  peer_view.CloseEpoch(kT + 10);
  // An honest older checkpoint of the same log first: no alarm.
  const uint64_t old_size = server_->Snapshot().size();
  const std::string honest_old = server_->Snapshot().SignedCheckpointAt(old_size);
  server_->Mutate([](FakeLog& l) {
    for (int e = 0; e < 2; ++e) {
      l.Update("account 2", PlainKeySet({"laptop"}));
      l.CloseEpoch(kT + 10 + e);
    }
  });
  Audit();
  follower_->OfferPeerCheckpoint(honest_old, "m2");
  Audit();
  ExpectNoAlarm(v1::LogStatus::OK);
  ASSERT_LT(peer_view.size(), server_->Snapshot().size());
  follower_->OfferPeerCheckpoint(peer_view.SignedCheckpoint(), "m2");
  ExpectMisbehaving("split view");
}

TEST_F(FakeLogFollowerTest, LargerConsistentPeerCheckpointIsAuditedWithoutAlarm) {
  Audit();
  server_->Mutate([](FakeLog& l) {
    l.Update("account 3", PlainKeySet({"laptop"}));
    l.CloseEpoch(kT + 10);
  });
  const FakeLog log = server_->Snapshot();
  follower_->OfferPeerCheckpoint(log.SignedCheckpointAt(log.size()), "m2");
  Audit();
  EXPECT_EQ(follower_->Status().verified_size(), log.size());
  ExpectNoAlarm(v1::LogStatus::OK);
}

TEST_F(FakeLogFollowerTest, LargerPeerCheckpointTheLogCannotProveRaisesNoAlarm) {
  Audit();
  FakeLog peer_view = server_->Snapshot().Fork();
  peer_view.Update("account 1", PlainKeySet({"elsewhere"}));
  peer_view.CloseEpoch(kT + 10);
  // The log has no tree of that size: it cannot answer the consistency
  // proof, which proves nothing by itself.
  follower_->OfferPeerCheckpoint(peer_view.SignedCheckpoint(), "m2");
  Audit();
  ExpectNoAlarm(v1::LogStatus::OK);
  // Once the log shows a view of that size, the split is found.
  server_->Mutate([](FakeLog& l) {
    l.Update("account 1", PlainKeySet({"laptop"}));
    l.CloseEpoch(kT + 10);
  });
  follower_->OfferPeerCheckpoint(peer_view.SignedCheckpoint(), "m2");
  ExpectMisbehaving("split view");
}

// Witness pushes the witness refused (Follower::Observe): judged at once
// against the audited tree, or — when only the log's proof can tell — by the
// next round of the follower thread; never evidence from what proves nothing.
TEST_F(FakeLogFollowerTest, ObservedPushOfAnAuditedSizeWithAnotherRootIsASplitViewAtOnce) {
  Audit();
  const FakeLog log = server_->Snapshot();
  note::Checkpoint forged = log.CheckpointAt(log.size());
  forged.root[3] ^= 1;
  EXPECT_EQ(follower_->Observe(log.SignCheckpoint(forged), forged, log.size(), {}).code(),
            absl::StatusCode::kFailedPrecondition);
  const v1::LogStatus status = follower_->Status();
  EXPECT_EQ(status.state(), v1::LogStatus::MISBEHAVING) << status.DebugString();
  ASSERT_EQ(status.evidence_size(), 1);
  auto decoded = evidence::DecodeEvidence(keytrail::test::ReadFile(status.evidence(0).file()));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(evidence::VerifyEvidence(*decoded).ok());
  EXPECT_EQ(CheckAudited(log, log.size()).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(follower_->Step().ok());  // nothing more to do
}

TEST_F(FakeLogFollowerTest, ObservedLargerPushIsJudgedWithTheLogsProofNextRound) {
  Audit();
  FakeLog other = server_->Snapshot().Fork();
  other.Update("account 1", PlainKeySet({"elsewhere"}));
  other.CloseEpoch(kT + 10);
  // Beyond the audited size, no proof with it: OK for now, no alarm...
  EXPECT_TRUE(follower_->Observe(other.SignedCheckpoint(), other.Checkpoint(), 0, {}).ok());
  ExpectNoAlarm(v1::LogStatus::OK);
  // ...and the log cannot prove it either (it has no tree of that size).
  Audit();
  ExpectNoAlarm(v1::LogStatus::OK);
  // Once the log shows another view of that size, the next round finds it.
  server_->Mutate([](FakeLog& l) {
    l.Update("account 1", PlainKeySet({"laptop"}));
    l.CloseEpoch(kT + 10);
  });
  ASSERT_EQ(other.size(), server_->Snapshot().size());
  EXPECT_TRUE(follower_->Observe(other.SignedCheckpoint(), other.Checkpoint(), 0, {}).ok());
  ExpectMisbehaving("split view");
}

}  // namespace
}  // namespace keytrail::monitor
