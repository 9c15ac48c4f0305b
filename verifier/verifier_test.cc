// The library an app embeds, scenario by scenario: each alert raised by a
// crafted log, and the state moving forward only after full verification.
#include "verifier/verifier.h"

#include <string>

#include "core/crypto/ed25519.h"
#include "core/evidence/evidence.h"
#include "core/note/cosignature.h"
#include "core/note/note.h"
#include "core/protocol/verification_code.h"
#include "gtest/gtest.h"
#include "proto/keytrail.pb.h"
#include "testing/verifier_scenario.h"
#include "verifier/state.h"

namespace keytrail {
namespace verifier {
namespace {

constexpr uint64_t kT0 = FakeLog::kGenesisTimeMs;

class VerifierTest : public testing::Test {
 protected:
  VerifierTest() {
    log_.UpdateSigned("alice", alice_key_, {"phone"});
    log_.UpdateSigned("bob", bob_key_, {"phone"});
    log_.Update("carol", PlainKeySet({"phone"}));
    log_.CloseEpoch(kT0 + 1000);
    v_ = NewVerifier(PolicyFor(log_));
    EXPECT_TRUE(v_->SetOwnAccount("alice").ok());
    EXPECT_TRUE(v_->EnrollDevice("phone", "key of phone").ok());
    EXPECT_TRUE(v_->SetOwnAccountKey(alice_key_.public_key().bytes()).ok());
  }

  // Alice looks up bob and marks him verified after comparing codes.
  void VerifyBob() {
    ASSERT_TRUE(DoHistory(v_.get(), log_, "alice").status.ok());
    Result r = DoLookup(v_.get(), log_, "bob");
    ASSERT_TRUE(r.status.ok()) << r.status;
    auto code = v_->ContactCode("bob");
    ASSERT_TRUE(code.ok()) << code.status();
    ASSERT_TRUE(v_->MarkVerified("bob", *code).ok());
  }

  uint64_t t_ = kT0 + 1000;
  uint64_t Tick() { return t_ += 1000; }

  FakeLog log_;
  Ed25519PrivateKey alice_key_ = Ed25519PrivateKey::Generate();
  Ed25519PrivateKey bob_key_ = Ed25519PrivateKey::Generate();
  std::unique_ptr<Verifier> v_;
};

TEST_F(VerifierTest, LookupVerifiesAndMovesTheStateForward) {
  EXPECT_EQ(v_->last_verified_size(), 0u);
  Result r = DoLookup(v_.get(), log_, "bob");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.alerts.empty());
  ASSERT_TRUE(r.account.has_value());
  EXPECT_EQ(r.account->version, 1u);
  EXPECT_EQ(r.account->key_set.devices.size(), 1u);
  EXPECT_EQ(v_->last_verified_size(), log_.size());
  // The next request carries the verified size.
  v1::LookupRequest req;
  ASSERT_TRUE(req.ParseFromString(v_->LookupRequest("bob")));
  EXPECT_EQ(req.last_verified_size(), log_.size());
  v1::HistoryRequest hreq;
  ASSERT_TRUE(hreq.ParseFromString(v_->HistoryRequest("bob")));
  EXPECT_EQ(hreq.since_version(), 2u);
}

TEST_F(VerifierTest, UnknownAccountIsVersionZero) {
  Result r = DoLookup(v_.get(), log_, "nobody");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.account->version, 0u);
  log_.Update("nobody", PlainKeySet({"tablet"}));
  log_.CloseEpoch(Tick());
  r = DoHistory(v_.get(), log_, "nobody");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.account->version, 1u);
  EXPECT_TRUE(r.alerts.empty());  // a first key set is no change
}

