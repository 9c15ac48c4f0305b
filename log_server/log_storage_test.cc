#include "log_server/log_storage.h"

#include <atomic>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/map/hasher.h"
#include "core/merkle/compact_range.h"
#include "core/merkle/hasher.h"
#include "core/storage/database.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"

namespace keytrail {
namespace {

Hash Filled(uint8_t b) {
  Hash h;
  h.fill(b);
  return h;
}

VersionRecord Version(uint64_t epoch) {
  VersionRecord v;
  v.epoch = epoch;
  v.log_index = epoch * 10;
  v.previous_head = Filled(static_cast<uint8_t>(epoch));
  v.opening = std::string(32, 'o');
  v.key_set = "key set " + std::to_string(epoch);
  return v;
}

class LogStorageTest : public testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("TEST_TMPDIR");
    dir_ = std::string(base ? base : "/tmp") + "/" +
           testing::UnitTest::GetInstance()->current_test_info()->name();
    auto storage = LogStorage::Open(dir_, 1 << 20);
    ASSERT_TRUE(storage.ok()) << storage.status();
    storage_ = *std::move(storage);
  }

  std::string dir_;
  std::unique_ptr<LogStorage> storage_;
};

TEST_F(LogStorageTest, AnEpochBatchIsReadBackAfterCommit) {
  const LogReader latest = storage_->Reader(nullptr);
  EXPECT_FALSE(latest.GetConfig()->has_value());
  EXPECT_FALSE(latest.GetState()->has_value());

  EpochBatch batch(*storage_);
  batch.PutConfig(LogConfig{"example.org/log", "vkey", std::string(33, 'v')});
  batch.PutAccount("alice", AccountRecord{Filled(1), std::string(81, 'p')});
  batch.PutVersion(Filled(1), 1, Version(1));
  batch.PutVersion(Filled(1), 2, Version(2));
  batch.PutVersion(Filled(2), 1, Version(3));
  batch.PutEpoch(4, EpochRecord{9, "checkpoint"});
  LogState state;
  state.epoch = 4;
  state.tree_size = 9;
  state.frontier = {Filled(7)};
  batch.PutState(state);
  // Nothing is visible before the commit.
  EXPECT_FALSE(latest.GetAccount("alice")->has_value());
  ASSERT_TRUE(storage_->Commit(batch).ok());

  EXPECT_EQ(latest.GetConfig()->value().origin, "example.org/log");
  EXPECT_EQ(latest.GetState()->value().tree_size, 9u);
  EXPECT_EQ(latest.GetState()->value().frontier, state.frontier);
  EXPECT_EQ(latest.GetAccount("alice")->value().index, Filled(1));
  EXPECT_FALSE(latest.GetAccount("bob")->has_value());
  EXPECT_EQ(latest.GetAccountId(Filled(1))->value().account, "alice");  // the reverse record
  EXPECT_FALSE(latest.GetAccountId(Filled(2))->has_value());
  EXPECT_EQ(latest.GetVersion(Filled(1), 2)->value().key_set, "key set 2");
  EXPECT_FALSE(latest.GetVersion(Filled(1), 3)->has_value());
  EXPECT_EQ(latest.GetEpoch(4)->value().checkpoint, "checkpoint");
  EXPECT_FALSE(latest.GetEpoch(5)->has_value());

  // GetVersions returns one account's versions in order, never another's.
  auto versions = latest.GetVersions(Filled(1), 1, 2);
  ASSERT_TRUE(versions.ok()) << versions.status();
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].key_set, "key set 1");
  EXPECT_EQ((*versions)[1].key_set, "key set 2");
  EXPECT_EQ(latest.GetVersions(Filled(1), 2, 3).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(latest.GetVersions(Filled(2), 2, 2).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(latest.GetVersions(Filled(1), 2, 1)->empty());
}

TEST_F(LogStorageTest, ASnapshotReaderDoesNotSeeLaterEpochs) {
  Snapshot before = storage_->GetSnapshot();
  EpochBatch batch(*storage_);
  batch.PutAccount("alice", AccountRecord{Filled(1), "proof"});
  map::MapLeaf leaf{Filled(1), 1, Filled(3)};
  BatchMapWriter map_writer = batch.MapWriter();
  map_writer.PutLeaf(leaf);
  ASSERT_TRUE(storage_->Commit(batch).ok());

  const LogReader old_reader = storage_->Reader(before.get());
  EXPECT_FALSE(old_reader.GetAccount("alice")->has_value());
  EXPECT_FALSE(old_reader.MapReader().GetLeaf(leaf.index)->has_value());
  const LogReader new_reader = storage_->Reader(nullptr);
  EXPECT_TRUE(new_reader.GetAccount("alice")->has_value());
  auto got = new_reader.MapReader().GetLeaf(leaf.index);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->head, leaf.head);
}

