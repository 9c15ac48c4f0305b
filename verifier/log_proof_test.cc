#include "verifier/log_proof.h"

#include <string>
#include <vector>

#include "core/merkle/hash_list.h"
#include "core/note/checkpoint.h"
#include "core/note/cosignature.h"
#include "core/note/note.h"
#include "core/protocol/entry.h"
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

std::string OneDevice(const std::string& id) {
  KeySet ks;
  ks.devices.push_back(Device{id, "key of " + id});
  return EncodeKeySet(ks).value();
}

void FlipByte(std::string* s, size_t i) { (*s)[i] ^= 0x01; }

// A log with three epochs after genesis: sizes 1, 3, 6, 7.
class LogProofTest : public testing::Test {
 protected:
  LogProofTest() : trust_(TrustIn(log_)) {
    log_.Update("alice", OneDevice("phone"));
    log_.CloseEpoch(kT0 + 1000);
    log_.Update("bob", OneDevice("phone"));
    log_.Update("alice", OneDevice("laptop"));
    log_.CloseEpoch(kT0 + 2000);
    log_.CloseEpoch(kT0 + 3000);
  }

  uint64_t now() const { return log_.timestamp_ms(); }
  absl::StatusOr<VerifiedLog> Verify(const v1::LogProof& proof,
                                     const TrustedCheckpoint& last = {}) const {
    return VerifyLogProof(trust_, proof, last, now());
  }
  // The latest checkpoint's text with its fields replaced.
  note::Checkpoint LatestCheckpoint() const {
    note::Checkpoint cp;
    cp.origin = log_.signer().name();
    cp.size = log_.size();
    cp.root = log_.Checkpoint().root;
    return cp;
  }

  FakeLog log_;
  LogTrust trust_;
};

// ---- Honest answers ----

TEST_F(LogProofTest, GenesisOnFirstContact) {
  FakeLog fresh;
  auto v = VerifyLogProof(TrustIn(fresh), fresh.Proof(0), {}, kT0);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->checkpoint.size, 1u);
  EXPECT_EQ(v->epoch.epoch, 0u);
  EXPECT_EQ(v->epoch.map_root, Hash{});
  EXPECT_EQ(v->cosignatures, 0u);
}

TEST_F(LogProofTest, LatestOnFirstContact) {
  auto v = Verify(log_.Proof(0));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->checkpoint.origin, FakeLog::kDefaultOrigin);
  EXPECT_EQ(v->checkpoint.size, 7u);
  EXPECT_EQ(v->epoch.epoch, 3u);
  EXPECT_EQ(v->epoch.timestamp_ms, kT0 + 3000);
  EXPECT_EQ(v->trusted().size, log_.Checkpoint().size);
  EXPECT_EQ(v->trusted().root, log_.Checkpoint().root);
}

TEST_F(LogProofTest, ConsistentWithEveryEarlierCheckpoint) {
  for (uint64_t size : {1u, 3u, 6u}) {
    const TrustedCheckpoint old = Trusted(log_.CheckpointAt(size));
    auto v = Verify(log_.Proof(size), old);
    ASSERT_TRUE(v.ok()) << "from size " << size << ": " << v.status();
    EXPECT_EQ(v->checkpoint.size, 7u);
  }
}

TEST_F(LogProofTest, SameCheckpointAgain) {
  auto v = Verify(log_.Proof(7), Trusted(log_.Checkpoint()));
  ASSERT_TRUE(v.ok()) << v.status();
}

TEST_F(LogProofTest, CosignaturePolicyMet) {
  auto m1 = note::CosignatureSigner::Generate("monitor-one.example").value();
  auto m2 = note::CosignatureSigner::Generate("monitor-two.example").value();
  log_.AddCosigner(m1);
  log_.AddCosigner(m2);
  trust_.monitors = {m1.Verifier(), m2.Verifier()};
  trust_.min_cosignatures = 2;
  auto v = Verify(log_.Proof(0));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->cosignatures, 2u);
}

// ---- Step 1: signatures and cosignatures ----