// Alert 1: the operator adds a device to Alice's account.
TEST_F(VerifierTest, SelfMonitoringRaisesUnenrolledDevice) {
  Result r = DoHistory(v_.get(), log_, "alice");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.alerts.empty());
  log_.Update("alice", PlainKeySet({"phone", "rogue"}));
  log_.UpdateSigned("alice", alice_key_, {"phone"});  // and hides it again
  log_.CloseEpoch(Tick());
  r = DoHistory(v_.get(), log_, "alice");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.alerts.size(), 2u);
  EXPECT_EQ(r.alerts[0].kind, AlertKind::kUnenrolledDevice);
  EXPECT_NE(r.alerts[0].explanation.find("rogue"), std::string::npos);
  EXPECT_EQ(r.alerts[0].account, "alice");
  // The rogue version is unsigned too: the account key went with it.
  EXPECT_EQ(r.alerts[1].kind, AlertKind::kIdentityChanged);
  EXPECT_NE(r.alerts[1].explanation.find("account key was removed"), std::string::npos);
  v1::HistoryResponse evidence;
  EXPECT_TRUE(evidence.ParseFromString(r.alerts[0].evidence));
  EXPECT_EQ(r.account->version, 3u);
  // A device the user enrolled raises nothing.
  ASSERT_TRUE(v_->EnrollDevice("laptop", "key of laptop").ok());
  log_.UpdateSigned("alice", alice_key_, {"phone", "laptop"});
  log_.CloseEpoch(Tick());
  r = DoHistory(v_.get(), log_, "alice");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.alerts.empty());
}

// The log answers a History one page at a time (HistoryResponse.more): the
// page bytes as log_queries.cc cuts them, one version each here.
std::string OnePage(const Verifier& v, const FakeLog& log, absl::string_view account) {
  v1::HistoryRequest req;
  EXPECT_TRUE(req.ParseFromString(v.HistoryRequest(account)));
  v1::HistoryResponse r = log.History(account, req.since_version(), req.last_verified_size());
  if (r.versions_size() > 1) {
    r.mutable_versions()->DeleteSubrange(1, r.versions_size() - 1);
    r.set_more(true);
  }
  return r.SerializeAsString();
}

// Alert 1 across pages: nothing moves and nothing is raised until the last
// page proves the pages before it; then the rogue device on an earlier page
// is raised, with that page as evidence.
TEST_F(VerifierTest, PagedHistoryCommitsOnlyAfterTheLastPage) {
  ASSERT_TRUE(DoHistory(v_.get(), log_, "alice").status.ok());
  log_.Update("alice", PlainKeySet({"phone", "rogue"}));  // v2
  log_.UpdateSigned("alice", alice_key_, {"phone"});      // v3
  log_.CloseEpoch(Tick());
  const uint64_t size_before = v_->last_verified_size();
  Result r = v_->HandleHistory("alice", OnePage(*v_, log_, "alice"), Now(log_));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.more);
  EXPECT_TRUE(r.alerts.empty());
  EXPECT_FALSE(r.account.has_value());
  EXPECT_EQ(v_->last_verified_size(), size_before);
  v1::HistoryRequest next;
  ASSERT_TRUE(next.ParseFromString(v_->HistoryRequest("alice")));
  EXPECT_EQ(next.since_version(), 3u);
  r = v_->HandleHistory("alice", OnePage(*v_, log_, "alice"), Now(log_));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_FALSE(r.more);
  ASSERT_TRUE(r.account.has_value());
  EXPECT_EQ(r.account->version, 3u);
  // Version 2 has a device Alice did not enroll and lacks her account key.
  ASSERT_EQ(r.alerts.size(), 2u);
  EXPECT_EQ(r.alerts[0].kind, AlertKind::kUnenrolledDevice);
  EXPECT_EQ(r.alerts[1].kind, AlertKind::kIdentityChanged);
  v1::HistoryResponse evidence;
  ASSERT_TRUE(evidence.ParseFromString(r.alerts[0].evidence));
  ASSERT_EQ(evidence.versions_size(), 1);
  EXPECT_EQ(evidence.versions(0).version(), 2u);
  EXPECT_EQ(r.alerts[1].evidence, r.alerts[0].evidence);
  EXPECT_EQ(v_->last_verified_size(), log_.size());
}