TEST_F(LogStorageTest, EntriesAndLogTilesCarryOverBetweenEpochs) {
  merkle::CompactRange range;
  for (int epoch = 0; epoch < 2; ++epoch) {
    auto tiles = storage_->ResumeLogTiles(range.size());
    ASSERT_TRUE(tiles.ok()) << tiles.status();
    auto entries = storage_->ResumeEntryBundles(range.size());
    ASSERT_TRUE(entries.ok()) << entries.status();
    for (int i = 0; i < 300; ++i) {
      std::string entry = "entry " + std::to_string(range.size());
      range.Append(merkle::HashLeaf(entry),
                   [&](merkle::NodeId id, const Hash& h) { tiles->Add(id, h); });
      entries->Add(entry);
    }
    EpochBatch batch(*storage_);
    batch.PutLogTiles(*tiles);
    batch.PutEntryBundles(*entries);
    ASSERT_TRUE(storage_->Commit(batch).ok());
  }
  const LogReader latest = storage_->Reader(nullptr);
  auto entries = latest.GetEntries(299, 3);
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_EQ((*entries)[0], "entry 299");
  EXPECT_EQ((*entries)[2], "entry 301");
  EXPECT_EQ(latest.GetEntries(599, 2).status().code(), absl::StatusCode::kDataLoss);
  // The tiles hold the tree's root node: the last hash of the top rows.
  LogTileReader tiles = latest.LogTiles();
  auto nodes = tiles.GetNodes({merkle::NodeId{9, 0}});
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  auto first512 = merkle::CompactRange();
  for (int i = 0; i < 512; ++i) {
    first512.Append(merkle::HashLeaf("entry " + std::to_string(i)), nullptr);
  }
  EXPECT_EQ((*nodes)[0], first512.Root());
  // A writer resumed for a size the tiles do not have finds the damage.
  EXPECT_EQ(storage_->ResumeLogTiles(700).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(storage_->ResumeEntryBundles(700).status().code(), absl::StatusCode::kDataLoss);
}

// The start-up warm-up reads the three families a lookup reads, in the
// order it reads them, and stops at its budget or when told to.
TEST_F(LogStorageTest, WarmLookupCacheReadsAccountsLeavesAndVersionsWithinItsBudget) {
  EpochBatch batch(*storage_);
  batch.PutAccount("alice", AccountRecord{Filled(1), std::string(81, 'p')});
  batch.PutVersion(Filled(1), 1, Version(1));
  BatchMapWriter map_writer = batch.MapWriter();
  map_writer.PutLeaf(map::MapLeaf{Filled(1), 1, Filled(3)});
  ASSERT_TRUE(storage_->Commit(batch).ok());

  std::vector<std::string> families;
  std::vector<uint64_t> bytes;
  auto progress = [&](absl::string_view family, uint64_t read, uint64_t, uint64_t) {
    families.emplace_back(family);
    bytes.push_back(read);
  };
  std::atomic<bool> stop{false};
  auto all = storage_->WarmLookupCache(1 << 20, stop, progress);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(families, (std::vector<std::string>{"accounts", "map_leaves", "versions"}));
  ASSERT_EQ(bytes.size(), 3u);
  for (uint64_t b : bytes) EXPECT_GT(b, 0u);
  EXPECT_EQ(*all, bytes[0] + bytes[1] + bytes[2]);

  // A budget the accounts use up: the other families are not read.
  families.clear();
  bytes.clear();
  auto some = storage_->WarmLookupCache(1, stop, progress);
  ASSERT_TRUE(some.ok()) << some.status();
  EXPECT_EQ(families, std::vector<std::string>{"accounts"});
  EXPECT_EQ(*some, bytes[0]);

  // Stopped: nothing is read.
  families.clear();
  stop.store(true);
  auto none = storage_->WarmLookupCache(1 << 20, stop, progress);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(*none, 0u);
  EXPECT_TRUE(families.empty());
}

TEST_F(LogStorageTest, ASecondOpenOfTheSameDirectoryIsRefused) {
  EXPECT_EQ(LogStorage::Open(dir_, 1 << 20).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(LogStorageTest, AccountIdsAreBackfilledOnceForAnOlderDirectory) {
  // A data directory as a log server before account_ids left it: accounts
  // without their reverse records, and no marker. Written through the raw
  // database with the families of that time.
  storage_.reset();
  const std::string old_dir = dir_ + "-old";
  {
    DatabaseOptions options;
    options.column_families = {"meta",     "entries",    "log_tiles", "accounts",
                               "versions", "map_leaves", "map_tiles", "epochs"};
    auto db = Database::Open(old_dir, options);
    ASSERT_TRUE(db.ok()) << db.status();
    for (int i = 1; i <= 25001; ++i) {  // three batches
      Hash index = Filled(0);
      index[0] = static_cast<uint8_t>(i >> 16);
      index[1] = static_cast<uint8_t>(i >> 8);
      index[2] = static_cast<uint8_t>(i);
      const std::string account = "account-" + std::to_string(i);
      const std::string record = EncodeAccountRecord(AccountRecord{index, std::string(81, 'p')});
      ASSERT_TRUE((*db)->raw()->Put(rocksdb::WriteOptions(), (*db)->cf(3), account, record).ok());
    }
  }
  storage_ = LogStorage::Open(old_dir, 1 << 20).value();  // adds the new family
  Hash last = Filled(0);
  last[1] = static_cast<uint8_t>(25001 >> 8);
  last[2] = static_cast<uint8_t>(25001 & 0xff);
  EXPECT_FALSE(storage_->Reader(nullptr).GetAccountIdsComplete().value());
  EXPECT_FALSE(storage_->Reader(nullptr).GetAccountId(last)->has_value());
  auto written = storage_->BackfillAccountIds();
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(*written, 25001u);
  EXPECT_TRUE(storage_->Reader(nullptr).GetAccountIdsComplete().value());
  EXPECT_EQ(storage_->Reader(nullptr).GetAccountId(last)->value().account, "account-25001");
  // Once only.
  EXPECT_EQ(storage_->BackfillAccountIds().value(), 0u);
}

TEST_F(LogStorageTest, ANewLogHasAllAccountIdsFromItsGenesis) {
  EXPECT_FALSE(storage_->Reader(nullptr).GetAccountIdsComplete().value());
  EpochBatch batch(*storage_);
  batch.PutConfig(LogConfig{"example.org/log", "vkey", std::string(33, 'v')});
  ASSERT_TRUE(storage_->Commit(batch).ok());
  EXPECT_TRUE(storage_->Reader(nullptr).GetAccountIdsComplete().value());
  EXPECT_EQ(storage_->BackfillAccountIds().value(), 0u);
}

}  // namespace
}  // namespace keytrail
