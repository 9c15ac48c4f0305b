#include "monitor/witness.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/bytes/encoding.h"
#include "core/note/note.h"
#include "core/witness/add_checkpoint.h"
#include "gtest/gtest.h"
#include "testing/full_disk.h"
#include "testing/process.h"
#include "testing/witness_test_util.h"

namespace keytrail::monitor {
namespace {

constexpr int64_t kNow = 1790000000;

class WitnessTest : public testing::Test {
 protected:
  void SetUp() override {
    auto store = WitnessStore::Open(test::TempDir("witness"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    logs_.Follow(log_);
    auto signer = note::CosignatureSigner::Generate("monitor.example/w1");
    ASSERT_TRUE(signer.ok());
    WitnessOptions options;
    options.clock = [] { return absl::FromUnixSeconds(kNow); };
    options.audit_timeout = absl::Milliseconds(10);
    witness_ = std::make_unique<Witness>(&logs_, store_.get(), *signer, options);
  }

  // Checks a 200 answer carries one valid cosignature of `checkpoint`.
  void ExpectCosigned(const WitnessResponse& r, const std::string& checkpoint) {
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_TRUE(witness::CheckSignatureLines(r.body).ok());
    const note::CosignatureVerifier v = witness_->signer().Verifier();
    const note::NoteVerifier* keys[] = {&v};
    auto opened = note::OpenNote(checkpoint + r.body, keys);
    ASSERT_TRUE(opened.ok()) << opened.status();
    ASSERT_EQ(opened->verified.size(), 1u);
    EXPECT_EQ(*note::CosignatureTimestamp(opened->verified[0].signature.signature),
              static_cast<uint64_t>(kNow));
  }

  TestLog log_{"example.com/log", 40};
  FakeAuditedLogs logs_;
  std::unique_ptr<WitnessStore> store_;
  std::unique_ptr<Witness> witness_;
};

TEST_F(WitnessTest, CosignsFirstCheckpointThenExtensions) {
  ExpectCosigned(witness_->AddCheckpoint(log_.Body(0, 5)), log_.Checkpoint(5));
  ExpectCosigned(witness_->AddCheckpoint(log_.Body(5, 13)), log_.Checkpoint(13));
  // Same checkpoint again: cosigned again (nothing changes).
  ExpectCosigned(witness_->AddCheckpoint(log_.Body(13, 13)), log_.Checkpoint(13));
  ExpectCosigned(witness_->AddCheckpoint(log_.Body(13, 40)), log_.Checkpoint(40));
  EXPECT_EQ(logs_.calls(), 4);
  auto state = store_->Get(log_.origin());
  ASSERT_TRUE(state.ok() && state->has_value());
  EXPECT_EQ((*state)->size, 40u);
}

TEST_F(WitnessTest, MonitoringEndpointServesCosignedNote) {
  const std::string hash = HexEncode(HashView(Sha256Of(log_.origin())));
  EXPECT_EQ(witness_->CosignedCheckpoint(hash).status, 404);
  ASSERT_EQ(witness_->AddCheckpoint(log_.Body(0, 7)).status, 200);
  const WitnessResponse r = witness_->CosignedCheckpoint(hash);
  ASSERT_EQ(r.status, 200);
  // Opens with the log's key and with the witness's key.
  const note::CosignatureVerifier w = witness_->signer().Verifier();
  const note::NoteVerifier* keys[] = {log_.verifier(), &w};
  auto opened = note::OpenNote(r.body, keys);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->verified.size(), 2u);
  EXPECT_EQ(witness_->CosignedCheckpoint(absl::AsciiStrToUpper(hash)).status, 404);
  EXPECT_EQ(witness_->CosignedCheckpoint("abc").status, 404);
}

TEST_F(WitnessTest, MalformedIs400) {
  EXPECT_EQ(witness_->AddCheckpoint("").status, 400);
  EXPECT_EQ(witness_->AddCheckpoint("old 01\n\n" + log_.Checkpoint(3)).status, 400);
  // A note that does not parse, and note text that is not a checkpoint.
  EXPECT_EQ(witness_->AddCheckpoint("old 0\n\nhello\n").status, 400);
  const note::NoteSigner* signers[] = {&log_.signer()};
  EXPECT_EQ(witness_->AddCheckpoint("old 0\n\n" + *note::SignNote("example.com/log\nx\n", signers))
                .status,
            400);
  EXPECT_EQ(logs_.calls(), 0);
}

TEST_F(WitnessTest, OldAboveSizeIs400) {
  const WitnessResponse r =
      witness_->AddCheckpoint(witness::FormatAddCheckpointRequest(9, {}, log_.Checkpoint(5)));
  EXPECT_EQ(r.status, 400);
}

TEST_F(WitnessTest, UnknownOriginIs404) {
  TestLog other("other.example/log", 5);
  EXPECT_EQ(witness_->AddCheckpoint(other.Body(0, 5)).status, 404);
}

TEST_F(WitnessTest, BadSignatureIs403) {
  auto stranger = note::Ed25519NoteSigner::Generate("example.com/log");
  ASSERT_TRUE(stranger.ok());
  // Signed only by another key of the same name: no trusted signature.
  EXPECT_EQ(witness_
                ->AddCheckpoint(
                    witness::FormatAddCheckpointRequest(0, {}, log_.Checkpoint(5, &*stranger)))
                .status,
            403);
  // A signature line by the log's key that does not verify.
  note::Note n = *note::ParseNote(log_.Checkpoint(5));
  n.signatures[0].signature[3] ^= 1;
  const std::string tampered = note::FormatNote(n);
  EXPECT_EQ(witness_->AddCheckpoint("old 0\n\n" + tampered).status, 403);
}

TEST_F(WitnessTest, WrongOldSizeIs409WithStoredSize) {
  WitnessResponse r = witness_->AddCheckpoint(log_.Body(3, 5));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.content_type, "text/x.tlog.size");
  EXPECT_EQ(r.body, "0\n");
  ASSERT_EQ(witness_->AddCheckpoint(log_.Body(0, 5)).status, 200);
  r = witness_->AddCheckpoint(log_.Body(0, 9));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body, "5\n");
  EXPECT_EQ(*witness::ParseTlogSize(r.body), 5u);
}

TEST_F(WitnessTest, SameSizeOtherRootIs409) {
  ASSERT_EQ(witness_->AddCheckpoint(log_.Body(0, 5)).status, 200);
  const WitnessResponse r =
      witness_->AddCheckpoint(witness::FormatAddCheckpointRequest(5, {}, log_.ForkedCheckpoint(5)));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body, "5\n");
  // The auditor was shown it (it may be evidence of a split view).
  EXPECT_EQ(logs_.observed(), std::vector<std::string>{log_.ForkedCheckpoint(5)});
}

