#include "verifier/lookup.h"

#include <string>

#include "core/crypto/ed25519.h"
#include "core/map/hasher.h"
#include "core/map/proof.h"
#include "core/protocol/chain.h"
#include "core/protocol/key_set.h"
#include "gtest/gtest.h"
#include "testing/fake_log.h"
#include "testing/fake_log_trust.h"
#include "testing/verifier_test_status.h"

namespace keytrail {
namespace verifier {
namespace {

using fakes::FakeLog;
using fakes::PlainKeySet;
using fakes::SignedKeySet;

constexpr uint64_t kT0 = FakeLog::kGenesisTimeMs;

map::MapProof::Terminal TerminalOf(const v1::LookupResponse& r) {
  return map::DecodeMapProof(r.map_proof()).value().terminal;
}

// alice: two versions (epochs 1, 2), no account key. bob: one version with an
// account key and signed devices (epoch 2). Some other accounts fill the map.
class LookupTest : public testing::Test {
 protected:
  LookupTest() : bob_key_(Ed25519PrivateKey::Generate()), trust_(TrustIn(log_)) {
    log_.Update("alice", PlainKeySet({"phone"}));
    for (int i = 0; i < 6; ++i) log_.Update("filler-" + std::to_string(i), PlainKeySet({"phone"}));
    log_.CloseEpoch(kT0 + 1000);
    log_.Update("alice", PlainKeySet({"phone", "laptop"}));
    log_.Update("bob", SignedKeySet(bob_key_, "bob", 1, {"phone", "tablet"}));
    log_.CloseEpoch(kT0 + 2000);
  }

  absl::StatusOr<VerifiedLookup> Verify(absl::string_view account, const v1::LookupResponse& r,
                                        const TrustedCheckpoint& last = {}) const {
    return VerifyLookup(trust_, account, r, last, log_.timestamp_ms());
  }
  // alice's answer with its key set replaced by `ks` (bytes re-encoded).
  v1::LookupResponse AliceWithKeySet(const KeySet& ks) const {
    v1::LookupResponse r = log_.Lookup("alice");
    r.mutable_current()->set_key_set(EncodeKeySet(ks).value());
    return r;
  }

