// The saved state: round trip through bytes, and every way a blob can be
// wrong refused with a clear error, never a crash.
#include "verifier/state.h"

#include <string>

#include "core/crypto/ed25519.h"
#include "core/crypto/sha256.h"
#include "gtest/gtest.h"
#include "testing/verifier_scenario.h"

namespace keytrail {
namespace verifier {
namespace {

// A realistic state: the own account with two enrolled devices and its
// history verified, three contacts with key sets (one verified, two signed
// by their account keys) and one looked up while absent.
class StateTest : public testing::Test {
 protected:
  StateTest() {
    log_.UpdateSigned("alice", alice_key_, {"laptop", "phone"});
    log_.UpdateSigned("bob", bob_key_, {"phone", "laptop"});
    log_.UpdateSigned("carol", carol_key_, {"phone"});
    log_.Update("dave", PlainKeySet({"tablet"}));
    log_.CloseEpoch(FakeLog::kGenesisTimeMs + 1000);
    auto v = NewVerifier(PolicyFor(log_));
    EXPECT_TRUE(v->SetOwnAccount("alice").ok());
    EXPECT_TRUE(v->EnrollDevice("phone", "key of phone").ok());
    EXPECT_TRUE(v->EnrollDevice("laptop", "key of laptop").ok());
    EXPECT_TRUE(v->SetOwnAccountKey(alice_key_.public_key().bytes()).ok());
    Result own = DoHistory(v.get(), log_, "alice");
    EXPECT_TRUE(own.status.ok() && own.alerts.empty()) << own.status;
    for (const char* contact : {"bob", "carol", "dave", "nobody"}) {
      EXPECT_TRUE(DoLookup(v.get(), log_, contact).status.ok()) << contact;
    }
    EXPECT_TRUE(v->MarkVerified("bob", v->ContactCode("bob").value()).ok());
    saved_ = v->SaveState();
  }

  LogTrust Trust() { return TrustFromPolicy(PolicyFor(log_)).value(); }

  // The VerifierState message inside the envelope.
  vstate::VerifierState Message() {
    vstate::VerifierState s;
    EXPECT_TRUE(s.ParseFromString(saved_.substr(8, saved_.size() - 8 - kHashSize)));
    return s;
  }

  // An intact envelope (hash matching) around any message bytes.
  static std::string Envelope(uint32_t version, const std::string& message) {
    std::string out(kStateMagic);
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(version >> shift));
    out += message;
    const Hash h = Sha256Of(out);
    return out + std::string(HashView(h));
  }

  FakeLog log_;
  Ed25519PrivateKey alice_key_ = Ed25519PrivateKey::Generate();
  Ed25519PrivateKey bob_key_ = Ed25519PrivateKey::Generate();
  Ed25519PrivateKey carol_key_ = Ed25519PrivateKey::Generate();
  std::string saved_;
};

TEST_F(StateTest, TheFixtureIsRealistic) {
  vstate::VerifierState s = Message();
  EXPECT_EQ(s.format_version(), kStateFormatVersion);
  EXPECT_EQ(s.own().enrolled_size(), 2);
  EXPECT_EQ(s.own().version(), 1u);
  EXPECT_EQ(s.own().account_key(), alice_key_.public_key().bytes());
  ASSERT_EQ(s.contacts_size(), 4);
  int verified = 0;
  for (const vstate::Contact& c : s.contacts()) verified += c.verified();
  EXPECT_EQ(verified, 1);
  EXPECT_FALSE(s.checkpoint_note().empty());
  EXPECT_EQ(saved_.substr(0, 4), "KTVS");
  EXPECT_EQ(saved_.substr(4, 4), std::string("\0\0\0\x02", 4));
  EXPECT_EQ(saved_.substr(saved_.size() - kHashSize),
            HashView(Sha256Of(saved_.substr(0, saved_.size() - kHashSize))));
}

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

TEST_F(StateTest, Format1IsRefusedWithItsOwnMessage) {
  // What the previous library saved: the bare message, format_version 1.
  vstate::VerifierState s = Message();
  s.set_format_version(1);
  std::string format1;
  ASSERT_TRUE(s.SerializeToString(&format1));
  ASSERT_EQ(format1.substr(0, 2), std::string("\x08\x01"));
  auto d = DecodeState(format1, Trust());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kFailedPrecondition) << d.status();
  EXPECT_NE(d.status().message().find("format version 1"), std::string::npos);
  EXPECT_NE(d.status().message().find("older version of this library"), std::string::npos);
  EXPECT_NE(d.status().message().find("fresh state"), std::string::npos);
  auto v = Verifier::Create(PolicyFor(log_), format1);
  EXPECT_EQ(v.status().code(), absl::StatusCode::kFailedPrecondition);
  // Damaged format-1 bytes are damage, not an old format.
  EXPECT_EQ(DecodeState(format1.substr(0, format1.size() / 2), Trust()).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST_F(StateTest, NewerFormatIsRefused) {
  vstate::VerifierState s = Message();
  s.set_format_version(3);
  auto d = DecodeState(Envelope(3, s.SerializeAsString()), Trust());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kFailedPrecondition) << d.status();
  EXPECT_NE(d.status().message().find("newer version"), std::string::npos);
}

TEST_F(StateTest, InconsistentVersionsInAnIntactEnvelopeAreDataLoss) {
  vstate::VerifierState s = Message();
  for (uint32_t envelope : {0u, 1u}) {
    auto d = DecodeState(Envelope(envelope, s.SerializeAsString()), Trust());
    EXPECT_EQ(d.status().code(), absl::StatusCode::kDataLoss) << envelope << d.status();
  }
  s.set_format_version(1);
  auto d = DecodeState(Envelope(2, s.SerializeAsString()), Trust());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kDataLoss) << d.status();
  EXPECT_EQ(DecodeState(Envelope(2, "\xff\xff"), Trust()).status().code(),
            absl::StatusCode::kDataLoss);
  // The envelope helper is right: the unchanged message loads.
  EXPECT_TRUE(DecodeState(Envelope(2, Message().SerializeAsString()), Trust()).ok());
}

TEST_F(StateTest, OtherLogIsRefused) {
  FakeLog other("example.com/other-log");
  auto d = DecodeState(saved_, TrustFromPolicy(PolicyFor(other)).value());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kFailedPrecondition);
}

