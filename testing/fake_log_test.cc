// Checks the fake log with core's own verifiers, independently of the
// verifier library: first that its honest answers verify, then that each
// misbehaviour it offers really puts the bad thing in the log.
#include "testing/fake_log.h"

#include <map>

#include "core/map/memory_map.h"
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
namespace fakes {
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

  const note::Checkpoint old = log.CheckpointAt(3);
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
  EXPECT_TRUE(merkle::VerifyInclusion(cp.size - 1, cp.size, EntryLeafHash(r.log().epoch_entry()),
                                      inclusion, cp.root)
                  .ok());
  EpochEntry epoch = DecodeEpochEntry(r.log().epoch_entry()).value();
  EXPECT_EQ(epoch.epoch, 2u);
  EXPECT_EQ(epoch.update_count, 2u);

  // VRF, commitment, chain, map.
  Hash index = log.vrf().public_key().Verify("alice", r.vrf_proof()).value();
  ASSERT_TRUE(r.has_current());
  EXPECT_EQ(r.current().version(), 2u);
  EXPECT_EQ(r.current().epoch(), 2u);
  Hash commitment = CommitKeySet(r.current().opening(), "alice", 2, r.current().key_set()).value();
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

// ---- Misbehaviour: each test shows the bad thing really is in the log ----

// What a monitor does: replays the update entries, chaining each index's
// head, and returns the map root after leaf `end` - 1 (which must be an
// epoch boundary). It trusts the entries' versions and epochs as stated.
Hash ReplayedMapRoot(const FakeLog& log, uint64_t end) {
  map::MemoryMap map;
  std::map<Hash, Hash> heads;
  for (uint64_t i = 0; i < end; ++i) {
    auto update = DecodeUpdateEntry(log.Entry(i));
    if (!update.ok()) continue;  // an epoch entry
    auto it = heads.find(update->index);
    const Hash previous = it == heads.end() ? GenesisHead() : it->second;
    const Hash head = ChainHead(previous, update->version, update->epoch, update->commitment);
    heads[update->index] = head;
    map.Set(map::MapLeaf{update->index, update->version, head});
  }
  return map.Root();
}

// Opens a note signed by the log's key alone; fails the test otherwise.
note::Checkpoint OpenCheckpoint(const FakeLog& log, const std::string& signed_note) {
  const note::Ed25519NoteVerifier key = log.signer().Verifier();
  const note::NoteVerifier* verifiers[] = {&key};
  auto opened = note::OpenNote(signed_note, verifiers);
  EXPECT_TRUE(opened.ok()) << opened.status();
  if (!opened.ok()) return note::Checkpoint{};
  return note::ParseCheckpoint(opened->text).value();
}

// A log with alice at version 1 (epoch 1) and 2 (epoch 2): size 5.
FakeLog TwoEpochLog() {
  FakeLog log;
  log.Update("alice", OneDevice("phone"));
  log.CloseEpoch(FakeLog::kGenesisTimeMs + 1000);
  log.Update("alice", OneDevice("laptop"));
  log.CloseEpoch(FakeLog::kGenesisTimeMs + 2000);
  return log;
}

TEST(FakeLogMisbehaviourTest, HonestEpochMapRootMatchesTheReplay) {
  FakeLog log = TwoEpochLog();
  for (uint64_t e = 0; e <= log.epoch(); ++e) {
    const uint64_t at = log.EpochEntryIndex(e);
    EXPECT_EQ(DecodeEpochEntry(log.Entry(at)).value().map_root, ReplayedMapRoot(log, at + 1));
  }
}

TEST(FakeLogMisbehaviourTest, ForkedCopiesShareThePrefixAndSignDivergingTrees) {
  FakeLog log = TwoEpochLog();
  FakeLog fork = log.Fork();
  log.Update("alice", OneDevice("honest"));
  log.CloseEpoch(FakeLog::kGenesisTimeMs + 3000);
  fork.Update("alice", OneDevice("evil"));
  fork.CloseEpoch(FakeLog::kGenesisTimeMs + 3000);

  ASSERT_EQ(log.size(), fork.size());
  EXPECT_EQ(log.CheckpointAt(5).root, fork.CheckpointAt(5).root);
  const note::Checkpoint a = OpenCheckpoint(log, log.SignedCheckpoint());
  const note::Checkpoint b = OpenCheckpoint(log, fork.SignedCheckpoint());  // same key
  EXPECT_EQ(a.size, b.size);
  EXPECT_NE(a.root, b.root);
  // Each copy is consistent with the common prefix, not with the other.
  const note::Checkpoint prefix = log.CheckpointAt(5);
  for (const FakeLog* l : {&log, &fork}) {
    auto proof = merkle::DecodeHashList(l->ConsistencyProof(5, l->size()), 65, "c").value();
    EXPECT_TRUE(
        merkle::VerifyConsistency(5, l->size(), proof, prefix.root, l->Checkpoint().root).ok());
  }
  // The forked answer for alice is version 3 with a different key set.
  EXPECT_EQ(log.Lookup("alice").current().version(), 3u);
  EXPECT_EQ(fork.Lookup("alice").current().version(), 3u);
  EXPECT_NE(log.Lookup("alice").current().key_set(), fork.Lookup("alice").current().key_set());
}

TEST(FakeLogMisbehaviourTest, ServeAtRollsEveryAnswerBack) {
  FakeLog log = TwoEpochLog();
  const uint64_t old_size = log.EpochEntryIndex(1) + 1;  // 3
  log.ServeAt(old_size);
  EXPECT_EQ(log.served_size(), old_size);

  const note::Checkpoint cp = OpenCheckpoint(log, log.SignedCheckpoint());
  EXPECT_EQ(cp.size, old_size);
  EXPECT_EQ(cp.root, log.CheckpointAt(old_size).root);
  v1::LookupResponse r = log.Lookup("alice");
  EXPECT_EQ(r.log().checkpoint(), log.SignedCheckpoint());
  EpochEntry epoch = DecodeEpochEntry(r.log().epoch_entry()).value();
  EXPECT_EQ(epoch.epoch, 1u);
  ASSERT_TRUE(r.has_current());
  EXPECT_EQ(r.current().version(), 1u);
  EXPECT_EQ(log.CurrentVersion("alice"), 1u);
  // The map proof is against the old epoch's root.
  Hash commitment = CommitKeySet(r.current().opening(), "alice", 1, r.current().key_set()).value();
  Hash head = ChainHead(GenesisHead(), 1, 1, commitment);
  EXPECT_TRUE(map::VerifyMapMembership(epoch.map_root, map::MapLeaf{log.Index("alice"), 1, head},
                                       map::DecodeMapProof(r.map_proof()).value())
                  .ok());
  EXPECT_EQ(log.History("alice", 1).versions_size(), 1);

  log.ServeLatest();
  EXPECT_EQ(log.served_size(), log.size());
  EXPECT_EQ(log.Lookup("alice").current().version(), 2u);
}

TEST(FakeLogMisbehaviourTest, SkippedVersionIsWrittenAsCurrentPlusTwo) {
  FakeLog log;
  log.Update("alice", OneDevice("phone"));
  log.CloseEpoch(FakeLog::kGenesisTimeMs + 1000);
  UpdateOptions skip;
  skip.version = 3;
  log.Update("alice", OneDevice("laptop"), skip);
  log.CloseEpoch(FakeLog::kGenesisTimeMs + 2000);

  UpdateEntry entry = DecodeUpdateEntry(log.Entry(3)).value();
  EXPECT_EQ(entry.version, 3u);
  EXPECT_EQ(log.CurrentVersion("alice"), 3u);
  EXPECT_EQ(log.Map().Get(log.Index("alice"))->version, 3u);
  v1::LookupResponse r = log.Lookup("alice");
  EXPECT_EQ(r.current().version(), 3u);
  // The commitment and head are made with the skipped version, so the
  // answer hangs together; only the gap 1 -> 3 gives it away.
  EXPECT_EQ(CommitKeySet(r.current().opening(), "alice", 3, r.current().key_set()).value(),
            entry.commitment);
  EXPECT_EQ(r.previous_head(), HashString(log.Head("alice", 1)));
  v1::HistoryResponse h = log.History("alice", 1);
  ASSERT_EQ(h.versions_size(), 2);
  EXPECT_EQ(h.versions(0).version(), 1u);
  EXPECT_EQ(h.versions(1).version(), 3u);
  EXPECT_EQ(DecodeEpochEntry(log.Entry(4)).value().map_root, ReplayedMapRoot(log, 5));
}

TEST(FakeLogMisbehaviourTest, RepeatedVersionIsWrittenTwice) {
  FakeLog log;
  log.Update("alice", OneDevice("phone"));
  log.CloseEpoch(FakeLog::kGenesisTimeMs + 1000);
  UpdateOptions repeat;
  repeat.version = 1;
  log.Update("alice", OneDevice("laptop"), repeat);
  log.CloseEpoch(FakeLog::kGenesisTimeMs + 2000);

  EXPECT_EQ(DecodeUpdateEntry(log.Entry(1)).value().version, 1u);
  EXPECT_EQ(DecodeUpdateEntry(log.Entry(3)).value().version, 1u);
  EXPECT_EQ(log.CurrentVersion("alice"), 1u);
  v1::LookupResponse r = log.Lookup("alice");
  EXPECT_EQ(r.current().version(), 1u);
  EXPECT_EQ(r.current().log_index(), 3u);
  EXPECT_EQ(r.current().key_set(), OneDevice("laptop"));
  EXPECT_EQ(log.History("alice", 1).versions_size(), 2);
}

TEST(FakeLogMisbehaviourTest, UpdateEntryCanStateAnotherEpoch) {
  FakeLog log;
  UpdateOptions wrong_epoch;
  wrong_epoch.epoch = 7;
  log.Update("alice", OneDevice("phone"), wrong_epoch);
  EXPECT_EQ(log.CloseEpoch(FakeLog::kGenesisTimeMs + 1000), 1u);
  EXPECT_EQ(DecodeUpdateEntry(log.Entry(1)).value().epoch, 7u);
  EXPECT_EQ(DecodeEpochEntry(log.Entry(2)).value().epoch, 1u);
  EXPECT_EQ(log.Lookup("alice").current().epoch(), 7u);
}

TEST(FakeLogMisbehaviourTest, EpochEntryCanStateAWrongMapRoot) {
  FakeLog log;
  log.Update("alice", OneDevice("phone"));
  EpochOptions lie;
  lie.map_root = Hash{};
  lie.map_root->at(0) = 0x42;
  log.CloseEpoch(FakeLog::kGenesisTimeMs + 1000, lie);
  EpochEntry e = DecodeEpochEntry(log.Entry(2)).value();
  EXPECT_EQ(e.map_root, *lie.map_root);
  EXPECT_NE(e.map_root, ReplayedMapRoot(log, 3));
  EXPECT_EQ(log.Map().Root(), ReplayedMapRoot(log, 3));  // the real map is honest
  // And the checkpoint over it is validly signed.
  EXPECT_EQ(OpenCheckpoint(log, log.SignedCheckpoint()).size, 3u);
}

TEST(FakeLogMisbehaviourTest, EpochEntryCanStateAWrongUpdateCount) {
  FakeLog log;
  log.Update("alice", OneDevice("phone"));
  EpochOptions lie;
  lie.update_count = 5;
  log.CloseEpoch(FakeLog::kGenesisTimeMs + 1000, lie);
  EXPECT_EQ(log.size(), 3u);  // one update entry, one epoch entry
  EXPECT_EQ(DecodeEpochEntry(log.Entry(2)).value().update_count, 5u);
}

TEST(FakeLogMisbehaviourTest, EpochTimestampCanGoBack) {
  FakeLog log;
  log.CloseEpoch(FakeLog::kGenesisTimeMs + 5000);
  log.CloseEpoch(FakeLog::kGenesisTimeMs + 1000);
  EXPECT_LT(DecodeEpochEntry(log.Entry(2)).value().timestamp_ms,
            DecodeEpochEntry(log.Entry(1)).value().timestamp_ms);
  EXPECT_EQ(log.timestamp_ms(), FakeLog::kGenesisTimeMs + 1000);
}

TEST(FakeLogMisbehaviourTest, EpochNumberCanSkip) {
  FakeLog log;
  log.Update("alice", OneDevice("phone"));
  EpochOptions skip;
  skip.epoch = 2;
  EXPECT_EQ(log.CloseEpoch(FakeLog::kGenesisTimeMs + 1000, skip), 2u);
  EXPECT_EQ(log.epoch(), 1u);  // one epoch closed, whatever it says
  EXPECT_EQ(DecodeEpochEntry(log.Entry(2)).value().epoch, 2u);
  EXPECT_EQ(DecodeUpdateEntry(log.Entry(1)).value().epoch, 2u);
  EXPECT_EQ(log.Lookup("alice").current().epoch(), 2u);
}

TEST(FakeLogMisbehaviourTest, RawEntriesAreAppendedAsGiven) {
  FakeLog log;
  const std::string canonical = EncodeEntry(EpochEntry{1, FakeLog::kGenesisTimeMs, Hash{}, 0});
  const std::string trailing = canonical + std::string(1, '\0');
  log.AppendRawEntry(trailing);
  log.AppendRawEntry("garbage");
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log.Entry(1), trailing);
  EXPECT_FALSE(DecodeEntry(log.Entry(1)).ok());
  EXPECT_FALSE(DecodeEntry(log.Entry(2)).ok());