// A bad later page drops the pages so far: the next request starts again
// from the stored version.
TEST_F(VerifierTest, BadLaterPageStartsThePagedHistoryOver) {
  ASSERT_TRUE(DoHistory(v_.get(), log_, "alice").status.ok());
  log_.UpdateSigned("alice", alice_key_, {"phone"});  // v2
  log_.UpdateSigned("alice", alice_key_, {"phone"});  // v3
  log_.CloseEpoch(Tick());
  ASSERT_TRUE(v_->HandleHistory("alice", OnePage(*v_, log_, "alice"), Now(log_)).more);
  v1::HistoryResponse bad;
  ASSERT_TRUE(bad.ParseFromString(OnePage(*v_, log_, "alice")));
  bad.mutable_versions(0)->set_opening("tampered opening of 16+ bytes");
  Result r = v_->HandleHistory("alice", bad.SerializeAsString(), Now(log_));
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status.message().find("history page since version 3"), std::string::npos) << r.status;
  v1::HistoryRequest again;
  ASSERT_TRUE(again.ParseFromString(v_->HistoryRequest("alice")));
  EXPECT_EQ(again.since_version(), 2u);
  EXPECT_TRUE(DoHistory(v_.get(), log_, "alice").status.ok());
}

// Alert 2: a device the verified account key did not sign.
TEST_F(VerifierTest, VerifiedContactKeySetNotSignedByItsAccountKey) {
  VerifyBob();
  // Signed for its version, then a device added that the signature does not
  // cover.
  KeySet ks = SignedKeySet(bob_key_, "bob", log_.NextVersion("bob"), {"phone"});
  ks.devices.push_back(Device{"rogue", "key of rogue"});
  SortDevices(&ks);
  log_.Update("bob", ks);
  log_.CloseEpoch(Tick());
  Result r = DoHistory(v_.get(), log_, "bob");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].kind, AlertKind::kUnsignedKeySet);
  EXPECT_EQ(r.alerts[0].account, "bob");
  // The explanation names what the signature does not cover (issue 13).
  EXPECT_NE(r.alerts[0].explanation.find("does not cover the device \"rogue\""), std::string::npos)
      << r.alerts[0].explanation;
}

// Alert 2, replays (DESIGN-NOTES "Replayed device signatures", closed by the
// key-set signature): a removed device re-added with the old key set's
// signature, and an older key set republished, both raise the alert.
TEST_F(VerifierTest, ReplayedKeySetsRaiseUnsignedKeySet) {
  const KeySet v1 = SignedKeySet(bob_key_, "bob", 1, {"phone"});
  log_.UpdateSigned("bob", bob_key_, {"phone", "tablet"});  // v2
  log_.CloseEpoch(Tick());
  VerifyBob();
  const KeySet v2 = SignedKeySet(bob_key_, "bob", 2, {"phone", "tablet"});
  log_.UpdateSigned("bob", bob_key_, {"phone"});  // v3: tablet removed
  log_.CloseEpoch(Tick());
  Result r = DoHistory(v_.get(), log_, "bob");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.alerts.empty());

  log_.Update("bob", v2);  // v4: tablet re-added with version 2's signature
  log_.CloseEpoch(Tick());
  r = DoHistory(v_.get(), log_, "bob");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].kind, AlertKind::kUnsignedKeySet);
  // Version 3 covered "phone"; "tablet" is what no signature covers.
  EXPECT_NE(r.alerts[0].explanation.find("does not cover the device \"tablet\""), std::string::npos)
      << r.alerts[0].explanation;
  EXPECT_EQ(r.alerts[0].explanation.find("phone"), std::string::npos);

  log_.Update("bob", v1);  // v5: the first key set republished
  log_.CloseEpoch(Tick());
  r = DoLookup(v_.get(), log_, "bob");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].kind, AlertKind::kUnsignedKeySet);
}