TEST_F(LogProofTest, TooFewCosignatures) {
  auto m1 = note::CosignatureSigner::Generate("monitor-one.example").value();
  auto m2 = note::CosignatureSigner::Generate("monitor-two.example").value();
  log_.AddCosigner(m1);
  trust_.monitors = {m1.Verifier(), m2.Verifier()};
  trust_.min_cosignatures = 2;
  EXPECT_INVALID(Verify(log_.Proof(0)), "checkpoint has 1 trusted cosignatures, policy needs 2");
}

// DESIGN-NOTES "Cosignatures": a trusted monitor's broken line only fails
// to count; it does not fail the answer.
TEST_F(LogProofTest, BrokenCosignatureLineIsIgnored) {
  auto m1 = note::CosignatureSigner::Generate("monitor-one.example").value();
  auto m2 = note::CosignatureSigner::Generate("monitor-two.example").value();
  log_.AddCosigner(m1);
  log_.AddCosigner(m2);
  trust_.monitors = {m1.Verifier(), m2.Verifier()};
  trust_.min_cosignatures = 1;
  v1::LogProof proof = log_.Proof(0);
  note::Note n = note::ParseNote(proof.checkpoint()).value();
  ASSERT_EQ(n.signatures.size(), 3u);
  FlipByte(&n.signatures[2].signature, 20);
  proof.set_checkpoint(note::FormatNote(n));
  auto v = Verify(proof);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->cosignatures, 1u);
  trust_.min_cosignatures = 2;
  EXPECT_INVALID(Verify(proof), "checkpoint has 1 trusted cosignatures, policy needs 2");
}

TEST_F(LogProofTest, UntrustedCosignerDoesNotCount) {
  auto stranger = note::CosignatureSigner::Generate("stranger.example").value();
  auto trusted = note::CosignatureSigner::Generate("trusted.example").value();
  log_.AddCosigner(stranger);
  trust_.monitors = {trusted.Verifier()};
  trust_.min_cosignatures = 1;
  EXPECT_INVALID(Verify(log_.Proof(0)), "checkpoint has 0 trusted cosignatures, policy needs 1");
  // Nor does a cosigner with a trusted monitor's name but another key.
  auto impostor = note::CosignatureSigner::Generate("trusted.example").value();
  log_.AddCosigner(impostor);
  EXPECT_INVALID(Verify(log_.Proof(0)), "checkpoint has 0 trusted cosignatures");
  // With no policy the same checkpoint passes, counting nothing.
  trust_.min_cosignatures = 0;
  auto v = Verify(log_.Proof(0));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->cosignatures, 0u);
}

TEST_F(LogProofTest, CheckpointSignedByAnotherKey) {
  // Same name (the origin), another key: the line is not the trusted key's.
  auto other = note::Ed25519NoteSigner::Generate(FakeLog::kDefaultOrigin).value();
  const std::string text = note::FormatCheckpoint(LatestCheckpoint());
  v1::LogProof proof = log_.Proof(0);
  const note::NoteSigner* signers[] = {&other};
  proof.set_checkpoint(note::SignNote(text, signers).value());
  EXPECT_INVALID(Verify(proof), "checkpoint signature: not signed by the log key");
}

TEST_F(LogProofTest, CheckpointWithBrokenLogSignature) {
  v1::LogProof proof = log_.Proof(0);
  note::Note n = note::ParseNote(proof.checkpoint()).value();
  FlipByte(&n.signatures[0].signature, 10);
  proof.set_checkpoint(note::FormatNote(n));
  EXPECT_INVALID(Verify(proof), "checkpoint signature: note: invalid signature by known key");
}

TEST_F(LogProofTest, CheckpointCosignedButNotSignedByTheLog) {
  auto monitor = note::CosignatureSigner::Generate("monitor.example").value();
  trust_.monitors = {monitor.Verifier()};
  const std::string text = note::FormatCheckpoint(LatestCheckpoint());
  note::Note n;
  n.text = text;
  n.signatures.push_back(monitor.SignAsNoteSignature(text, 1700000000));
  v1::LogProof proof = log_.Proof(0);
  proof.set_checkpoint(note::FormatNote(n));
  EXPECT_INVALID(Verify(proof), "checkpoint signature: not signed by the log key");
}

