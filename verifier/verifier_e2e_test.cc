// The library against the real log_server binary, through the operator's own
// API: the operator replaces Alice's key set with one holding a rogue device
// and no account key. Alice's self-monitoring raises the unenrolled-device
// and identity-changed alerts; Bob, who verified Alice, raises
// identity-changed. The operator strips, replaces or adds Alice's account
// key: her own app tells her each time.
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "core/crypto/ed25519.h"
#include "core/protocol/key_set.h"
#include "gtest/gtest.h"
#include "proto/log_service.grpc.pb.h"
#include "testing/log_server_harness.h"
#include "verifier/verifier.h"

namespace keytrail {
namespace verifier {
namespace {

using ::keytrail::test::LogServerHarness;

uint64_t NowMs() { return static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())); }

class VerifierE2eTest : public testing::Test {
 protected:
  void SetUp() override {
    auto h = LogServerHarness::Create("verifier_e2e");
    ASSERT_TRUE(h.ok()) << h.status();
    h_ = *std::move(h);
    absl::Status started = h_->Start();
    ASSERT_TRUE(started.ok()) << started;
    grpc::ClientContext ctx;
    v1::GetLogInfoResponse info;
    ASSERT_TRUE(h_->stub().GetLogInfo(&ctx, {}, &info).ok());
    policy_.log_note_key = info.note_verifier_key();
    policy_.vrf_public_key = info.vrf_public_key();
    policy_.commitment_key = info.commitment_key();
    policy_.max_checkpoint_age_ms = 10 * 60 * 1000;
  }

  // The operator's backend publishes `account`'s devices, signed by
  // `account_key` when given.
  void Publish(const std::string& account, const Ed25519PrivateKey* account_key, uint64_t version,
               std::initializer_list<const char*> ids) {
    KeySet ks;
    for (const char* id : ids) ks.devices.push_back(Device{id, std::string("key of ") + id});
    SortDevices(&ks);
    if (account_key != nullptr) {
      ASSERT_TRUE(SignKeySet(*account_key, account, version, &ks).ok());
    }
    v1::UpdateRequest req;
    req.set_account(account);
    req.set_expected_version(version - 1);
    if (ks.account_key.has_value()) {
      req.mutable_key_set()->set_account_key(*ks.account_key);
      req.mutable_key_set()->set_signature(ks.signature);
    }
    for (const Device& d : ks.devices) {
      v1::Device* out = req.mutable_key_set()->add_devices();
      out->set_device_id(d.device_id);
      out->set_device_key(d.device_key);
    }
    grpc::ClientContext ctx;
    h_->Authorize(&ctx);
    v1::UpdateResponse resp;
    grpc::Status s = h_->stub().Update(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // The app's transport: the library's request bytes to History, the answer
  // back to the library.
  Result History(Verifier* v, const std::string& account) {
    v1::HistoryRequest req;
    EXPECT_TRUE(req.ParseFromString(v->HistoryRequest(account)));
    v1::HistoryResponse resp;
    grpc::ClientContext ctx;
    grpc::Status s = h_->stub().History(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return v->HandleHistory(account, resp.SerializeAsString(), NowMs());
  }

  std::unique_ptr<LogServerHarness> h_;
  Policy policy_;
};

TEST_F(VerifierE2eTest, OperatorAddsARogueDeviceWithoutTheAccountKey) {
  Ed25519PrivateKey alice_key = Ed25519PrivateKey::Generate();
  Ed25519PrivateKey bob_key = Ed25519PrivateKey::Generate();
  Publish("alice", &alice_key, 1, {"phone"});
  Publish("bob", &bob_key, 1, {"phone"});

  auto alice = Verifier::Create(policy_, "").value();
  ASSERT_TRUE(alice->SetOwnAccount("alice").ok());
  ASSERT_TRUE(alice->EnrollDevice("phone", "key of phone").ok());
  ASSERT_TRUE(alice->SetOwnAccountKey(alice_key.public_key().bytes()).ok());
  Result r = History(alice.get(), "alice");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.alerts.empty());

  auto bob = Verifier::Create(policy_, "").value();
  ASSERT_TRUE(bob->SetOwnAccount("bob").ok());
  ASSERT_TRUE(bob->EnrollDevice("phone", "key of phone").ok());
  ASSERT_TRUE(History(bob.get(), "bob").status.ok());
  r = History(bob.get(), "alice");
  ASSERT_TRUE(r.status.ok()) << r.status;
  // Both phones show the same code; Bob marks Alice verified.
  ASSERT_TRUE(History(alice.get(), "bob").status.ok());
  const std::string code = bob->ContactCode("alice").value();
  EXPECT_EQ(code, alice->ContactCode("bob").value());
  ASSERT_TRUE(bob->MarkVerified("alice", code).ok());
  // Both apps restart from their saved state.
  alice = Verifier::Create(policy_, alice->SaveState()).value();
  bob = Verifier::Create(policy_, bob->SaveState()).value();

  Publish("alice", nullptr, 2, {"phone", "rogue"});

  r = History(alice.get(), "alice");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.alerts.size(), 2u);
  EXPECT_EQ(r.alerts[0].kind, AlertKind::kUnenrolledDevice);
  EXPECT_NE(r.alerts[0].explanation.find("rogue"), std::string::npos);
  EXPECT_EQ(r.alerts[1].kind, AlertKind::kIdentityChanged);
  EXPECT_NE(r.alerts[1].explanation.find("account key was removed"), std::string::npos);

  r = History(bob.get(), "alice");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].kind, AlertKind::kIdentityChanged);
  EXPECT_NE(bob->ContactCode("alice").value(), code);
}