// Fields a library could write wrong (the hash matches: EncodeState wraps
// the edited message) are still checked one by one.
TEST_F(StateTest, MalformedFieldsAreDataLoss) {
  auto damaged = [&](auto edit) {
    vstate::VerifierState s = Message();
    edit(&s);
    return DecodeState(EncodeState(s), Trust()).status().code();
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
              s->mutable_contacts(3)->set_head(std::string(32, '\x01'));
            }),
            absl::StatusCode::kDataLoss);  // version 0 must have the genesis head
  EXPECT_EQ(damaged([](vstate::VerifierState* s) { s->mutable_own()->set_account_key("short"); }),
            absl::StatusCode::kDataLoss);
}

// Issue 13: of 1,782 flips of a format-1 state, 1,012 loaded. Now every
// value of every byte is damage.
TEST_F(StateTest, EveryByteFlipIsDataLoss) {
  const LogTrust trust = Trust();
  ASSERT_TRUE(DecodeState(saved_, trust).ok());
  size_t checked = 0;
  for (size_t i = 0; i < saved_.size(); ++i) {
    std::string bytes = saved_;
    for (int x = 1; x < 256; ++x) {
      bytes[i] = static_cast<char>(saved_[i] ^ x);
      auto d = DecodeState(bytes, trust);
      ASSERT_EQ(d.status().code(), absl::StatusCode::kDataLoss)
          << "byte " << i << " ^ " << x << ": " << d.status();
      ++checked;
    }
  }
  EXPECT_EQ(checked, saved_.size() * 255);
  // And through the library's entry point, two flips a byte.
  const Policy policy = PolicyFor(log_);
  for (size_t i = 0; i < saved_.size(); ++i) {
    for (int x : {0x01, 0x80}) {
      std::string bytes = saved_;
      bytes[i] ^= x;
      EXPECT_EQ(Verifier::Create(policy, bytes).status().code(), absl::StatusCode::kDataLoss) << i;
    }
  }
}

TEST_F(StateTest, EveryTruncationAndExtensionIsDataLoss) {
  const LogTrust trust = Trust();
  const Policy policy = PolicyFor(log_);
  // Length 0 is the fresh state an app passes on first run, not a cut.
  for (size_t n = 1; n < saved_.size(); ++n) {
    auto d = DecodeState(saved_.substr(0, n), trust);
    ASSERT_EQ(d.status().code(), absl::StatusCode::kDataLoss) << n << ": " << d.status();
    EXPECT_EQ(Verifier::Create(policy, saved_.substr(0, n)).status().code(),
              absl::StatusCode::kDataLoss)
        << n;
  }
  for (const std::string& tail : {std::string(1, '\0'), std::string("x"), std::string("KTVS")}) {
    EXPECT_EQ(DecodeState(saved_ + tail, trust).status().code(), absl::StatusCode::kDataLoss);
  }
  EXPECT_EQ(DecodeState("\xff\xff\xff", trust).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace verifier
}  // namespace keytrail