TEST_F(LogProofTest, DuplicateMonitorsInTrust) {
  auto monitor = note::CosignatureSigner::Generate("monitor.example").value();
  trust_.monitors = {monitor.Verifier(), monitor.Verifier()};
  EXPECT_INVALID(Verify(log_.Proof(0)), "checkpoint signature: note: two verifiers");
}

TEST_F(LogProofTest, NotANote) {
  v1::LogProof proof = log_.Proof(0);
  proof.set_checkpoint("hello\n");
  EXPECT_INVALID(Verify(proof), "checkpoint signature: note:");
}

TEST_F(LogProofTest, WrongOrigin) {
  // Signed by the trusted key, but says it is another log's checkpoint.
  note::Checkpoint cp = LatestCheckpoint();
  cp.origin = "example.org/other-log";
  v1::LogProof proof = log_.Proof(0);
  proof.set_checkpoint(log_.SignText(note::FormatCheckpoint(cp)));
  EXPECT_INVALID(Verify(proof), "checkpoint: origin \"example.org/other-log\"");
}

TEST_F(LogProofTest, TrustWhoseOriginIsNotTheKeyName) {
  trust_.origin = "example.org/other-log";
  EXPECT_INVALID(Verify(log_.Proof(0)), "trust: log key name");
}

TEST_F(LogProofTest, CheckpointWithExtensionLines) {
  note::Checkpoint cp = LatestCheckpoint();
  cp.extensions.push_back("extra");
  v1::LogProof proof = log_.Proof(0);
  proof.set_checkpoint(log_.SignText(note::FormatCheckpoint(cp)));
  EXPECT_INVALID(Verify(proof), "checkpoint: 1 extension line(s)");
}

TEST_F(LogProofTest, CheckpointOfSizeZero) {
  note::Checkpoint cp = LatestCheckpoint();
  cp.size = 0;
  v1::LogProof proof = log_.Proof(0);
  proof.set_checkpoint(log_.SignText(note::FormatCheckpoint(cp)));
  EXPECT_INVALID(Verify(proof), "checkpoint: size 0");
}

TEST_F(LogProofTest, NotACheckpoint) {
  v1::LogProof proof = log_.Proof(0);
  proof.set_checkpoint(log_.SignText("just a note\n"));
  EXPECT_INVALID(Verify(proof), "checkpoint:");
}

// ---- Step 2: consistency with what the client saw ----

TEST_F(LogProofTest, Rollback) {
  FakeLog log;
  const v1::LogProof old_answer = log.Proof(0);  // size 1
  log.Update("alice", OneDevice("phone"));
  log.CloseEpoch(kT0 + 1000);
  EXPECT_INVALID(VerifyLogProof(TrustIn(log), old_answer, Trusted(log.Checkpoint()), kT0 + 1000),
                 "rollback: checkpoint size 1 is below the trusted size 3");
}

TEST_F(LogProofTest, ForkAtTheSameSize) {
  // Two logs with the same keys that diverge after genesis.
  FakeLog a;
  FakeLog b(a.signer(), a.vrf(), FakeLog::kGenesisTimeMs);
  a.Update("alice", OneDevice("phone"));
  a.CloseEpoch(kT0 + 1000);
  b.Update("alice", OneDevice("evil-phone"));
  b.CloseEpoch(kT0 + 1000);
  ASSERT_EQ(a.size(), b.size());
  const LogTrust trust = TrustIn(a);
  ASSERT_TRUE(VerifyLogProof(trust, b.Proof(0), {}, kT0 + 1000).ok());  // alone, b is fine
  EXPECT_INVALID(VerifyLogProof(trust, b.Proof(b.size()), Trusted(a.Checkpoint()), kT0 + 1000),
                 "fork: checkpoint of size 3");

  // Once b grows, its consistency proof cannot start from a's root.
  b.CloseEpoch(kT0 + 2000);
  EXPECT_INVALID(VerifyLogProof(trust, b.Proof(a.size()), Trusted(a.Checkpoint()), kT0 + 2000),
                 "consistency proof:");
}