  FakeLog log_;
  Ed25519PrivateKey bob_key_;
  LogTrust trust_;
};

// ---- Honest answers ----

TEST_F(LookupTest, PresentAccount) {
  auto v = Verify("alice", log_.Lookup("alice"));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->index, log_.Index("alice"));
  EXPECT_EQ(v->log.epoch.epoch, 2u);
  ASSERT_TRUE(v->current.has_value());
  EXPECT_EQ(v->current->version, 2u);
  EXPECT_EQ(v->current->epoch, 2u);
  EXPECT_EQ(v->current->key_set, PlainKeySet({"phone", "laptop"}));
  EXPECT_EQ(v->current->previous_head, log_.Head("alice", 1));
  EXPECT_EQ(v->current->head, log_.Head("alice", 2));
}

TEST_F(LookupTest, AccountKeyWithSignedDevices) {
  auto v = Verify("bob", log_.Lookup("bob"));
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_TRUE(v->current.has_value());
  EXPECT_EQ(v->current->version, 1u);
  EXPECT_EQ(v->current->previous_head, GenesisHead());
  EXPECT_EQ(v->current->key_set.account_key, bob_key_.public_key().bytes());
  EXPECT_EQ(v->current->key_set.devices.size(), 2u);
}

TEST_F(LookupTest, DeactivatedAccountHasAnEmptyKeySet) {
  log_.Update("alice", KeySet{});
  log_.CloseEpoch(kT0 + 3000);
  auto v = Verify("alice", log_.Lookup("alice"));
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_TRUE(v->current.has_value());
  EXPECT_EQ(v->current->version, 3u);
  EXPECT_TRUE(IsEmpty(v->current->key_set));
}

TEST_F(LookupTest, AbsentAccountInTheEmptyMap) {
  FakeLog fresh;
  v1::LookupResponse r = fresh.Lookup("alice");
  ASSERT_EQ(TerminalOf(r), map::MapProof::Terminal::kEmpty);
  auto v = VerifyLookup(TrustIn(fresh), "alice", r, {}, kT0);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_FALSE(v->current.has_value());
  EXPECT_EQ(v->index, fresh.Index("alice"));
}

TEST_F(LookupTest, AbsentAccountBothTerminalKinds) {
  // A map of two leaves whose indexes share exactly their first bit: the
  // root's other half is an empty subtree, and each leaf is alone in its
  // quarter. An absent account then gets terminal 0 (empty subtree) when its
  // first bit differs and terminal 2 (another leaf) when it matches.
  FakeLog log;
  const Hash first = log.Index("member-0");
  std::string second;
  for (int i = 1; second.empty(); ++i) {  // each try succeeds with chance 1/4
    const std::string name = "member-" + std::to_string(i);
    if (map::CommonPrefixBits(first, log.Index(name)) == 1) second = name;
  }
  log.Update("member-0", PlainKeySet({"phone"}));
  log.Update(second, PlainKeySet({"phone"}));
  log.CloseEpoch(kT0 + 1000);

  bool saw_empty = false, saw_other_leaf = false;
  for (int i = 0; !(saw_empty && saw_other_leaf); ++i) {  // each kind: chance 1/2
    const std::string account = "absent-" + std::to_string(i);
    v1::LookupResponse r = log.Lookup(account);
    auto v = VerifyLookup(TrustIn(log), account, r, {}, kT0 + 1000);
    ASSERT_TRUE(v.ok()) << account << ": " << v.status();
    EXPECT_FALSE(v->current.has_value());
    const auto terminal = TerminalOf(r);
    const bool same_half = map::IndexBit(log.Index(account), 0) == map::IndexBit(first, 0);
    EXPECT_EQ(terminal,
              same_half ? map::MapProof::Terminal::kOtherLeaf : map::MapProof::Terminal::kEmpty);
    saw_empty |= terminal == map::MapProof::Terminal::kEmpty;
    saw_other_leaf |= terminal == map::MapProof::Terminal::kOtherLeaf;
  }
}

TEST_F(LookupTest, ConsistentWithAnEarlierCheckpoint) {
  const TrustedCheckpoint old = Trusted(log_.CheckpointAt(log_.EpochEntryIndex(1) + 1));
  auto v = Verify("alice", log_.Lookup("alice", old.size), old);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->log.checkpoint.size, log_.size());
}

TEST_F(LookupTest, CosignedAndFresh) {
  auto monitor = note::CosignatureSigner::Generate("monitor.example").value();
  log_.AddCosigner(monitor);
  trust_.monitors = {monitor.Verifier()};
  trust_.min_cosignatures = 1;
  trust_.max_staleness_ms = 10 * 60 * 1000;
  auto v = Verify("bob", log_.Lookup("bob"));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->log.cosignatures, 1u);
}

// ---- The log part fails: the whole answer fails ----

TEST_F(LookupTest, LogProofFailuresPropagate) {
  trust_.max_staleness_ms = 1000;
  EXPECT_INVALID(VerifyLookup(trust_, "alice", log_.Lookup("alice"), {}, kT0 + 5000), "stale:");
  v1::LookupResponse r = log_.Lookup("alice");
  r.mutable_log()->mutable_epoch_inclusion_proof()->front() ^= 1;
  EXPECT_INVALID(Verify("alice", r), "epoch inclusion proof:");
}

// ---- VRF ----

TEST_F(LookupTest, VrfProofForAnotherAccount) {
  v1::LookupResponse r = log_.Lookup("alice");
  r.set_vrf_proof(log_.vrf().Prove("bob"));
  EXPECT_INVALID(Verify("alice", r), "vrf proof:");
  // bob's whole answer offered as alice's.
  EXPECT_INVALID(Verify("alice", log_.Lookup("bob")), "vrf proof:");
}

TEST_F(LookupTest, VrfProofTampered) {
  v1::LookupResponse r = log_.Lookup("alice");
  (*r.mutable_vrf_proof())[50] ^= 1;
  EXPECT_INVALID(Verify("alice", r), "vrf proof:");
  r.clear_vrf_proof();
  EXPECT_INVALID(Verify("alice", r), "vrf proof:");
}

TEST_F(LookupTest, InvalidAccountId) {
  EXPECT_INVALID(Verify("", log_.Lookup("alice")), "account id");
}

// ---- The version and its chain step ----

TEST_F(LookupTest, KeySetTamperedFailsTheCommitment) {
  // A well-formed key set other than the committed one: a device swapped.
  EXPECT_INVALID(Verify("alice", AliceWithKeySet(PlainKeySet({"phone", "evil-laptop"}))),
                 "version 2: computed head");
  EXPECT_INVALID(Verify("alice", AliceWithKeySet(PlainKeySet({"phone"}))),
                 "does not match the map");
  // Bytes that do not decode.
  v1::LookupResponse r = log_.Lookup("alice");
  r.mutable_current()->mutable_key_set()->push_back('\0');
  EXPECT_INVALID(Verify("alice", r), "version 2: key set:");
}