// Alert 3: the verified account key is removed (and replaced).
TEST_F(VerifierTest, VerifiedContactAccountKeyRemovedOrChanged) {
  VerifyBob();
  log_.Update("bob", PlainKeySet({"phone", "rogue"}));
  log_.CloseEpoch(Tick());
  Result r = DoLookup(v_.get(), log_, "bob");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].kind, AlertKind::kIdentityChanged);
  EXPECT_NE(r.alerts[0].explanation.find("removed"), std::string::npos);

  Ed25519PrivateKey other = Ed25519PrivateKey::Generate();
  log_.UpdateSigned("bob", other, {"phone"});
  log_.CloseEpoch(Tick());
  r = DoHistory(v_.get(), log_, "bob");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].kind, AlertKind::kIdentityChanged);
  EXPECT_NE(r.alerts[0].explanation.find("replaced"), std::string::npos);
  // The contact stays verified against the key the user compared.
  EXPECT_TRUE(r.account->verified);
}

// Alert 4: an unverified contact changes devices (informational).
TEST_F(VerifierTest, UnverifiedContactKeySetChanged) {
  ASSERT_TRUE(DoLookup(v_.get(), log_, "carol").status.ok());
  log_.Update("carol", PlainKeySet({"phone", "tablet"}));
  log_.CloseEpoch(Tick());
  Result r = DoHistory(v_.get(), log_, "carol");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].kind, AlertKind::kKeySetChanged);
  EXPECT_FALSE(r.account->verified);
}

// Alert 3 for a contact verified without an account key: any change.
TEST_F(VerifierTest, ContactVerifiedWithoutAccountKeyChanges) {
  ASSERT_TRUE(DoHistory(v_.get(), log_, "alice").status.ok());
  ASSERT_TRUE(DoLookup(v_.get(), log_, "carol").status.ok());
  ASSERT_TRUE(v_->MarkVerified("carol", v_->ContactCode("carol").value()).ok());
  log_.Update("carol", PlainKeySet({"phone", "tablet"}));
  log_.CloseEpoch(Tick());
  Result r = DoHistory(v_.get(), log_, "carol");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].kind, AlertKind::kIdentityChanged);
}

TEST_F(VerifierTest, MarkVerifiedNeedsTheCurrentCode) {
  ASSERT_TRUE(DoHistory(v_.get(), log_, "alice").status.ok());
  EXPECT_EQ(v_->MarkVerified("bob", "00000 00000").code(),
            absl::StatusCode::kFailedPrecondition);  // bob not looked up yet
  ASSERT_TRUE(DoLookup(v_.get(), log_, "bob").status.ok());
  EXPECT_EQ(v_->MarkVerified("bob", "00000 00000").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(v_->OwnCode().ok());
  // Displayed in groups, as the user reads it.
  EXPECT_TRUE(v_->MarkVerified("bob", FormatVerificationCode(v_->ContactCode("bob").value())).ok());
}

TEST_F(VerifierTest, BothPhonesShowTheSameCode) {
  ASSERT_TRUE(DoHistory(v_.get(), log_, "alice").status.ok());
  ASSERT_TRUE(DoLookup(v_.get(), log_, "bob").status.ok());
  auto bobs = NewVerifier(PolicyFor(log_));
  ASSERT_TRUE(bobs->SetOwnAccount("bob").ok());
  ASSERT_TRUE(DoHistory(bobs.get(), log_, "bob").status.ok());
  ASSERT_TRUE(DoLookup(bobs.get(), log_, "alice").status.ok());
  EXPECT_EQ(v_->ContactCode("bob").value(), bobs->ContactCode("alice").value());
}

// Alert 5, fork: the log shows another tree of the same size elsewhere.
TEST_F(VerifierTest, ObservedCheckpointOfAForkRaisesEvidence) {
  FakeLog other(log_.signer(), log_.vrf(), kT0);
  other.Update("bob", PlainKeySet({"rogue"}));
  other.Update("alice", PlainKeySet({"phone"}));
  other.Update("carol", PlainKeySet({"phone"}));
  other.CloseEpoch(kT0 + 1000);
  ASSERT_EQ(other.size(), log_.size());
  ASSERT_TRUE(DoLookup(v_.get(), log_, "bob").status.ok());
  const std::string before = v_->SaveState();

  Result r = v_->ObserveCheckpoint(other.SignedCheckpoint(), "");
  EXPECT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].kind, AlertKind::kLogForked);
  auto ev = evidence::DecodeEvidence(r.alerts[0].evidence);
  ASSERT_TRUE(ev.ok()) << ev.status();
  EXPECT_TRUE(evidence::VerifyEvidence(*ev).ok());
  EXPECT_EQ(v_->SaveState(), before);

  // The same from an answer: rejected, with the alert.
  r = DoLookup(v_.get(), other, "bob");
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasAlert(r, AlertKind::kLogForked));
  EXPECT_EQ(v_->SaveState(), before);
}