// Whatever the auditor makes of a checkpoint the witness refuses, the
// answer stays the one the spec names; and what it is not shown is what
// does not verify or does not parse.
TEST_F(WitnessTest, RefusedCheckpointsAreShownToTheAuditorAnswersUnchanged) {
  logs_.SetObserveResult(absl::FailedPreconditionError("split view"));
  EXPECT_EQ(witness_->AddCheckpoint(log_.Body(3, 5)).status, 409);
  ASSERT_EQ(logs_.observed().size(), 1u);
  ASSERT_EQ(witness_->AddCheckpoint(log_.Body(0, 5)).status, 200);
  std::vector<Hash> proof = log_.Proof(5, 9);
  proof[0][0] ^= 1;
  EXPECT_EQ(
      witness_->AddCheckpoint(witness::FormatAddCheckpointRequest(5, proof, log_.Checkpoint(9)))
          .status,
      422);
  EXPECT_EQ(logs_.observed().size(), 2u);
  auto stranger = note::Ed25519NoteSigner::Generate("example.com/log");
  ASSERT_TRUE(stranger.ok());
  EXPECT_EQ(witness_->AddCheckpoint("old 0\n\n" + log_.Checkpoint(9, &*stranger)).status, 403);
  EXPECT_EQ(witness_->AddCheckpoint("garbage").status, 400);
  EXPECT_EQ(logs_.observed().size(), 2u);
}