TEST_F(LogProofTest, TrustedRootDiffersAtTheSameSize) {
  TrustedCheckpoint last = Trusted(log_.Checkpoint());
  last.root[0] ^= 1;
  EXPECT_INVALID(Verify(log_.Proof(7), last), "fork:");
}

TEST_F(LogProofTest, BadConsistencyProof) {
  const TrustedCheckpoint old = Trusted(log_.CheckpointAt(3));
  v1::LogProof proof = log_.Proof(3);
  ASSERT_FALSE(proof.consistency_proof().empty());

  v1::LogProof flipped = proof;
  FlipByte(flipped.mutable_consistency_proof(), 0);
  EXPECT_INVALID(Verify(flipped, old), "consistency proof:");

  v1::LogProof short_proof = proof;
  short_proof.mutable_consistency_proof()->resize(proof.consistency_proof().size() - 32);
  EXPECT_INVALID(Verify(short_proof, old), "consistency proof: wrong proof size");

  v1::LogProof ragged = proof;
  ragged.mutable_consistency_proof()->push_back('x');
  EXPECT_INVALID(Verify(ragged, old), "consistency proof:");

  v1::LogProof missing = proof;
  missing.clear_consistency_proof();
  EXPECT_INVALID(Verify(missing, old), "consistency proof: wrong proof size 0");

  // A proof for another old size does not fit this one.
  v1::LogProof other = log_.Proof(6);
  EXPECT_INVALID(Verify(other, old), "consistency proof:");
}

TEST_F(LogProofTest, ConsistencyProofMustBeEmptyWithoutOne) {
  v1::LogProof proof = log_.Proof(0);
  proof.set_consistency_proof(log_.ConsistencyProof(3, 7));
  EXPECT_INVALID(Verify(proof), "consistency proof: must be empty from size 0");
  EXPECT_INVALID(Verify(proof, Trusted(log_.Checkpoint())),
                 "consistency proof: must be empty from size 7");
}

// ---- Step 3: the epoch entry ----

TEST_F(LogProofTest, EpochEntryNotTheLastLeaf) {
  // A genuine epoch entry of this tree, with a genuine proof, but an older
  // epoch's: its map root is not the latest.
  const uint64_t index = log_.EpochEntryIndex(2);
  ASSERT_LT(index, log_.size() - 1);
  v1::LogProof proof = log_.Proof(0);
  proof.set_epoch_entry(log_.Entry(index));
  proof.set_epoch_inclusion_proof(log_.InclusionProof(index, log_.size()));
  EXPECT_INVALID(Verify(proof), "epoch inclusion proof:");
}

TEST_F(LogProofTest, TamperedEpochEntry) {
  v1::LogProof proof = log_.Proof(0);
  FlipByte(proof.mutable_epoch_entry(), 2 + 8 + 7);  // the timestamp's last byte
  ASSERT_TRUE(DecodeEpochEntry(proof.epoch_entry()).ok());
  EXPECT_INVALID(Verify(proof), "epoch inclusion proof: root mismatch");
}

TEST_F(LogProofTest, UpdateEntryInPlaceOfTheEpochEntry) {
  const uint64_t index = log_.EpochEntryIndex(2) - 1;  // epoch 2's last update
  v1::LogProof proof = log_.Proof(0);
  proof.set_epoch_entry(log_.Entry(index));
  proof.set_epoch_inclusion_proof(log_.InclusionProof(index, log_.size()));
  EXPECT_INVALID(Verify(proof), "epoch entry: entry: kind 1");
}

TEST_F(LogProofTest, MalformedEpochEntry) {
  v1::LogProof proof = log_.Proof(0);
  proof.mutable_epoch_entry()->push_back('\0');
  EXPECT_INVALID(Verify(proof), "epoch entry:");
  proof.clear_epoch_entry();
  EXPECT_INVALID(Verify(proof), "epoch entry:");
}

