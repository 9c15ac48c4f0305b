// The saved state: round trip through bytes, and every way a blob can be
// wrong refused with a clear error, never a crash.
#include "verifier/state.h"

#include <string>

#include "core/crypto/ed25519.h"
#include "gtest/gtest.h"
#include "verifier/scenario.h"

namespace keytrail {
namespace verifier {
namespace {

class StateTest : public ::testing::Test {
 protected:
  StateTest() {
    log_.Update("alice", PlainKeySet({"phone"}));
    log_.UpdateSigned("bob", bob_key_, {"phone", "laptop"});
    log_.CloseEpoch(FakeLog::kGenesisTimeMs + 1000);
    auto v = NewVerifier(PolicyFor(log_));
    EXPECT_TRUE(v->SetOwnAccount("alice").ok());
    EXPECT_TRUE(v->EnrollDevice("phone", "key of phone").ok());
    EXPECT_TRUE(DoHistory(v.get(), log_, "alice").status.ok());
    EXPECT_TRUE(DoLookup(v.get(), log_, "bob").status.ok());
    EXPECT_TRUE(DoLookup(v.get(), log_, "nobody").status.ok());
    EXPECT_TRUE(v->MarkVerified("bob", v->ContactCode("bob").value()).ok());
    saved_ = v->SaveState();
  }

  LogTrust Trust() { return TrustFromPolicy(PolicyFor(log_)).value(); }

  FakeLog log_;
  Ed25519PrivateKey bob_key_ = Ed25519PrivateKey::Generate();
  std::string saved_;
};

TEST_F(StateTest, RoundTrips) {
  auto v = Verifier::Create(PolicyFor(log_), saved_);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ((*v)->SaveState(), saved_);
  EXPECT_EQ((*v)->last_verified_size(), log_.size());
  auto bob = (*v)->Contact("bob");
  ASSERT_TRUE(bob.has_value());
  EXPECT_TRUE(bob->verified);
  EXPECT_EQ(bob->version, 1u);
  EXPECT_EQ(bob->key_set.devices.size(), 2u);
  EXPECT_EQ((*v)->Contact("nobody")->version, 0u);
  // The reloaded verifier carries on where the first stopped.
  Result r = DoLookup(v->get(), log_, "bob");
  EXPECT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.alerts.empty());
}

TEST_F(StateTest, EmptyIsFresh) {
  auto s = DecodeState("", Trust());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->checkpoint.size, 0u);
  EXPECT_EQ(s->state.contacts_size(), 0);
}

TEST_F(StateTest, OtherFormatVersionIsRefused) {
  vstate::VerifierState s;
  ASSERT_TRUE(s.ParseFromString(saved_));
  for (uint32_t version : {0u, 2u, 99u}) {
    s.set_format_version(version);
    auto d = DecodeState(s.SerializeAsString(), Trust());
    EXPECT_EQ(d.status().code(), absl::StatusCode::kFailedPrecondition) << version;
    EXPECT_NE(d.status().message().find("format version"), std::string::npos);
  }
}

TEST_F(StateTest, OtherLogIsRefused) {
  FakeLog other("example.com/other-log");
  auto d = DecodeState(saved_, TrustFromPolicy(PolicyFor(other)).value());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(StateTest, DamagedFieldsAreDataLoss) {
  auto damaged = [&](auto edit) {
    vstate::VerifierState s;
    EXPECT_TRUE(s.ParseFromString(saved_));
    edit(&s);
    return DecodeState(s.SerializeAsString(), Trust()).status().code();
  };
  EXPECT_EQ(damaged([](vstate::VerifierState* s) { s->mutable_own()->set_head("x"); }),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(damaged([](vstate::VerifierState* s) { s->mutable_contacts(0)->set_key_set("\x07"); }),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(damaged([](vstate::VerifierState* s) { s->mutable_contacts(1)->set_account("a"); }),
            absl::StatusCode::kDataLoss);  // unsorted
  EXPECT_EQ(damaged([](vstate::VerifierState* s) { s->mutable_contacts(0)->clear_code(); }),
            absl::StatusCode::kDataLoss);  // bob verified without a code
  EXPECT_EQ(damaged([](vstate::VerifierState* s) {
              std::string n = s->checkpoint_note();
              n[n.size() - 5] ^= 1;
              s->set_checkpoint_note(n);
            }),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(damaged([](vstate::VerifierState* s) {
              s->mutable_contacts(1)->set_head(std::string(32, '\x01'));
            }),
            absl::StatusCode::kDataLoss);  // version 0 must have the genesis head
}

TEST_F(StateTest, EveryTruncationAndByteFlipFailsCleanly) {
  const LogTrust trust = Trust();
  for (size_t n = 0; n < saved_.size(); ++n) {
    auto d = DecodeState(saved_.substr(0, n), trust);
    if (!d.ok()) {
      EXPECT_TRUE(d.status().code() == absl::StatusCode::kDataLoss ||
                  d.status().code() == absl::StatusCode::kFailedPrecondition)
          << n << ": " << d.status();
    }
  }
  for (size_t i = 0; i < saved_.size(); ++i) {
    std::string bytes = saved_;
    bytes[i] ^= 0x20;
    auto d = Verifier::Create(PolicyFor(log_), bytes);
    if (!d.ok()) {
      EXPECT_TRUE(d.status().code() == absl::StatusCode::kDataLoss ||
                  d.status().code() == absl::StatusCode::kFailedPrecondition)
          << i << ": " << d.status();
    }
  }
  EXPECT_EQ(DecodeState("\xff\xff\xff", trust).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace verifier
}  // namespace keytrail