TEST_F(WitnessTest, BadProofIs422) {
  ASSERT_EQ(witness_->AddCheckpoint(log_.Body(0, 5)).status, 200);
  std::vector<Hash> proof = log_.Proof(5, 9);
  proof[0][0] ^= 1;
  EXPECT_EQ(
      witness_->AddCheckpoint(witness::FormatAddCheckpointRequest(5, proof, log_.Checkpoint(9)))
          .status,
      422);
  // Wrong length.
  proof = log_.Proof(5, 9);
  proof.pop_back();
  EXPECT_EQ(
      witness_->AddCheckpoint(witness::FormatAddCheckpointRequest(5, proof, log_.Checkpoint(9)))
          .status,
      422);
  // A fork at a larger size: the proof from 5 cannot reach its root.
  EXPECT_EQ(witness_
                ->AddCheckpoint(witness::FormatAddCheckpointRequest(5, log_.Proof(5, 9),
                                                                    log_.ForkedCheckpoint(9)))
                .status,
            422);
  // Non-empty proof with old 0 / old == size.
  EXPECT_EQ(witness_
                ->AddCheckpoint(
                    witness::FormatAddCheckpointRequest(5, log_.Proof(3, 5), log_.Checkpoint(5)))
                .status,
            422);
  auto state = store_->Get(log_.origin());
  EXPECT_EQ((*state)->size, 5u);
}

// A client that reads the checkpoint and asks the log for the proof in two
// calls to a growing log can send a proof to another size than the
// checkpoint's: refused with 422 (the proof is checked against the
// checkpoint's own size), nothing stored; the right proof then works.
TEST_F(WitnessTest, AProofToAnotherSizeIs422AndTheRightOneWorks) {
  ASSERT_EQ(witness_->AddCheckpoint(log_.Body(0, 6)).status, 200);
  for (uint64_t other : {7, 9, 11, 12, 14, 20}) {
    WitnessResponse r = witness_->AddCheckpoint(
        witness::FormatAddCheckpointRequest(6, log_.Proof(6, other), log_.Checkpoint(13)));
    EXPECT_EQ(r.status, 422) << "proof to " << other << ": " << r.body;
    // The old root is reproduced (the stored size and root are right); only
    // the new size's root or the proof's length is wrong.
    EXPECT_EQ(r.body.find("root1"), std::string::npos) << r.body;
  }
  EXPECT_EQ((*store_->Get(log_.origin()))->size, 6u);
  ExpectCosigned(witness_->AddCheckpoint(log_.Body(6, 13)), log_.Checkpoint(13));
}

TEST_F(WitnessTest, NonEmptyProofFromZeroIs422) {
  EXPECT_EQ(witness_
                ->AddCheckpoint(
                    witness::FormatAddCheckpointRequest(0, log_.Proof(3, 5), log_.Checkpoint(5)))
                .status,
            422);
}

TEST_F(WitnessTest, NotAuditedIs503WithRetryAfter) {
  logs_.SetResult(absl::UnavailableError("audited up to 3"));
  const WitnessResponse r = witness_->AddCheckpoint(log_.Body(0, 5));
  EXPECT_EQ(r.status, 503);
  EXPECT_GT(r.retry_after_seconds, 0);
  EXPECT_FALSE(store_->Get(log_.origin())->has_value());
}

TEST_F(WitnessTest, MisbehavingLogIs422AndNothingStored) {
  logs_.SetResult(absl::FailedPreconditionError("map root mismatch at epoch 2"));
  const WitnessResponse r = witness_->AddCheckpoint(log_.Body(0, 5));
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("misbehaving"), std::string::npos);
  EXPECT_FALSE(store_->Get(log_.origin())->has_value());
}