TEST_F(LookupTest, OpeningTampered) {
  v1::LookupResponse r = log_.Lookup("alice");
  r.mutable_current()->mutable_opening()->front() ^= 1;
  EXPECT_INVALID(Verify("alice", r), "does not match the map");
  r.mutable_current()->set_opening("short");
  EXPECT_INVALID(Verify("alice", r), "version 2: commitment: opening");
}

TEST_F(LookupTest, PreviousHeadTampered) {
  v1::LookupResponse r = log_.Lookup("alice");
  r.mutable_previous_head()->front() ^= 1;
  EXPECT_INVALID(Verify("alice", r), "does not match the map");
  r.mutable_previous_head()->pop_back();
  EXPECT_INVALID(Verify("alice", r), "previous_head: must be 32 bytes, got 31");
  r.clear_previous_head();
  EXPECT_INVALID(Verify("alice", r), "previous_head: must be 32 bytes, got 0");
}

TEST_F(LookupTest, FirstVersionMustChainFromGenesis) {
  v1::LookupResponse r = log_.Lookup("bob");
  r.set_previous_head(HashString(log_.Head("alice", 1)));
  EXPECT_INVALID(Verify("bob", r), "previous head of version 1 must be the genesis head");
}

TEST_F(LookupTest, VersionChanged) {
  v1::LookupResponse r = log_.Lookup("alice");
  r.mutable_current()->set_version(3);
  EXPECT_INVALID(Verify("alice", r), "version 3: computed head");
  r.mutable_current()->set_version(1);
  EXPECT_INVALID(Verify("alice", r), "version 1: previous head of version 1 must be");
  r.mutable_current()->set_version(0);
  EXPECT_INVALID(Verify("alice", r), "version 0: versions start at 1");
}

TEST_F(LookupTest, EpochChanged) {
  v1::LookupResponse r = log_.Lookup("alice");
  r.mutable_current()->set_epoch(1);
  EXPECT_INVALID(Verify("alice", r), "does not match the map");
  r.mutable_current()->set_epoch(3);
  EXPECT_INVALID(Verify("alice", r), "epoch 3 is after the checkpoint's epoch 2");
}

TEST_F(LookupTest, LogIndexOutsideTheTree) {
  v1::LookupResponse r = log_.Lookup("alice");
  r.mutable_current()->set_log_index(log_.size());
  EXPECT_INVALID(Verify("alice", r), "log_index");
}

TEST_F(LookupTest, DeviceAddedWithoutValidSignature) {
  // The log itself commits a device that bob's account key never signed:
  // every proof is honest, the key set is not.
  KeySet ks = SignedKeySet(bob_key_, "bob", 2, {"phone", "tablet"});
  ks.devices.push_back(Device{"zz-server-device", "key of the server"});
  log_.Update("bob", ks);
  log_.CloseEpoch(kT0 + 3000);
  absl::StatusOr<VerifiedLookup> v = Verify("bob", log_.Lookup("bob"));
  EXPECT_INVALID(v,
                 "version 2: key set signature: does not verify under the account key for "
                 "version 2");
  EXPECT_TRUE(IsKeySetSignatureError(v.status())) << v.status();
  // Signed by another account key than the key set names: same failure.
  Ed25519PrivateKey other = Ed25519PrivateKey::Generate();
  KeySet mixed = SignedKeySet(other, "bob", 3, {"phone"});
  mixed.account_key = bob_key_.public_key().bytes();
  log_.Update("bob", mixed);
  log_.CloseEpoch(kT0 + 4000);
  v = Verify("bob", log_.Lookup("bob"));
  EXPECT_INVALID(v, "version 3: key set signature: does not verify");
  EXPECT_TRUE(IsKeySetSignatureError(v.status()));
}

