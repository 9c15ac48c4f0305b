#include "log_server/epoch_builder.h"

#include <cstdlib>
#include <string>

#include "core/crypto/ecvrf.h"
#include "core/map/proof.h"
#include "core/map/tiled_map.h"
#include "core/merkle/hash_list.h"
#include "core/merkle/proof_builder.h"
#include "core/merkle/verify.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "core/protocol/chain.h"
#include "core/protocol/commitment.h"
#include "core/protocol/entry.h"
#include "core/protocol/key_set.h"
#include "core/storage/log_tiles.h"
#include "core/storage/rocks_map_store.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace {

std::string KeySetWithDevice(const std::string& device) {
  KeySet ks;
  ks.devices.push_back(Device{device, "key of " + device});
  return EncodeKeySet(ks).value();
}

class EpochBuilderTest : public testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("TEST_TMPDIR");
    dir_ = std::string(base ? base : "/tmp") + "/" +
           testing::UnitTest::GetInstance()->current_test_info()->name();
    signer_ = note::Ed25519NoteSigner::Generate("example.org/test-log").value();
    config_.origin = signer_->name();
    config_.note_verifier_key = signer_->VerifierKey();
    config_.vrf_public_key = vrf_.public_key().bytes();
    Open();
  }

  void Open() {
    builder_.reset();
    storage_.reset();
    auto storage = LogStorage::Open(dir_, 1 << 20);
    ASSERT_TRUE(storage.ok()) << storage.status();
    storage_ = *std::move(storage);
    auto builder =
        EpochBuilder::Open(storage_.get(), config_, *signer_, [this] { return now_ms_; });
    ASSERT_TRUE(builder.ok()) << builder.status();
    builder_ = *std::move(builder);
  }

  PreparedUpdate Update(const std::string& account, const std::string& device,
                        std::optional<uint64_t> expected = std::nullopt) {
    PreparedUpdate u;
    u.account = account;
    u.account_record.vrf_proof = vrf_.Prove(account);
    u.account_record.index = VrfProofToHash(u.account_record.vrf_proof).value();
    u.key_set = KeySetWithDevice(device);
    u.expected_version = expected;
    return u;
  }

  // Checks what a client would: the checkpoint signature, that its last leaf
  // is the epoch entry, and returns that entry.
  EpochEntry CheckPublished(const PublishedState& state) {
    note::Ed25519NoteVerifier verifier = signer_->Verifier();
    const note::NoteVerifier* verifiers[] = {&verifier};
    auto opened = note::OpenNote(state.checkpoint, verifiers);
    EXPECT_TRUE(opened.ok()) << opened.status();
    auto checkpoint = note::ParseCheckpoint(opened->text);
    EXPECT_TRUE(checkpoint.ok());
    EXPECT_EQ(checkpoint->size, state.log.tree_size);
    EXPECT_EQ(checkpoint->root, state.log_root);
    EXPECT_TRUE(merkle::VerifyInclusion(state.log.tree_size - 1, state.log.tree_size,
                                        EntryLeafHash(state.epoch_entry),
                                        state.epoch_inclusion_proof, checkpoint->root)
                    .ok());
    auto entry = DecodeEpochEntry(state.epoch_entry);
    EXPECT_TRUE(entry.ok()) << entry.status();
    EXPECT_EQ(entry->map_root, state.map_root);
    EXPECT_EQ(entry->epoch, state.log.epoch);
    return *entry;
  }

  VrfPrivateKey vrf_ = VrfPrivateKey::Generate();
  std::optional<note::Ed25519NoteSigner> signer_;
  LogConfig config_;
  std::string dir_;
  uint64_t now_ms_ = 1764300000000;
  std::unique_ptr<LogStorage> storage_;
  std::unique_ptr<EpochBuilder> builder_;
};

TEST_F(EpochBuilderTest, NewLogStartsWithGenesisEpoch) {
  auto state = builder_->published();
  ASSERT_NE(state, nullptr);
  EXPECT_EQ(state->log.epoch, 0u);
  EXPECT_EQ(state->log.tree_size, 1u);
  EpochEntry genesis = CheckPublished(*state);
  EXPECT_EQ(genesis.update_count, 0u);
  EXPECT_EQ(genesis.map_root, Hash{});
  EXPECT_EQ(genesis.timestamp_ms, now_ms_);
}