// Alert 5, fork: a larger tree whose consistency proof leads elsewhere.
TEST_F(VerifierTest, GrowingForkIsProvenByItsOwnConsistencyProof) {
  FakeLog other(log_.signer(), log_.vrf(), kT0);
  other.Update("bob", PlainKeySet({"rogue"}));
  other.Update("alice", PlainKeySet({"phone"}));
  other.Update("carol", PlainKeySet({"phone"}));
  other.CloseEpoch(kT0 + 1000);
  other.Update("dave", PlainKeySet({"phone"}));
  other.CloseEpoch(kT0 + 2000);
  ASSERT_TRUE(DoLookup(v_.get(), log_, "bob").status.ok());
  const uint64_t stored = v_->last_verified_size();
  Result r = DoLookup(v_.get(), other, "bob");
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(HasAlert(r, AlertKind::kLogForked));
  for (const Alert& a : r.alerts) {
    if (a.kind != AlertKind::kLogForked) continue;
    auto ev = evidence::DecodeEvidence(a.evidence);
    ASSERT_TRUE(ev.ok()) << ev.status();
    EXPECT_TRUE(evidence::VerifyEvidence(*ev).ok());
  }
  r = v_->ObserveCheckpoint(other.SignedCheckpoint(), other.ConsistencyProof(stored, other.size()));
  EXPECT_TRUE(HasAlert(r, AlertKind::kLogForked));
}

TEST_F(VerifierTest, ObservedConsistentCheckpointMovesForward) {
  ASSERT_TRUE(DoLookup(v_.get(), log_, "bob").status.ok());
  const uint64_t stored = v_->last_verified_size();
  log_.Update("dave", PlainKeySet({"phone"}));
  log_.CloseEpoch(Tick());
  Result r =
      v_->ObserveCheckpoint(log_.SignedCheckpoint(), log_.ConsistencyProof(stored, log_.size()));
  EXPECT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.alerts.empty());
  EXPECT_EQ(v_->last_verified_size(), log_.size());
  // A wrong proof proves nothing: rejected, no alert.
  r = v_->ObserveCheckpoint(log_.SignedCheckpoint(), std::string(32, 'x'));
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument);
  // Not the log's checkpoint.
  r = v_->ObserveCheckpoint("hello\n\n— x AAAA\n", "");
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument);
}

// Alert 5, rollback: an older answer after a newer one; OUT_OF_RANGE.
TEST_F(VerifierTest, RollbackToAnOlderTree) {
  const std::string old_answer = LookupAnswer(*v_, log_, "bob");
  log_.Update("dave", PlainKeySet({"phone"}));
  log_.CloseEpoch(Tick());
  ASSERT_TRUE(DoLookup(v_.get(), log_, "bob").status.ok());
  const std::string before = v_->SaveState();
  Result r = v_->HandleLookup("bob", old_answer, Now(log_));
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasAlert(r, AlertKind::kLogRolledBack));
  EXPECT_EQ(v_->SaveState(), before);

  r = v_->ReportOutOfRange();
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].kind, AlertKind::kLogRolledBack);
  EXPECT_TRUE(note::ParseNote(r.alerts[0].evidence).ok());
}

