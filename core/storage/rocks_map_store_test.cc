#include "core/storage/rocks_map_store.h"

#include <algorithm>
#include <cstdlib>
#include <random>

#include "core/map/memory_map.h"
#include "core/map/proof.h"
#include "core/map/tiled_map.h"
#include "gtest/gtest.h"
#include "testing/temp_database.h"

namespace keytrail {
namespace {

Hash RandomHash(std::mt19937_64& rng) {
  Hash h;
  for (auto& b : h) b = static_cast<uint8_t>(rng());
  return h;
}

class RocksMapStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    db_ = test::OpenTempDatabase({"map_tiles", "map_leaves"});
    ASSERT_NE(db_, nullptr);
  }

  // Applies a batch to RocksDB and to the reference map.
  map::Summary Apply(std::vector<Hash> indexes) {
    std::sort(indexes.begin(), indexes.end());
    indexes.erase(std::unique(indexes.begin(), indexes.end()), indexes.end());
    std::vector<map::LeafChange> changes;
    for (const Hash& index : indexes) {
      auto old = reference_.Get(index);
      map::MapLeaf leaf{index, old ? old->version + 1 : 1, RandomHash(rng_)};
      changes.push_back({leaf, !old.has_value()});
      reference_.Set(leaf);
    }
    RocksMapReader reader(*db_, db_->cf(0), db_->cf(1), nullptr);
    rocksdb::WriteBatch batch;
    BatchMapWriter writer(&batch, db_->cf(0), db_->cf(1));
    auto root = map::TiledMap::Apply(reader, changes, writer);
    EXPECT_TRUE(root.ok()) << root.status();
    EXPECT_TRUE(db_->Commit(&batch).ok());
    return root.ok() ? *root : map::Summary{};
  }

  std::mt19937_64 rng_{7};
  std::unique_ptr<Database> db_;
  map::MemoryMap reference_;
};

TEST_F(RocksMapStoreTest, TiledMapOnRocksDbMatchesTheReference) {
  std::vector<Hash> all;
  for (int batch : {1, 40, 300, 2000}) {
    std::vector<Hash> indexes;
    for (int i = 0; i < batch; ++i) indexes.push_back(RandomHash(rng_));
    all.insert(all.end(), indexes.begin(), indexes.end());
    for (int i = 0; i < batch / 4; ++i) indexes.push_back(all[rng_() % all.size()]);
    map::Summary root = Apply(indexes);
    EXPECT_EQ(root.hash, reference_.Root());
    EXPECT_EQ(root.count, reference_.size());
  }
  RocksMapReader reader(*db_, db_->cf(0), db_->cf(1), nullptr);
  for (int i = 0; i < 200; ++i) {
    Hash index = (i % 2 == 0) ? all[rng_() % all.size()] : RandomHash(rng_);
    auto proof = map::TiledMap::Prove(reader, index);
    ASSERT_TRUE(proof.ok()) << proof.status();
    EXPECT_EQ(map::EncodeMapProof(*proof), map::EncodeMapProof(reference_.Prove(index)));
  }
}

// One reader scans many subtrees in a row: forward to the next subtree,
// forward far (past the steps it takes before seeking), backward, the same
// one twice, empty ones, the whole map, and on after the last leaf. Each
// must give exactly the leaves under its prefix.
TEST_F(RocksMapStoreTest, ScansInAnyOrderGiveTheSubtreesLeaves) {
  std::vector<Hash> all;
  for (int i = 0; i < 3000; ++i) all.push_back(RandomHash(rng_));
  Apply(all);
  std::sort(all.begin(), all.end());
  std::vector<map::MapLeaf> sorted;
  for (const Hash& index : all) sorted.push_back(*reference_.Get(index));
  auto want = [&](const Hash& prefix, int depth) {
    std::vector<map::MapLeaf> out;
    for (const map::MapLeaf& l : sorted) {
      if (map::CommonPrefixBits(l.index, prefix) >= depth) out.push_back(l);
    }
    return out;
  };
  std::vector<std::pair<Hash, int>> scans;
  for (int p = 0; p < 256; ++p) scans.push_back({Hash{static_cast<uint8_t>(p)}, 8});      // forward
  for (int p = 0; p < 256; p += 37) scans.push_back({Hash{static_cast<uint8_t>(p)}, 8});  // far
  for (int p = 255; p >= 0; p -= 5) scans.push_back({Hash{static_cast<uint8_t>(p)}, 8});  // back
  scans.push_back({Hash{0x42}, 8});
  scans.push_back({Hash{0x42}, 8});  // the same twice
  scans.push_back({Hash{}, 0});      // everything, then past the last leaf
  scans.push_back({Hash{0xff, 0xff}, 16});
  scans.push_back({Hash{0x10}, 8});
  for (int i = 0; i < 300; ++i) {  // deep ones, mostly empty or single
    const Hash& near = all[rng_() % all.size()];
    scans.push_back({near, 4 + static_cast<int>(rng_() % 24)});
  }
  RocksMapReader reader(*db_, db_->cf(0), db_->cf(1), nullptr);
  for (const auto& [prefix, depth] : scans) {
    std::vector<map::MapLeaf> got;
    ASSERT_TRUE(reader.ScanLeaves(prefix, depth, &got).ok());
    std::vector<map::MapLeaf> expected = want(prefix, depth);
    ASSERT_EQ(got.size(), expected.size()) << "depth " << depth;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(map::EncodeMapLeaf(got[i]), map::EncodeMapLeaf(expected[i]));
    }
  }
}