TEST_F(EpochBuilderTest, UpdatesGetConsecutiveVersionsAndProvableState) {
  std::vector<PreparedUpdate> batch = {Update("alice", "phone"), Update("bob", "laptop"),
                                       Update("alice", "tablet", 1), Update("bob", "watch", 7)};
  auto result = builder_->BuildEpoch(batch);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->outcomes.size(), 4u);
  ASSERT_TRUE(result->outcomes[0].ok());
  EXPECT_EQ(result->outcomes[0]->version, 1u);
  EXPECT_EQ(result->outcomes[0]->epoch, 1u);
  EXPECT_EQ(result->outcomes[0]->log_index, 1u);
  EXPECT_EQ(result->outcomes[1]->version, 1u);
  EXPECT_EQ(result->outcomes[2]->version, 2u);  // same epoch, next version
  EXPECT_EQ(result->outcomes[3].status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(result->outcomes[2]->tree_size, 5u);  // genesis + 3 updates + epoch entry

  const PublishedState& state = *result->published;
  EpochEntry epoch = CheckPublished(state);
  EXPECT_EQ(epoch.epoch, 1u);
  EXPECT_EQ(epoch.update_count, 3u);

  // alice's chain: v1 then v2, both in epoch 1; the map holds head_2.
  Hash index = batch[0].account_record.index;
  const LogReader reader = storage_->Reader(state.snapshot.get());
  auto v1 = reader.GetVersion(index, 1).value();
  auto v2 = reader.GetVersion(index, 2).value();
  ASSERT_TRUE(v1 && v2);
  EXPECT_EQ(v1->previous_head, GenesisHead());
  Hash c1 = CommitKeySet(v1->opening, "alice", 1, v1->key_set).value();
  Hash head1 = ChainHead(GenesisHead(), 1, 1, c1);
  EXPECT_EQ(v2->previous_head, head1);
  Hash c2 = CommitKeySet(v2->opening, "alice", 2, v2->key_set).value();
  Hash head2 = ChainHead(head1, 2, 1, c2);
  EXPECT_EQ(v2->key_set, KeySetWithDevice("tablet"));

  RocksMapReader map_reader = reader.MapReader();
  auto proof = map::TiledMap::Prove(map_reader, index);
  ASSERT_TRUE(proof.ok());
  EXPECT_TRUE(map::VerifyMapMembership(epoch.map_root, map::MapLeaf{index, 2, head2}, *proof).ok());

  // The log holds exactly: genesis, update(alice,1), update(bob,1),
  // update(alice,2), epoch 1.
  auto entries = reader.GetEntries(0, 5);
  ASSERT_TRUE(entries.ok());
  auto u3 = DecodeUpdateEntry((*entries)[3]);
  ASSERT_TRUE(u3.ok());
  EXPECT_EQ(u3->index, index);
  EXPECT_EQ(u3->version, 2u);
  EXPECT_EQ(u3->epoch, 1u);
  EXPECT_EQ(u3->commitment, c2);
}

TEST_F(EpochBuilderTest, ReopenResumesFromTheLastEpoch) {
  ASSERT_TRUE(builder_->BuildEpoch({Update("alice", "phone")}).ok());
  now_ms_ += 1000;
  ASSERT_TRUE(builder_->BuildEpoch({Update("carol", "phone")}).ok());
  // Copies only: a published state holds a snapshot of the database it came
  // from, which must be released before that database closes.
  uint64_t before_size;
  Hash before_root, before_map;
  std::string before_checkpoint;
  {
    auto before = builder_->published();
    before_size = before->log.tree_size;
    before_root = before->log_root;
    before_map = before->map_root;
    before_checkpoint = before->checkpoint;
  }
  Open();
  auto after = builder_->published();
  EXPECT_EQ(after->log.epoch, 2u);
  EXPECT_EQ(after->log.tree_size, before_size);
  EXPECT_EQ(after->log_root, before_root);
  EXPECT_EQ(after->map_root, before_map);
  EXPECT_EQ(after->checkpoint, before_checkpoint);
  // And it continues: alice's next version is 2.
  auto next = builder_->BuildEpoch({Update("alice", "laptop", 1)});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->outcomes[0]->version, 2u);
  EXPECT_EQ(next->outcomes[0]->epoch, 3u);
  // The new tree is consistent with the one before the reopen.
  LogTileReader tiles = storage_->Reader(next->published->snapshot.get()).LogTiles();
  auto consistency =
      merkle::BuildConsistencyProof(before_size, next->published->log.tree_size, tiles);
  ASSERT_TRUE(consistency.ok());
  EXPECT_TRUE(merkle::VerifyConsistency(before_size, next->published->log.tree_size, *consistency,
                                        before_root, next->published->log_root)
                  .ok());
}

TEST_F(EpochBuilderTest, TimestampsNeverGoBackAndEmptyEpochsAreFine) {
  now_ms_ += 5000;
  ASSERT_TRUE(builder_->BuildEpoch({}).ok());
  uint64_t first = DecodeEpochEntry(builder_->published()->epoch_entry)->timestamp_ms;
  now_ms_ -= 60000;  // the clock jumps back
  auto result = builder_->BuildEpoch({});
  ASSERT_TRUE(result.ok());
  EpochEntry e = CheckPublished(*result->published);
  EXPECT_EQ(e.epoch, 2u);
  EXPECT_EQ(e.update_count, 0u);
  EXPECT_EQ(e.timestamp_ms, first);
}