// Alert 5, stale.
TEST_F(VerifierTest, StaleLog) {
  Policy p = PolicyFor(log_);
  p.max_checkpoint_age_ms = 60000;
  auto v = NewVerifier(p);
  Result r = v->HandleLookup("bob", LookupAnswer(*v, log_, "bob"), log_.timestamp_ms() + 120000);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasAlert(r, AlertKind::kLogStale));
  EXPECT_EQ(v->last_verified_size(), 0u);
  r = v->HandleLookup("bob", LookupAnswer(*v, log_, "bob"), log_.timestamp_ms() + 30000);
  EXPECT_TRUE(r.status.ok()) << r.status;
}

// Alert 5, cosignatures; a broken or unknown cosignature line is ignored.
TEST_F(VerifierTest, CosignaturePolicy) {
  auto m1 = note::CosignatureSigner::Generate("monitor-one.example").value();
  auto m2 = note::CosignatureSigner::Generate("monitor-two.example").value();
  auto stranger = note::CosignatureSigner::Generate("stranger.example").value();
  log_.AddCosigner(m1);
  log_.AddCosigner(stranger);
  Policy p = PolicyFor(log_);
  p.monitor_keys = {m1.VerifierKey(), m2.VerifierKey()};
  p.min_cosignatures = 2;
  auto v = NewVerifier(p);
  Result r = DoLookup(v.get(), log_, "bob");
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasAlert(r, AlertKind::kLogMissingCosignatures));

  // m2's line broken: ignored, and one valid cosignature meets a policy of 1.
  p.min_cosignatures = 1;
  v = NewVerifier(p);
  v1::LookupResponse answer;
  ASSERT_TRUE(answer.ParseFromString(LookupAnswer(*v, log_, "bob")));
  note::Note n = note::ParseNote(answer.log().checkpoint()).value();
  note::NoteSignature broken = m2.SignAsNoteSignature(n.text, 1700000000);
  broken.signature[20] ^= 1;
  n.signatures.push_back(broken);
  answer.mutable_log()->set_checkpoint(note::FormatNote(n));
  r = v->HandleLookup("bob", answer.SerializeAsString(), Now(log_));
  EXPECT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.alerts.empty());
}

// Alert 6: the log proves a head for the stored version other than the one
// verified before. (Here the stored head is changed instead of the log,
// which an honest fake cannot rewrite; the check is the same.)
TEST_F(VerifierTest, HistoryThatDoesNotExtendTheStoredHead) {
  ASSERT_TRUE(DoLookup(v_.get(), log_, "bob").status.ok());
  auto loaded = DecodeState(v_->SaveState(), TrustFromPolicy(PolicyFor(log_)).value());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  vstate::VerifierState& s = loaded->state;
  s.mutable_contacts(0)->set_head(std::string(32, '\x07'));
  ASSERT_EQ(s.contacts(0).account(), "bob");
  auto v = NewVerifier(PolicyFor(log_), EncodeState(s));

  Result r = DoLookup(v.get(), log_, "bob");  // same version, other head
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasAlert(r, AlertKind::kHistoryRewritten));

  log_.UpdateSigned("bob", bob_key_, {"phone", "tablet"});
  log_.CloseEpoch(Tick());
  const std::string before = v->SaveState();
  r = DoHistory(v.get(), log_, "bob");  // version 2 chained from the log's head
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasAlert(r, AlertKind::kHistoryRewritten));
  EXPECT_EQ(v->SaveState(), before);
}