  // The served checkpoint ends on the garbage leaf, not on an epoch entry,
  // and proves it.
  const note::Checkpoint cp = OpenCheckpoint(log, log.SignedCheckpoint());
  EXPECT_EQ(cp.size, 3u);
  v1::LookupResponse r = log.Lookup("alice");
  EXPECT_EQ(r.log().epoch_entry(), "garbage");
  auto inclusion = merkle::DecodeHashList(r.log().epoch_inclusion_proof(), 64, "i").value();
  EXPECT_TRUE(merkle::VerifyInclusion(2, 3, EntryLeafHash("garbage"), inclusion, cp.root).ok());
  // A later epoch closes after them; the map is untouched by them.
  log.CloseEpoch(FakeLog::kGenesisTimeMs + 1000);
  EXPECT_EQ(log.EpochEntryIndex(1), 3u);
  EXPECT_EQ(log.Map().Root(), Hash{});
}

TEST(FakeLogMisbehaviourTest, SignsCheckpointsOfAnySizeAndForgedRoots) {
  FakeLog log = TwoEpochLog();
  const note::Checkpoint mid = OpenCheckpoint(log, log.SignedCheckpointAt(2));
  EXPECT_EQ(mid.size, 2u);  // ends on an update entry
  EXPECT_EQ(mid.root, log.CheckpointAt(2).root);

  note::Checkpoint forged = log.Checkpoint();
  forged.root.at(0) ^= 1;
  const note::Checkpoint opened = OpenCheckpoint(log, log.SignCheckpoint(forged));
  EXPECT_EQ(opened.size, log.size());
  EXPECT_EQ(opened.root, forged.root);
  EXPECT_NE(opened.root, log.Checkpoint().root);
}

TEST(FakeLogMisbehaviourTest, CosignersCosignRolledBackCheckpointsAtTheirEpochTime) {
  FakeLog log = TwoEpochLog();
  auto monitor = note::CosignatureSigner::Generate("monitor.example").value();
  log.AddCosigner(monitor);
  log.ServeAt(3);
  const note::CosignatureVerifier verifier = monitor.Verifier();
  const note::NoteVerifier* verifiers[] = {&verifier};
  auto opened = note::OpenNote(log.SignedCheckpoint(), verifiers);
  ASSERT_TRUE(opened.ok()) << opened.status();
  ASSERT_EQ(opened->verified.size(), 1u);
  // Cosigned at epoch 1's time, in seconds.
  EXPECT_EQ(note::CosignatureTimestamp(opened->verified[0].signature.signature).value(),
            (FakeLog::kGenesisTimeMs + 1000) / 1000);
}

}  // namespace
}  // namespace fakes
}  // namespace keytrail