// Issue 13: same devices, only the account key changes. (The real server
// refuses a key set whose signature does not verify, so that case is
// covered by verifier_test and the C API test with a misbehaving fake log.)
TEST_F(VerifierE2eTest, OwnerIsToldOfEveryAccountKeyChangeTheyDidNotMake) {
  Ed25519PrivateKey alice_key = Ed25519PrivateKey::Generate();
  Ed25519PrivateKey operator_key = Ed25519PrivateKey::Generate();
  Publish("alice", &alice_key, 1, {"phone"});
  auto alice = Verifier::Create(policy_, "").value();
  ASSERT_TRUE(alice->SetOwnAccount("alice").ok());
  ASSERT_TRUE(alice->EnrollDevice("phone", "key of phone").ok());
  ASSERT_TRUE(alice->SetOwnAccountKey(alice_key.public_key().bytes()).ok());
  Result r = History(alice.get(), "alice");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.alerts.empty());
  // A second install of Alice's app that never set up the key.
  auto unaware = Verifier::Create(policy_, "").value();
  ASSERT_TRUE(unaware->SetOwnAccount("alice").ok());
  ASSERT_TRUE(unaware->EnrollDevice("phone", "key of phone").ok());

  struct Step {
    const Ed25519PrivateKey* key;
    const char* says;
  };
  const Step steps[] = {
      {nullptr, "Your account key was removed"},  // v2: unsigned, same devices
      {&operator_key, "replaced by another"},     // v3: the operator's key
      {&alice_key, nullptr},                      // v4: Alice's own again
  };
  uint64_t version = 1;
  for (const Step& step : steps) {
    Publish("alice", step.key, ++version, {"phone"});
    // Restart from the saved state each time, as the app would.
    alice = Verifier::Create(policy_, alice->SaveState()).value();
    r = History(alice.get(), "alice");
    ASSERT_TRUE(r.status.ok()) << r.status;
    if (step.says == nullptr) {
      EXPECT_TRUE(r.alerts.empty()) << "version " << version;
      continue;
    }
    ASSERT_EQ(r.alerts.size(), 1u) << "version " << version;
    EXPECT_EQ(r.alerts[0].kind, AlertKind::kIdentityChanged);
    EXPECT_EQ(r.alerts[0].account, "alice");
    EXPECT_NE(r.alerts[0].explanation.find(step.says), std::string::npos)
        << r.alerts[0].explanation;
    v1::HistoryResponse evidence;
    ASSERT_TRUE(evidence.ParseFromString(r.alerts[0].evidence));
    EXPECT_EQ(evidence.versions(evidence.versions_size() - 1).version(), version);
  }
  // The install without the key sees it appear in version 1 and in the
  // versions signed since, each an account key it was not told of.
  r = History(unaware.get(), "alice");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.alerts.size(), 3u);  // versions 1, 3 and 4 carry a key
  for (const Alert& a : r.alerts) {
    EXPECT_EQ(a.kind, AlertKind::kIdentityChanged);
    EXPECT_NE(a.explanation.find("did not set up was added"), std::string::npos);
  }
}

}  // namespace
}  // namespace verifier
}  // namespace keytrail