TEST_F(RocksMapStoreTest, SnapshotReadersSeeTheOldRoot) {
  std::vector<Hash> first;
  for (int i = 0; i < 100; ++i) first.push_back(RandomHash(rng_));
  map::Summary old_root = Apply(first);
  Snapshot snap = db_->GetSnapshot();
  Hash fresh = RandomHash(rng_);
  map::Summary new_root = Apply({fresh});
  ASSERT_NE(old_root.hash, new_root.hash);

  RocksMapReader old_reader(*db_, db_->cf(0), db_->cf(1), snap.get());
  auto root = map::TiledMap::RootSummary(old_reader);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->hash, old_root.hash);
  auto proof = map::TiledMap::Prove(old_reader, fresh);
  ASSERT_TRUE(proof.ok());
  EXPECT_TRUE(map::VerifyMapNonMembership(old_root.hash, fresh, *proof).ok());
}

// An iterator handed from reader to reader (as lookups of one epoch share
// them) gives every reader the proofs and scans a fresh one would, wherever
// the previous reader left it.
TEST_F(RocksMapStoreTest, AnAdoptedIteratorReadsAsAFreshOne) {
  std::vector<Hash> all;
  for (int i = 0; i < 1500; ++i) all.push_back(RandomHash(rng_));
  Apply(all);
  Snapshot snapshot = db_->GetSnapshot();
  Apply({RandomHash(rng_), all[3]});  // after the snapshot: not seen
  std::unique_ptr<rocksdb::Iterator> shared;
  for (int i = 0; i < 60; ++i) {
    Hash index = (i % 2 == 0) ? all[rng_() % all.size()] : RandomHash(rng_);
    RocksMapReader fresh(*db_, db_->cf(0), db_->cf(1), snapshot.get());
    RocksMapReader reused(*db_, db_->cf(0), db_->cf(1), snapshot.get());
    reused.AdoptIterator(std::move(shared));
    auto want = map::TiledMap::Prove(fresh, index);
    auto got = map::TiledMap::Prove(reused, index);
    ASSERT_TRUE(want.ok() && got.ok());
    EXPECT_EQ(map::EncodeMapProof(*got), map::EncodeMapProof(*want));
    // A scan that starts before where the last one ended.
    std::vector<map::MapLeaf> a, b;
    ASSERT_TRUE(fresh.ScanLeaves(Hash{}, 8, &a).ok());
    ASSERT_TRUE(reused.ScanLeaves(Hash{}, 8, &b).ok());
    ASSERT_EQ(a.size(), b.size());
    for (size_t k = 0; k < a.size(); ++k) EXPECT_EQ(a[k].head, b[k].head);
    shared = reused.ReleaseIterator();
    ASSERT_NE(shared, nullptr);
  }
  RocksMapReader unused(*db_, db_->cf(0), db_->cf(1), snapshot.get());
  EXPECT_EQ(unused.ReleaseIterator(), nullptr);  // none made
}

TEST_F(RocksMapStoreTest, CorruptLeafIsDataLoss) {
  Hash index = RandomHash(rng_);
  Apply({index});
  rocksdb::WriteBatch batch;
  batch.Put(db_->cf(1), ToSlice(HashView(index)), "garbage");
  ASSERT_TRUE(db_->Commit(&batch).ok());
  RocksMapReader reader(*db_, db_->cf(0), db_->cf(1), nullptr);
  EXPECT_EQ(reader.GetLeaf(index).status().code(), absl::StatusCode::kDataLoss);
  std::vector<map::MapLeaf> out;
  EXPECT_EQ(reader.ScanLeaves(index, 8, &out).code(), absl::StatusCode::kDataLoss);
}

// A well-formed leaf stored under another index is damage too: scans and
// proofs trust the key to be the leaf's index.
TEST_F(RocksMapStoreTest, LeafUnderAnotherIndexIsDataLoss) {
  Hash index = RandomHash(rng_);
  Hash other = RandomHash(rng_);
  rocksdb::WriteBatch batch;
  batch.Put(db_->cf(1), ToSlice(HashView(index)),
            map::EncodeMapLeaf(map::MapLeaf{other, 1, Hash{}}));
  ASSERT_TRUE(db_->Commit(&batch).ok());
  RocksMapReader reader(*db_, db_->cf(0), db_->cf(1), nullptr);
  EXPECT_EQ(reader.GetLeaf(index).status().code(), absl::StatusCode::kDataLoss);
  std::vector<map::MapLeaf> out;
  EXPECT_EQ(reader.ScanLeaves(index, 8, &out).code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace keytrail
