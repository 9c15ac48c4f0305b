#include "monitor/monitor_store.h"

#include <memory>
#include <string>
#include <vector>

#include "core/map/tiled_map.h"
#include "core/merkle/compact_range.h"
#include "core/protocol/entry.h"
#include "gtest/gtest.h"
#include "testing/process.h"

namespace keytrail::monitor {
namespace {

constexpr char kOrigin[] = "example.org/store-test";

class MonitorStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = keytrail::test::TempDir(testing::UnitTest::GetInstance()->current_test_info()->name());
    Reopen();
  }
  void Reopen() {
    store_.reset();
    auto store = MonitorStore::Open(dir_, kOrigin);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  std::string dir_;
  std::unique_ptr<MonitorStore> store_;
};

Hash Leaf(int i) {
  Hash h{};
  h[0] = static_cast<uint8_t>(i);
  return h;
}

// One AuditBatch carries log tiles, map records and the state; after a
// reopen all three read back, and the log tiles resume where they ended.
TEST_F(MonitorStoreTest, AuditBatchCommitsEverythingAndSurvivesReopen) {
  auto fresh = store_->GetState();
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->origin, kOrigin);
  EXPECT_EQ(fresh->size, 0u);

  auto tiles = store_->ResumeLogTiles(0);
  ASSERT_TRUE(tiles.ok()) << tiles.status();
  merkle::CompactRange range;
  for (int i = 0; i < 5; ++i) {
    range.Append(Leaf(i), [&](merkle::NodeId id, const Hash& h) { tiles->Add(id, h); });
  }
  AuditBatch batch(*store_);
  batch.PutLogTiles(*tiles);
  map::MapLeaf leaf{Leaf(9), 1, Leaf(10)};
  {
    auto reader = store_->MapReader();
    BatchMapWriter writer = batch.MapWriter();
    std::vector<map::LeafChange> changes = {{leaf, true}};
    ASSERT_TRUE(map::TiledMap::Apply(reader, changes, writer).ok());
  }
  AuditState state = *fresh;
  state.size = range.size();
  state.last_epoch = EpochEntry{0, 1700000000000, Leaf(11), 4};
  state.frontier = range.hashes();
  state.checkpoint = "a signed note";
  batch.PutState(state);
  ASSERT_TRUE(store_->Commit(batch).ok());

  Reopen();
  auto got = store_->GetState();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(EncodeAuditState(*got), EncodeAuditState(state));
  auto root = store_->RootAt(5);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(*root, range.Root());
  auto reader = store_->MapReader();
  auto stored = reader.GetLeaf(leaf.index);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ(map::EncodeMapLeaf(**stored), map::EncodeMapLeaf(leaf));
  auto summary = map::TiledMap::RootSummary(reader);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->count, 1u);
  EXPECT_TRUE(store_->ResumeLogTiles(5).ok());
  EXPECT_TRUE(store_->CompactAll().ok());
  EXPECT_EQ(EncodeAuditState(*store_->GetState()), EncodeAuditState(state));
}

TEST_F(MonitorStoreTest, AnUncommittedBatchLeavesNoTrace) {
  {
    AuditBatch batch(*store_);
    AuditState state = *store_->GetState();
    state.checkpoint = "never written";
    batch.PutState(state);
  }
  Reopen();
  EXPECT_EQ(store_->GetState()->checkpoint, "");
}

TEST_F(MonitorStoreTest, AnotherOriginsDatabaseIsRefused) {
  AuditBatch batch(*store_);
  batch.PutState(*store_->GetState());
  ASSERT_TRUE(store_->Commit(batch).ok());
  store_.reset();
  auto other = MonitorStore::Open(dir_, "example.org/other");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(MonitorStoreTest, EvidenceIsKeptInOrder) {
  EXPECT_EQ(*store_->AddEvidence("first"), 0u);
  EXPECT_EQ(*store_->AddEvidence("second"), 1u);
  Reopen();
  EXPECT_EQ(*store_->ListEvidence(), (std::vector<std::string>{"first", "second"}));
}

TEST(AuditStateTest, RoundTripsAndRejectsDamage) {
  AuditState s;
  s.origin = kOrigin;
  s.size = 3;
  s.last_epoch = EpochEntry{1, 1700000000000, Leaf(1), 1};
  s.frontier = {Leaf(2), Leaf(3)};  // popcount(3) == 2
  s.checkpoint = "note";
  const std::string bytes = EncodeAuditState(s);
  auto back = DecodeAuditState(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(EncodeAuditState(*back), bytes);

  EXPECT_EQ(DecodeAuditState(bytes + "x").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeAuditState(bytes.substr(0, bytes.size() - 1)).status().code(),
            absl::StatusCode::kDataLoss);
  std::string format = bytes;
  format[0] = 2;
  EXPECT_EQ(DecodeAuditState(format).status().code(), absl::StatusCode::kDataLoss);
  AuditState wrong_frontier = s;
  wrong_frontier.frontier.push_back(Leaf(4));
  EXPECT_EQ(DecodeAuditState(EncodeAuditState(wrong_frontier)).status().code(),
            absl::StatusCode::kDataLoss);
  AuditState no_checkpoint = s;
  no_checkpoint.checkpoint.clear();
  EXPECT_EQ(DecodeAuditState(EncodeAuditState(no_checkpoint)).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeAuditState("").status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace keytrail::monitor
