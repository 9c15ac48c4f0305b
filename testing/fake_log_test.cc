// Checks the fake log with core's own verifiers, independently of the
// verifier library, so that the verifier tests start from answers known to
// be honest.
#include "testing/fake_log.h"

#include "core/map/proof.h"
#include "core/merkle/hash_list.h"
#include "core/merkle/verify.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "core/protocol/chain.h"
#include "core/protocol/commitment.h"
#include "core/protocol/entry.h"
#include "core/protocol/key_set.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace verifier {
namespace {

std::string OneDevice(const std::string& id) {
  KeySet ks;
  ks.devices.push_back(Device{id, "key of " + id});
  return EncodeKeySet(ks).value();
}

TEST(FakeLogTest, GenesisIsOneEpochEntryOverTheEmptyMap) {
  FakeLog log;
  EXPECT_EQ(log.size(), 1u);
  EXPECT_EQ(log.epoch(), 0u);
  EpochEntry e = DecodeEpochEntry(log.Entry(0)).value();
  EXPECT_EQ(e.epoch, 0u);
  EXPECT_EQ(e.timestamp_ms, FakeLog::kGenesisTimeMs);
  EXPECT_EQ(e.map_root, Hash{});
  EXPECT_EQ(e.update_count, 0u);
}

TEST(FakeLogTest, LookupAnswerVerifiesWithCorePieces) {
  FakeLog log;
  log.Update("alice", OneDevice("phone"));
  log.CloseEpoch(FakeLog::kGenesisTimeMs + 1000);
  log.Update("alice", OneDevice("laptop"));
  log.Update("bob", OneDevice("phone"));
  log.CloseEpoch(FakeLog::kGenesisTimeMs + 2000);
  ASSERT_EQ(log.size(), 1u + 2u + 3u);

  const TrustedCheckpoint old = log.CheckpointAt(3);
  v1::LookupResponse r = log.Lookup("alice", old.size);

  // Checkpoint: signed by the log key, states the tree's root.
  const note::Ed25519NoteVerifier key = log.signer().Verifier();
  const note::NoteVerifier* verifiers[] = {&key};
  auto opened = note::OpenNote(r.log().checkpoint(), verifiers);
  ASSERT_TRUE(opened.ok()) << opened.status();
  note::Checkpoint cp = note::ParseCheckpoint(opened->text).value();
  EXPECT_EQ(cp.size, log.size());
  EXPECT_EQ(cp.root, log.Checkpoint().root);

  // Consistency from the old checkpoint; the epoch entry is the last leaf.
  auto consistency = merkle::DecodeHashList(r.log().consistency_proof(), 65, "c").value();
  EXPECT_TRUE(merkle::VerifyConsistency(old.size, cp.size, consistency, old.root, cp.root).ok());
  auto inclusion = merkle::DecodeHashList(r.log().epoch_inclusion_proof(), 64, "i").value();
  EXPECT_TRUE(merkle::VerifyInclusion(cp.size - 1, cp.size,
                                      EntryLeafHash(r.log().epoch_entry()), inclusion, cp.root)
                  .ok());
  EpochEntry epoch = DecodeEpochEntry(r.log().epoch_entry()).value();
  EXPECT_EQ(epoch.epoch, 2u);
  EXPECT_EQ(epoch.update_count, 2u);

  // VRF, commitment, chain, map.
  Hash index = log.vrf().public_key().Verify("alice", r.vrf_proof()).value();
  ASSERT_TRUE(r.has_current());
  EXPECT_EQ(r.current().version(), 2u);
  EXPECT_EQ(r.current().epoch(), 2u);
  Hash commitment =
      Commit(r.current().opening(), "alice", 2, r.current().key_set()).value();
  Hash previous = log.Head("alice", 1);
  EXPECT_EQ(r.previous_head(), HashString(previous));
  Hash head = ChainHead(previous, 2, 2, commitment);
  map::MapProof proof = map::DecodeMapProof(r.map_proof()).value();
  EXPECT_TRUE(map::VerifyMapMembership(epoch.map_root, map::MapLeaf{index, 2, head}, proof).ok());

  // The update entry the answer points at commits to the same version.
  UpdateEntry update = DecodeUpdateEntry(log.Entry(r.current().log_index())).value();
  EXPECT_EQ(update.index, index);
  EXPECT_EQ(update.version, 2u);
  EXPECT_EQ(update.commitment, commitment);
}

TEST(FakeLogTest, AbsentAccountGetsNonMembership) {
  FakeLog log;
  log.Update("alice", OneDevice("phone"));
  log.CloseEpoch(FakeLog::kGenesisTimeMs + 1000);
  v1::LookupResponse r = log.Lookup("carol");
  EXPECT_FALSE(r.has_current());
  EXPECT_TRUE(r.previous_head().empty());
  Hash index = log.vrf().public_key().Verify("carol", r.vrf_proof()).value();
  EpochEntry epoch = DecodeEpochEntry(r.log().epoch_entry()).value();
  map::MapProof proof = map::DecodeMapProof(r.map_proof()).value();
  EXPECT_TRUE(map::VerifyMapNonMembership(epoch.map_root, index, proof).ok());
}

TEST(FakeLogTest, HistoryListsVersionsFromThePreviousHead) {
  FakeLog log;
  for (int i = 0; i < 3; ++i) {
    log.Update("alice", OneDevice("device" + std::to_string(i)));
    log.CloseEpoch(FakeLog::kGenesisTimeMs + 1000 * (i + 1));
  }
  v1::HistoryResponse r = log.History("alice", 2);
  ASSERT_EQ(r.versions_size(), 2);
  EXPECT_EQ(r.versions(0).version(), 2u);
  EXPECT_EQ(r.versions(1).version(), 3u);
  EXPECT_EQ(r.previous_head(), HashString(log.Head("alice", 1)));
  v1::HistoryResponse none = log.History("alice", 4);
  EXPECT_EQ(none.versions_size(), 0);
  EXPECT_EQ(none.previous_head(), HashString(log.Head("alice", 3)));
}

TEST(FakeLogTest, UpdateSignedSignsTheVersionItBecomes) {
  FakeLog log;
  const Ed25519PrivateKey key = Ed25519PrivateKey::Generate();
  EXPECT_EQ(log.NextVersion("bob"), 1u);
  log.UpdateSigned("bob", key, {"phone"});
  log.UpdateSigned("bob", key, {"phone", "laptop"});  // same epoch: version 2
  EXPECT_EQ(log.NextVersion("bob"), 3u);
  EXPECT_EQ(log.NextVersion("alice"), 1u);
  log.CloseEpoch(FakeLog::kGenesisTimeMs + 1000);
  log.UpdateSigned("bob", key, {"laptop"});
  log.CloseEpoch(FakeLog::kGenesisTimeMs + 2000);
  EXPECT_EQ(log.CurrentVersion("bob"), 3u);
  v1::HistoryResponse r = log.History("bob", 1);
  ASSERT_EQ(r.versions_size(), 3);
  for (const v1::AccountVersion& v : r.versions()) {
    KeySet ks = DecodeKeySet(v.key_set()).value();
    EXPECT_TRUE(VerifyKeySetSignature("bob", v.version(), ks).ok()) << v.version();
  }
}

TEST(FakeLogTest, CosignersSignTheCheckpoint) {
  FakeLog log;
  auto monitor = note::CosignatureSigner::Generate("monitor.example").value();
  log.AddCosigner(monitor);
  const note::CosignatureVerifier verifier = monitor.Verifier();
  const note::NoteVerifier* verifiers[] = {&verifier};
  auto opened = note::OpenNote(log.SignedCheckpoint(), verifiers);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->verified.size(), 1u);
  EXPECT_EQ(opened->unverified.size(), 1u);  // the log's own signature
}

}  // namespace
}  // namespace verifier
}  // namespace keytrail