// Alert 6 from a misbehaving log (testing/fake_log.h UpdateOptions): it
// writes a second "version 1" of Bob, so the map's head for version 1 is no
// longer the one the library verified.
TEST_F(VerifierTest, LogThatRewritesAVerifiedVersion) {
  ASSERT_TRUE(DoLookup(v_.get(), log_, "bob").status.ok());
  UpdateOptions forced;
  forced.version = 1;
  log_.Update("bob", PlainKeySet({"rogue"}), forced);
  log_.CloseEpoch(Tick());
  const std::string before = v_->SaveState();
  Result r = DoHistory(v_.get(), log_, "bob");
  EXPECT_FALSE(r.status.ok());
  EXPECT_TRUE(HasAlert(r, AlertKind::kHistoryRewritten)) << r.status;
  EXPECT_EQ(v_->SaveState(), before);
}

TEST_F(VerifierTest, ResponseThatDoesNotParse) {
  const std::string before = v_->SaveState();
  EXPECT_EQ(v_->HandleLookup("bob", "\xff\xff", 0).status.code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(v_->HandleHistory("bob", "\xff\xff", 0).status.code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(v_->SaveState(), before);
}

// Issue 13: the owner is told of every change to their identity they did
// not make, as a contact who verified them would be.
TEST_F(VerifierTest, OwnAccountKeyRemovedReplacedOrAdded) {
  Result r = DoHistory(v_.get(), log_, "alice");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.alerts.empty());

  // Same devices, unsigned: only the account key differs.
  log_.Update("alice", PlainKeySet({"phone"}));
  log_.CloseEpoch(Tick());
  r = DoHistory(v_.get(), log_, "alice");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].kind, AlertKind::kIdentityChanged);
  EXPECT_EQ(r.alerts[0].account, "alice");
  EXPECT_NE(r.alerts[0].explanation.find("Your account key was removed"), std::string::npos);
  v1::HistoryResponse evidence;
  EXPECT_TRUE(evidence.ParseFromString(r.alerts[0].evidence));

  // Another key, by Lookup this time.
  Ed25519PrivateKey mallory = Ed25519PrivateKey::Generate();
  log_.UpdateSigned("alice", mallory, {"phone"});
  log_.CloseEpoch(Tick());
  r = DoLookup(v_.get(), log_, "alice");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].kind, AlertKind::kIdentityChanged);
  EXPECT_NE(r.alerts[0].explanation.find("replaced"), std::string::npos);

  // The owner's own change: set up the new key first, then nothing to say.
  Ed25519PrivateKey next = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(v_->SetOwnAccountKey(next.public_key().bytes()).ok());
  log_.UpdateSigned("alice", next, {"phone"});
  log_.CloseEpoch(Tick());
  r = DoHistory(v_.get(), log_, "alice");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.alerts.empty());

  // A user without an account key: one appearing is an alert too.
  ASSERT_TRUE(v_->SetOwnAccountKey("").ok());
  log_.UpdateSigned("alice", mallory, {"phone"});
  log_.CloseEpoch(Tick());
  r = DoHistory(v_.get(), log_, "alice");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].kind, AlertKind::kIdentityChanged);
  EXPECT_NE(r.alerts[0].explanation.find("did not set up was added"), std::string::npos);

  // The account deactivated without the key.
  ASSERT_TRUE(v_->SetOwnAccountKey(mallory.public_key().bytes()).ok());
  log_.Update("alice", KeySet{});
  log_.CloseEpoch(Tick());
  r = DoHistory(v_.get(), log_, "alice");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_NE(r.alerts[0].explanation.find("deactivated"), std::string::npos);
}