TEST_F(WitnessTest, RacingPushesFromOneSizeCosignOnce) {
  ASSERT_EQ(witness_->AddCheckpoint(log_.Body(0, 5)).status, 200);
  // Pushes from size 5 to sizes 6..13 at once: one wins, every other one
  // gets 409 with the winner's size; the state never goes back.
  std::vector<WitnessResponse> responses(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < responses.size(); ++i) {
    threads.emplace_back([&, i] { responses[i] = witness_->AddCheckpoint(log_.Body(5, 6 + i)); });
  }
  for (auto& t : threads) t.join();
  int wins = 0;
  uint64_t winner = 0;
  for (size_t i = 0; i < responses.size(); ++i) {
    if (responses[i].status == 200) {
      ++wins;
      winner = 6 + i;
    } else {
      EXPECT_EQ(responses[i].status, 409);
    }
  }
  EXPECT_EQ(wins, 1);
  for (const WitnessResponse& r : responses) {
    if (r.status == 409) EXPECT_EQ(r.body, absl::StrCat(winner, "\n"));
  }
  EXPECT_EQ((*store_->Get(log_.origin()))->size, winner);
}

TEST_F(WitnessTest, MetricsCountOutcomes) {
  ASSERT_EQ(witness_->AddCheckpoint(log_.Body(0, 5)).status, 200);
  ASSERT_EQ(witness_->AddCheckpoint(log_.Body(0, 6)).status, 409);
  ASSERT_EQ(witness_->AddCheckpoint("x").status, 400);
  const std::string m = witness_->MetricsText();
  EXPECT_NE(m.find("keytrail_witness_add_checkpoint_requests_total{outcome=\"cosigned\"} 1\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("{outcome=\"conflict\"} 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("{outcome=\"malformed\"} 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("keytrail_witness_cosignatures_issued_total 1\n"), std::string::npos) << m;
}

// The witness database on a disk that fills up: add-checkpoint answers 503
// (retryable) and hands out no cosignature it could not store; the stored
// state stays; health is failing until a write works; the probe (what the
// monitor runs with backoff) resumes writes once space is back, and the
// same request then cosigns, exactly once extending what was stored.
TEST(WitnessFullDiskTest, Answers503WithoutCosigningUntilSpaceReturns) {
  keytrail::test::FullDisk disk;
  std::vector<bool> changes;
  StorageHealth health([&](bool healthy) { changes.push_back(healthy); });
  auto store = WitnessStore::Open(test::TempDir("witness_full_disk"), &health, disk.env());
  ASSERT_TRUE(store.ok()) << store.status();
  TestLog log{"example.com/full", 20};
  FakeAuditedLogs logs;
  logs.Follow(log);
  auto signer = note::CosignatureSigner::Generate("monitor.example/full");
  ASSERT_TRUE(signer.ok());
  Witness witness(&logs, store->get(), *signer);
  ASSERT_EQ(witness.AddCheckpoint(log.Body(0, 5)).status, 200);
  EXPECT_TRUE(health.healthy());

  disk.SetFull(true);
  for (int i = 0; i < 3; ++i) {
    const WitnessResponse r = witness.AddCheckpoint(log.Body(5, 12));
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_GT(r.retry_after_seconds, 0);
    EXPECT_EQ(r.body.find("\xe2\x80\x94"), std::string::npos) << "a cosignature line: " << r.body;
    EXPECT_NE(r.body.find("disk full"), std::string::npos) << r.body;
  }
  EXPECT_FALSE(health.healthy());
  EXPECT_TRUE(health.failing(kWitnessDatabase));
  EXPECT_FALSE((*store)->ProbeWrite().ok()) << "still full";
  // Reads go on: the monitoring endpoint still serves the size-5 note.
  auto state = (*store)->Get(log.origin());
  ASSERT_TRUE(state.ok() && state->has_value()) << state.status();
  EXPECT_EQ((*state)->size, 5u);

  disk.SetFull(false);
  ASSERT_TRUE((*store)->ProbeWrite().ok());
  EXPECT_TRUE(health.healthy());
  EXPECT_EQ(changes, (std::vector<bool>{false, true}));
  EXPECT_EQ(witness.AddCheckpoint(log.Body(5, 12)).status, 200);
  EXPECT_EQ(witness.AddCheckpoint(log.Body(5, 12)).status, 409) << "applied twice";
  state = (*store)->Get(log.origin());
  ASSERT_TRUE(state.ok() && state->has_value());
  EXPECT_EQ((*state)->size, 12u);
}

}  // namespace
}  // namespace keytrail::monitor