// The replays per-device signatures allowed (DESIGN-NOTES, "Key set
// signatures"): the log re-adds a device bob removed, using the key set bob
// signed when he still had it; or it republishes an older key set. Every
// proof is honest; the signature covers another version.
TEST_F(LookupTest, RemovedDeviceReAddedIsRejected) {
  const KeySet v1 = SignedKeySet(bob_key_, "bob", 1, {"phone", "tablet"});
  log_.Update("bob", SignedKeySet(bob_key_, "bob", 2, {"phone"}));  // tablet removed
  log_.CloseEpoch(kT0 + 3000);
  ASSERT_TRUE(Verify("bob", log_.Lookup("bob")).ok());
  log_.Update("bob", v1);  // as version 3
  log_.CloseEpoch(kT0 + 4000);
  absl::StatusOr<VerifiedLookup> v = Verify("bob", log_.Lookup("bob"));
  EXPECT_INVALID(v,
                 "version 3: key set signature: does not verify under the account key for "
                 "version 3");
  EXPECT_TRUE(IsKeySetSignatureError(v.status())) << v.status();
}

TEST_F(LookupTest, OlderKeySetRepublishedIsRejected) {
  const KeySet v2 = SignedKeySet(bob_key_, "bob", 2, {"phone"});
  log_.Update("bob", v2);
  log_.Update("bob", SignedKeySet(bob_key_, "bob", 3, {"phone", "laptop"}));
  log_.Update("bob", v2);  // version 2's key set again, as version 4
  log_.CloseEpoch(kT0 + 3000);
  absl::StatusOr<VerifiedLookup> v = Verify("bob", log_.Lookup("bob"));
  EXPECT_INVALID(v,
                 "version 4: key set signature: does not verify under the account key for "
                 "version 4");
  EXPECT_TRUE(IsKeySetSignatureError(v.status())) << v.status();
}

TEST_F(LookupTest, TamperedKeySetFailsTheMapNotTheSignature) {
  // A key set changed in transit (not by the log) is a bad answer, not a
  // signature alert: the map proof fails first.
  v1::LookupResponse r = log_.Lookup("bob");
  KeySet ks = DecodeKeySet(r.current().key_set()).value();
  ks.devices.push_back(Device{"zz-mitm", "key"});
  r.mutable_current()->set_key_set(EncodeKeySet(ks).value());
  absl::StatusOr<VerifiedLookup> v = Verify("bob", r);
  EXPECT_INVALID(v, "does not match the map");
  EXPECT_FALSE(IsKeySetSignatureError(v.status()));
}

// ---- Field combinations ----

TEST_F(LookupTest, MembershipProofButNoCurrentVersion) {
  v1::LookupResponse r = log_.Lookup("alice");
  r.clear_current();
  r.clear_previous_head();
  EXPECT_INVALID(Verify("alice", r), "map proof: proves the account has a version");
}

TEST_F(LookupTest, PreviousHeadWithoutCurrentVersion) {
  v1::LookupResponse r = log_.Lookup("carol");
  r.set_previous_head(HashString(GenesisHead()));
  EXPECT_INVALID(Verify("carol", r), "previous_head: given, but the answer has no current");
}

TEST_F(LookupTest, CurrentVersionButAbsenceProof) {
  // carol is absent; the answer makes up a version for her.
  v1::LookupResponse r = log_.Lookup("carol");
  const v1::LookupResponse alice = log_.Lookup("alice");
  *r.mutable_current() = alice.current();
  r.set_previous_head(alice.previous_head());
  EXPECT_INVALID(Verify("carol", r), "does not prove membership");
}

TEST_F(LookupTest, MapProofOfAnotherAccount) {
  v1::LookupResponse r = log_.Lookup("alice");
  r.set_map_proof(log_.Lookup("bob").map_proof());
  EXPECT_INVALID(Verify("alice", r), "map proof:");
  // And an absence proof of another index does not prove carol absent.
  v1::LookupResponse carol = log_.Lookup("carol");
  std::string other_proof;
  for (int i = 0; other_proof.empty(); ++i) {
    v1::LookupResponse other = log_.Lookup("absent-" + std::to_string(i));
    // An account in carol's own empty subtree has the very same proof.
    if (other.map_proof() != carol.map_proof()) other_proof = other.map_proof();
  }
  carol.set_map_proof(other_proof);
  EXPECT_INVALID(Verify("carol", carol), "map proof:");
}

TEST_F(LookupTest, MalformedMapProof) {
  v1::LookupResponse r = log_.Lookup("alice");
  r.mutable_map_proof()->push_back('\0');
  EXPECT_INVALID(Verify("alice", r), "map proof:");
  r.clear_map_proof();
  EXPECT_INVALID(Verify("alice", r), "map proof:");
}

}  // namespace
}  // namespace verifier
}  // namespace keytrail