TEST_F(EpochBuilderTest, RefusesADirectoryOfAnotherLog) {
  builder_.reset();
  storage_.reset();
  auto storage = LogStorage::Open(dir_, 1 << 20);
  ASSERT_TRUE(storage.ok());
  auto clock = [] { return uint64_t{1}; };

  auto other_signer = note::Ed25519NoteSigner::Generate("example.org/other-log").value();
  LogConfig other = config_;
  other.origin = other_signer.name();
  other.note_verifier_key = other_signer.VerifierKey();
  auto b1 = EpochBuilder::Open(storage->get(), other, other_signer, clock);
  EXPECT_EQ(b1.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(b1.status().message().find("example.org/test-log"), absl::string_view::npos);

  auto same_name = note::Ed25519NoteSigner::Generate("example.org/test-log").value();
  other = config_;
  other.note_verifier_key = same_name.VerifierKey();
  EXPECT_EQ(EpochBuilder::Open(storage->get(), other, same_name, clock).status().code(),
            absl::StatusCode::kFailedPrecondition);

  other = config_;
  other.vrf_public_key = VrfPrivateKey::Generate().public_key().bytes();
  EXPECT_EQ(EpochBuilder::Open(storage->get(), other, *signer_, clock).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// A state record that decodes but whose frontier cannot be the tree it
// names (undecodable records are records_test's and log_storage_test's).
TEST_F(EpochBuilderTest, DamagedStateIsDataLoss) {
  builder_.reset();
  LogState state = storage_->Reader(nullptr).GetState()->value();
  state.frontier.clear();
  EpochBatch batch(*storage_);
  batch.PutState(state);
  ASSERT_TRUE(storage_->Commit(batch).ok());
  auto b = EpochBuilder::Open(storage_.get(), config_, *signer_, [] { return uint64_t{1}; });
  EXPECT_EQ(b.status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace keytrail

namespace keytrail {
namespace {

// A leaf read ahead (by the preparer) is used only while no later epoch has
// touched the account; a stale one must not roll the account's version back.
TEST_F(EpochBuilderTest, StaleLeafHintsAreNotUsed) {
  ASSERT_TRUE(builder_->BuildEpoch({Update("alice", "phone")}).ok());  // epoch 1: v1
  const uint64_t read_at = builder_->published()->log.epoch;
  PreparedUpdate hinted = Update("alice", "laptop");
  hinted.leaf = storage_->Reader(builder_->published()->snapshot.get())
                    .MapReader()
                    .GetLeaf(hinted.account_record.index)
                    .value();
  hinted.leaf_epoch = read_at;
  ASSERT_TRUE(hinted.leaf.has_value());
  EXPECT_EQ(hinted.leaf->version, 1u);

  // A current hint is used and right.
  auto r = builder_->BuildEpoch({hinted});  // epoch 2: v2
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcomes[0]->version, 2u);
  // The same hint is now stale (epoch 2 touched alice): storage decides.
  r = builder_->BuildEpoch({hinted});  // epoch 3: v3
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcomes[0]->version, 3u);
  // A hint from an epoch that touched other accounts only is still current.
  r = builder_->BuildEpoch({Update("bob", "phone")});  // epoch 4
  ASSERT_TRUE(r.ok());
  PreparedUpdate later = Update("alice", "tablet");
  later.leaf = storage_->Reader(nullptr).MapReader().GetLeaf(later.account_record.index).value();
  later.leaf_epoch = 3;
  r = builder_->BuildEpoch({later});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcomes[0]->version, 4u);
  // And the chain is intact: the map proves head_4 computed from storage.
  Hash index = later.account_record.index;
  auto records = storage_->Reader(r->published->snapshot.get()).GetVersions(index, 1, 4);
  ASSERT_TRUE(records.ok());
  Hash head = GenesisHead();
  for (uint64_t v = 1; v <= 4; ++v) {
    const VersionRecord& rec = (*records)[v - 1];
    EXPECT_EQ(rec.previous_head, head) << v;
    head =
        ChainHead(head, v, rec.epoch, CommitKeySet(rec.opening, "alice", v, rec.key_set).value());
  }
  RocksMapReader now = storage_->Reader(r->published->snapshot.get()).MapReader();
  auto proof = map::TiledMap::Prove(now, index);
  ASSERT_TRUE(proof.ok());
  EXPECT_TRUE(
      map::VerifyMapMembership(r->published->map_root, map::MapLeaf{index, 4, head}, *proof).ok());
}

}  // namespace
}  // namespace keytrail