TEST_F(LogProofTest, BadInclusionProof) {
  v1::LogProof proof = log_.Proof(0);
  v1::LogProof flipped = proof;
  FlipByte(flipped.mutable_epoch_inclusion_proof(), 31);
  EXPECT_INVALID(Verify(flipped), "epoch inclusion proof: root mismatch");

  v1::LogProof longer = proof;
  longer.mutable_epoch_inclusion_proof()->append(32, 'x');
  EXPECT_INVALID(Verify(longer), "epoch inclusion proof: wrong proof size");

  v1::LogProof ragged = proof;
  ragged.mutable_epoch_inclusion_proof()->pop_back();
  EXPECT_INVALID(Verify(ragged), "epoch inclusion proof:");

  v1::LogProof huge = proof;
  huge.set_epoch_inclusion_proof(std::string(32 * 65, 'x'));
  EXPECT_INVALID(Verify(huge), "epoch inclusion proof:");
}

// ---- Step 4: freshness ----

TEST_F(LogProofTest, Freshness) {
  trust_.max_staleness_ms = 60000;
  const uint64_t ts = log_.timestamp_ms();
  EXPECT_TRUE(VerifyLogProof(trust_, log_.Proof(0), {}, ts).ok());
  EXPECT_TRUE(VerifyLogProof(trust_, log_.Proof(0), {}, ts + 60000).ok());
  EXPECT_INVALID(VerifyLogProof(trust_, log_.Proof(0), {}, ts + 60001),
                 "stale: epoch 3 is 60001 ms old, policy allows 60000 ms");
  // A client clock a little behind the log's is fine; far behind is not.
  EXPECT_TRUE(VerifyLogProof(trust_, log_.Proof(0), {}, ts - 60000).ok());
  EXPECT_INVALID(VerifyLogProof(trust_, log_.Proof(0), {}, ts - 60001),
                 "clock: epoch 3 is timestamped 60001 ms in the future");
  // No policy: any age passes.
  trust_.max_staleness_ms = 0;
  EXPECT_TRUE(VerifyLogProof(trust_, log_.Proof(0), {}, ts + 365ull * 86400 * 1000).ok());
}

// ---- CheckpointCache (issue 17: verify a checkpoint once) ----

class CheckpointCacheTest : public LogProofTest {
 protected:
  CheckpointCacheTest() {
    log_.AddCosigner(m1_);
    log_.AddCosigner(m2_);
    trust_.monitors = {m1_.Verifier(), m2_.Verifier()};
    trust_.min_cosignatures = 2;
  }
  absl::StatusOr<VerifiedLog> Cached(const v1::LogProof& proof, const TrustedCheckpoint& last = {},
                                     uint64_t now = 0) {
    return VerifyLogProof(trust_, proof, last, now == 0 ? this->now() : now, &cache_);
  }

  note::CosignatureSigner m1_ = note::CosignatureSigner::Generate("monitor-one.example").value();
  note::CosignatureSigner m2_ = note::CosignatureSigner::Generate("monitor-two.example").value();
  CheckpointCache cache_{&trust_, 2};
};

TEST_F(CheckpointCacheTest, RemembersAVerifiedNoteAndGivesTheSameResult) {
  const v1::LogProof proof = log_.Proof(0);
  auto first = Cached(proof);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(cache_.size(), 1u);
  ASSERT_TRUE(cache_.Find(proof.checkpoint()).has_value());
  auto again = Cached(proof);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(cache_.size(), 1u);
  EXPECT_EQ(again->checkpoint.size, first->checkpoint.size);
  EXPECT_EQ(again->checkpoint.root, first->checkpoint.root);
  EXPECT_EQ(again->checkpoint.origin, first->checkpoint.origin);
  EXPECT_EQ(again->cosignatures, 2u);
  EXPECT_EQ(again->epoch.epoch, first->epoch.epoch);
}

