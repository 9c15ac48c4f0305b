#include "log_server/witness_client.h"

#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "gtest/gtest.h"
#include "testing/fake_witness.h"

namespace keytrail {
namespace {

using test::FakeWitness;

std::string SignedCheckpoint(const note::Ed25519NoteSigner& log, uint64_t size) {
  note::Checkpoint c{log.name(), size, Sha256Of(std::to_string(size)), {}};
  const note::NoteSigner* signers[] = {&log};
  return *note::SignNote(note::FormatCheckpoint(c), signers);
}

class WitnessClientTest : public testing::Test {
 protected:
  WitnessClientTest()
      : log_(*note::Ed25519NoteSigner::Generate("example.org/log")),
        witness_("monitor.example/w1") {}
  WitnessClient Client() {
    return WitnessClient(*ParseMonitorFlag(witness_.Flag()), absl::Seconds(5));
  }
  ProofSource Proofs() {
    return [this](uint64_t from) -> absl::StatusOr<std::vector<Hash>> {
      proofs_from_.push_back(from);
      return std::vector<Hash>{Sha256Of("p")};
    };
  }
  note::Ed25519NoteSigner log_;
  FakeWitness witness_;
  std::vector<uint64_t> proofs_from_;
};

TEST(ParseMonitorFlagTest, Forms) {
  auto signer = *note::CosignatureSigner::Generate("w.example/1");
  auto m = ParseMonitorFlag("w1=http://127.0.0.1:8091/=" + signer.VerifierKey());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->name, "w1");
  EXPECT_EQ(m->url, "http://127.0.0.1:8091");
  EXPECT_EQ(m->key.name(), "w.example/1");
  for (const std::string& bad :
       {std::string(""), std::string("w1"), "w1=" + signer.VerifierKey(),
        "=http://x=" + signer.VerifierKey(), "w1=ftp://x=" + signer.VerifierKey(),
        std::string("w1=http://x=w.example/1+00000000+AAAA")}) {
    EXPECT_EQ(ParseMonitorFlag(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST_F(WitnessClientTest, CosignsAndTracksSize) {
  WitnessClient client = Client();
  const std::string cp = SignedCheckpoint(log_, 5);
  auto sig = client.Push(cp, 5, Proofs());
  ASSERT_TRUE(sig.ok()) << sig.status();
  EXPECT_EQ(sig->name, "monitor.example/w1");
  EXPECT_EQ(client.witness_size(), 5u);
  EXPECT_TRUE(proofs_from_.empty());  // from 0: no proof
  ASSERT_TRUE(client.Push(SignedCheckpoint(log_, 9), 9, Proofs()).ok());
  EXPECT_EQ(proofs_from_, std::vector<uint64_t>{5});
  EXPECT_EQ(witness_.requests().back().old_size, 5u);
  EXPECT_EQ(witness_.requests().back().proof.size(), 1u);
}

TEST_F(WitnessClientTest, ResyncsOn409) {
  witness_.SetSize(3);
  WitnessClient client = Client();
  ASSERT_TRUE(client.Push(SignedCheckpoint(log_, 8), 8, Proofs()).ok());
  ASSERT_EQ(witness_.requests().size(), 2u);
  EXPECT_EQ(witness_.requests()[0].old_size, 0u);
  EXPECT_EQ(witness_.requests()[1].old_size, 3u);
  EXPECT_EQ(proofs_from_, std::vector<uint64_t>{3});
}

TEST_F(WitnessClientTest, WitnessAheadIsFailedPrecondition) {
  witness_.SetSize(20);
  WitnessClient client = Client();
  EXPECT_EQ(client.Push(SignedCheckpoint(log_, 8), 8, Proofs()).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(WitnessClientTest, StatusMapping) {
  WitnessClient client = Client();
  witness_.SetForcedStatus(503);
  EXPECT_EQ(client.Push(SignedCheckpoint(log_, 8), 8, Proofs()).status().code(),
            absl::StatusCode::kUnavailable);
  witness_.SetForcedStatus(422);
  EXPECT_EQ(client.Push(SignedCheckpoint(log_, 8), 8, Proofs()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  witness_.SetForcedStatus(403);
  EXPECT_EQ(client.Push(SignedCheckpoint(log_, 8), 8, Proofs()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  witness_.SetForcedStatus(200);  // a 200 without signature lines
  EXPECT_EQ(client.Push(SignedCheckpoint(log_, 8), 8, Proofs()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(WitnessClientTest, WrongKeyIsInvalidArgument) {
  auto other = *note::CosignatureSigner::Generate("monitor.example/w1");
  WitnessClient client(*ParseMonitorFlag("w=" + witness_.url() + "=" + other.VerifierKey()),
                       absl::Seconds(5));
  EXPECT_EQ(client.Push(SignedCheckpoint(log_, 8), 8, Proofs()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(WitnessClientTest, UnreachableIsUnavailable) {
  auto other = *note::CosignatureSigner::Generate("w");
  // Port 1 on loopback: nothing listens there.
  WitnessClient client(*ParseMonitorFlag("w=http://127.0.0.1:1=" + other.VerifierKey()),
                       absl::Seconds(2));
  EXPECT_EQ(client.Push(SignedCheckpoint(log_, 8), 8, Proofs()).status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace keytrail