TEST_F(VerifierTest, OwnKeySetWithAnInvalidSignature) {
  ASSERT_TRUE(DoHistory(v_.get(), log_, "alice").status.ok());
  // The operator republishes version 1's signed key set as version 2 with a
  // device added (its own, enrolled nowhere).
  KeySet ks = SignedKeySet(alice_key_, "alice", 1, {"phone"});
  ks.devices.push_back(Device{"tablet", "key of tablet"});
  SortDevices(&ks);
  log_.Update("alice", ks);
  // And then version 1's devices alone, under version 1's signature.
  log_.Update("alice", SignedKeySet(alice_key_, "alice", 1, {"phone"}));
  log_.CloseEpoch(Tick());
  Result r = DoHistory(v_.get(), log_, "alice");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.alerts.size(), 3u);
  EXPECT_EQ(r.alerts[0].kind, AlertKind::kUnenrolledDevice);
  EXPECT_EQ(r.alerts[1].kind, AlertKind::kUnsignedKeySet);
  EXPECT_EQ(r.alerts[1].account, "alice");
  EXPECT_NE(r.alerts[1].explanation.find("Version 2 of your keys"), std::string::npos)
      << r.alerts[1].explanation;
  EXPECT_NE(r.alerts[1].explanation.find("does not cover the device \"tablet\""), std::string::npos)
      << r.alerts[1].explanation;
  // Version 3: no device beyond version 1's, but not signed for version 3
  // (version 2, not validly signed, covers nothing, so every device is named).
  EXPECT_EQ(r.alerts[2].kind, AlertKind::kUnsignedKeySet);
  EXPECT_NE(r.alerts[2].explanation.find("Version 3"), std::string::npos)
      << r.alerts[2].explanation;
  EXPECT_NE(r.alerts[2].explanation.find("\"phone\""), std::string::npos);
}

TEST_F(VerifierTest, OwnAccountKeyArgumentsAreChecked) {
  EXPECT_EQ(v_->SetOwnAccountKey("short").code(), absl::StatusCode::kInvalidArgument);
  auto fresh = NewVerifier(PolicyFor(log_));
  EXPECT_EQ(fresh->SetOwnAccountKey(alice_key_.public_key().bytes()).code(),
            absl::StatusCode::kFailedPrecondition);
  // The key is part of the saved state.
  auto reloaded = NewVerifier(PolicyFor(log_), v_->SaveState());
  log_.Update("alice", PlainKeySet({"phone"}));
  log_.CloseEpoch(Tick());
  Result r = DoHistory(reloaded.get(), log_, "alice");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].kind, AlertKind::kIdentityChanged);
}

// Issue 17: a checkpoint verified once is remembered, and nothing else is:
// an answer under it with a broken VRF proof, map proof or key set is
// still refused.
TEST_F(VerifierTest, UnderAVerifiedCheckpointEverythingElseIsStillChecked) {
  ASSERT_TRUE(DoLookup(v_.get(), log_, "bob").status.ok());
  const std::string honest = LookupAnswer(*v_, log_, "carol");
  v1::LookupResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(honest));
  const std::string before = v_->SaveState();
  auto refused = [&](auto edit) {
    v1::LookupResponse broken = parsed;
    edit(&broken);
    return v_->HandleLookup("carol", broken.SerializeAsString(), Now(log_)).status.code();
  };
  EXPECT_EQ(refused([](v1::LookupResponse* r) { (*r->mutable_vrf_proof())[40] ^= 1; }),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(refused([](v1::LookupResponse* r) { (*r->mutable_map_proof())[5] ^= 1; }),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(refused([](v1::LookupResponse* r) {
              std::string* ks = r->mutable_current()->mutable_key_set();
              (*ks)[ks->size() - 1] ^= 1;  // the last device key's last byte
            }),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(refused([](v1::LookupResponse* r) {
              (*r->mutable_log()->mutable_epoch_inclusion_proof())[0] ^= 1;
            }),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(v_->SaveState(), before);
  Result r = v_->HandleLookup("carol", honest, Now(log_));
  EXPECT_TRUE(r.status.ok()) << r.status;
}

TEST_F(VerifierTest, OwnAccountIsOneAccount) {
  EXPECT_TRUE(v_->SetOwnAccount("alice").ok());
  EXPECT_EQ(v_->SetOwnAccount("mallory").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(v_->RemoveEnrolledDevice("nope").code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(v_->RemoveEnrolledDevice("phone").ok());
}

}  // namespace
}  // namespace verifier
}  // namespace keytrail