TEST_F(CheckpointCacheTest, ARefusedNoteIsNotRemembered) {
  v1::LogProof proof = log_.Proof(0);
  note::Note n = note::ParseNote(proof.checkpoint()).value();
  FlipByte(&n.signatures[2].signature, 20);  // one cosignature broken: 1 of 2
  proof.set_checkpoint(note::FormatNote(n));
  EXPECT_INVALID(Cached(proof), "checkpoint has 1 trusted cosignatures, policy needs 2");
  EXPECT_EQ(cache_.size(), 0u);
}

TEST_F(CheckpointCacheTest, AnotherByteIsAnotherNoteCheckedAfresh) {
  const v1::LogProof good = log_.Proof(0);
  ASSERT_TRUE(Cached(good).ok());
  // The same checkpoint with its log signature broken, or a cosignature
  // dropped: other bytes, verified (and refused) as if nothing were cached.
  note::Note n = note::ParseNote(good.checkpoint()).value();
  v1::LogProof broken = good;
  note::Note bn = n;
  FlipByte(&bn.signatures[0].signature, 10);
  broken.set_checkpoint(note::FormatNote(bn));
  EXPECT_INVALID(Cached(broken), "checkpoint signature:");
  v1::LogProof fewer = good;
  note::Note fn = n;
  fn.signatures.pop_back();
  fewer.set_checkpoint(note::FormatNote(fn));
  EXPECT_INVALID(Cached(fewer), "policy needs 2");
  EXPECT_EQ(cache_.size(), 1u);
}

// Only step 1 is remembered: the rest of the proof is checked every time.
TEST_F(CheckpointCacheTest, StepsTwoToFourAreStillChecked) {
  const v1::LogProof good = log_.Proof(0);
  ASSERT_TRUE(Cached(good).ok());
  v1::LogProof bad_path = good;
  FlipByte(bad_path.mutable_epoch_inclusion_proof(), 31);
  EXPECT_INVALID(Cached(bad_path), "epoch inclusion proof: root mismatch");
  v1::LogProof bad_entry = good;
  FlipByte(bad_entry.mutable_epoch_entry(), 20);
  EXPECT_INVALID(Cached(bad_entry), "epoch");
  EXPECT_INVALID(Cached(good, TrustedCheckpoint{log_.size() + 1, Hash{}}), "rollback:");
  EXPECT_INVALID(Cached(good, TrustedCheckpoint{log_.size(), Hash{}}), "fork:");
  trust_.max_staleness_ms = 1000;
  EXPECT_INVALID(Cached(good, {}, log_.timestamp_ms() + 5000), "stale:");
}

TEST_F(CheckpointCacheTest, BoundedOldestForgottenFirst) {
  // Three distinct notes (sizes 3, 6, 7) in a cache of two.
  std::vector<std::string> notes;
  for (uint64_t size : {3u, 6u, 7u}) {
    log_.ServeAt(size);
    v1::LogProof proof = log_.Proof(0);
    notes.push_back(proof.checkpoint());
    ASSERT_TRUE(Cached(proof, {}, 1).ok()) << size << Cached(proof, {}, 1).status();
  }
  log_.ServeLatest();
  EXPECT_EQ(cache_.size(), 2u);
  EXPECT_FALSE(cache_.Find(notes[0]).has_value());
  EXPECT_TRUE(cache_.Find(notes[1]).has_value());
  EXPECT_TRUE(cache_.Find(notes[2]).has_value());
}

TEST_F(CheckpointCacheTest, UsedOnlyWithItsOwnTrust) {
  const v1::LogProof proof = log_.Proof(0);
  ASSERT_TRUE(Cached(proof).ok());
  // Another trust object demanding a third monitor: the cache made for
  // trust_ must not vouch for the note under it.
  LogTrust stricter = trust_;
  auto m3 = note::CosignatureSigner::Generate("monitor-three.example").value();
  stricter.monitors.push_back(m3.Verifier());
  stricter.min_cosignatures = 3;
  EXPECT_FALSE(cache_.IsFor(stricter));
  EXPECT_INVALID(VerifyLogProof(stricter, proof, {}, now(), &cache_), "policy needs 3");
}

}  // namespace
}  // namespace verifier
}  // namespace keytrail
