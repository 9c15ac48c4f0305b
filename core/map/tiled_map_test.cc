#include "core/map/tiled_map.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/map/memory_map.h"
#include "core/map/proof.h"
#include "gtest/gtest.h"

namespace keytrail::map {
namespace {

// Storage in two std::maps; writes land in a pending batch until Commit(),
// like a RocksDB write batch on top of a snapshot.
class FakeStorage : public MapReader, public MapWriter {
 public:
  absl::StatusOr<std::optional<std::string>> GetTile(absl::string_view key) override {
    ++tile_reads;
    auto it = tiles_.find(std::string(key));
    if (it == tiles_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  absl::Status ScanLeaves(const Hash& prefix, int depth, std::vector<MapLeaf>* out) override {
    ++scans;
    for (const auto& [index, leaf] : leaves_) {
      if (CommonPrefixBits(index, prefix) >= depth) out->push_back(leaf);
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::optional<MapLeaf>> GetLeaf(const Hash& index) override {
    auto it = leaves_.find(index);
    if (it == leaves_.end()) return std::optional<MapLeaf>();
    return std::optional<MapLeaf>(it->second);
  }
  void PutTile(std::string key, std::string value) override {
    pending_tiles_[std::move(key)] = std::move(value);
  }
  void PutLeaf(const MapLeaf& leaf) override { pending_leaves_[leaf.index] = leaf; }

  void Commit() {
    for (auto& [k, v] : pending_tiles_) tiles_[k] = v;
    for (auto& [k, v] : pending_leaves_) leaves_[k] = v;
    pending_tiles_.clear();
    pending_leaves_.clear();
  }
  size_t tile_count() const { return tiles_.size(); }
  std::map<std::string, std::string>& tiles() { return tiles_; }

  std::atomic<int> tile_reads{0};
  std::atomic<int> scans{0};

 private:
  std::map<std::string, std::string> tiles_, pending_tiles_;
  std::map<Hash, MapLeaf> leaves_, pending_leaves_;
};

Hash RandomHash(std::mt19937_64& rng) {
  Hash h;
  for (auto& b : h) b = static_cast<uint8_t>(rng());
  return h;
}

class TiledMapTest : public testing::Test {
 protected:
  // Applies a batch of new values for `indexes` to both maps, on
  // 1 + extra_threads threads.
  void ApplyBatch(std::vector<Hash> indexes, uint64_t version_base, int extra_threads = 0) {
    std::sort(indexes.begin(), indexes.end());
    indexes.erase(std::unique(indexes.begin(), indexes.end()), indexes.end());
    std::vector<LeafChange> changes;
    for (const Hash& index : indexes) {
      auto old = reference_.Get(index);
      MapLeaf leaf{index, old ? old->version + 1 : version_base, RandomHash(rng_)};
      changes.push_back({leaf, !old.has_value()});
      reference_.Set(leaf);
    }
    std::vector<MapReader*> extra(extra_threads, &storage_);  // reads are thread-safe
    auto root = TiledMap::Apply(storage_, changes, storage_, extra);
    ASSERT_TRUE(root.ok()) << root.status();
    storage_.Commit();
    EXPECT_EQ(root->hash, reference_.Root());
    EXPECT_EQ(root->count, reference_.size());
    auto stored = TiledMap::RootSummary(storage_);
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(stored->hash, root->hash);
  }

  void CheckProof(const Hash& index) {
    auto proof = TiledMap::Prove(storage_, index);
    ASSERT_TRUE(proof.ok()) << proof.status();
    MapProof want = reference_.Prove(index);
    EXPECT_EQ(EncodeMapProof(*proof), EncodeMapProof(want));
    auto leaf = reference_.Get(index);
    Hash root = reference_.Root();
    if (leaf) {
      EXPECT_TRUE(VerifyMapMembership(root, *leaf, *proof).ok());
    } else {
      EXPECT_TRUE(VerifyMapNonMembership(root, index, *proof).ok());
    }
  }

  std::mt19937_64 rng_{42};
  FakeStorage storage_;
  MemoryMap reference_;
};

TEST_F(TiledMapTest, EmptyMap) {
  auto root = TiledMap::RootSummary(storage_);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->count, 0u);
  EXPECT_EQ(root->hash, Hash{});
  CheckProof(RandomHash(rng_));
  auto same = TiledMap::Apply(storage_, {}, storage_);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->count, 0u);
}

TEST_F(TiledMapTest, GrowsPastTheTileThresholdAndMatchesTheReference) {
  std::vector<Hash> all;
  // Batches of varied sizes: single leaves, then bursts that cross the tile
  // threshold at the root and below, then updates of existing leaves.
  for (int batch : {1, 1, 2, 5, 30, 3, 100, 7, 500, 1, 2000}) {
    std::vector<Hash> indexes;
    for (int i = 0; i < batch; ++i) {
      indexes.push_back(RandomHash(rng_));
      all.push_back(indexes.back());
    }
    // Some updates of leaves that already exist.
    for (int i = 0; i < batch / 3 && !all.empty(); ++i) {
      indexes.push_back(all[rng_() % all.size()]);
    }
    ApplyBatch(indexes, 1);
    for (int i = 0; i < 20; ++i) CheckProof(all[rng_() % all.size()]);
    for (int i = 0; i < 20; ++i) CheckProof(RandomHash(rng_));
  }
  EXPECT_GT(storage_.tile_count(), 17u);  // root record + several tiles
}

TEST_F(TiledMapTest, ParallelApplyMatchesTheReference) {
  std::vector<Hash> all;
  for (int batch : {50, 3000, 1, 2000}) {
    std::vector<Hash> indexes;
    for (int i = 0; i < batch; ++i) {
      indexes.push_back(RandomHash(rng_));
      all.push_back(indexes.back());
    }
    for (int i = 0; i < batch / 2; ++i) indexes.push_back(all[rng_() % all.size()]);
    ApplyBatch(indexes, 1, /*extra_threads=*/2);
  }
  for (int i = 0; i < 50; ++i) CheckProof(all[rng_() % all.size()]);
}

TEST_F(TiledMapTest, AdversarialLongCommonPrefixes) {
  // Indexes that share 250 bits: tiles deep in the tree, empty siblings.
  Hash base = RandomHash(rng_);
  std::vector<Hash> indexes;
  for (int i = 0; i < 64; ++i) {
    Hash h = base;
    h[31] = static_cast<uint8_t>((h[31] & 0xc0) | i);
    indexes.push_back(h);
  }
  ApplyBatch({indexes.begin(), indexes.begin() + 3}, 1);
  ApplyBatch({indexes.begin() + 3, indexes.end()}, 1);
  for (const Hash& h : indexes) CheckProof(h);
  Hash absent = base;
  absent[31] ^= 0x80;
  CheckProof(absent);
  absent = base;
  absent[0] ^= 0x01;
  CheckProof(absent);
}

TEST_F(TiledMapTest, RejectsUnsortedOrDuplicateChanges) {
  MapLeaf a{RandomHash(rng_), 1, {}}, b{RandomHash(rng_), 1, {}};
  if (b.index < a.index) std::swap(a, b);
  std::vector<LeafChange> unsorted = {{b, true}, {a, true}};
  EXPECT_EQ(TiledMap::Apply(storage_, unsorted, storage_).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::vector<LeafChange> dup = {{a, true}, {a, true}};
  EXPECT_EQ(TiledMap::Apply(storage_, dup, storage_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(TiledMapTest, RejectsWrongNewness) {
  MapLeaf a{RandomHash(rng_), 1, {}};
  std::vector<LeafChange> not_there = {{a, false}};
  EXPECT_EQ(TiledMap::Apply(storage_, not_there, storage_).status().code(),
            absl::StatusCode::kInvalidArgument);
  ApplyBatch({a.index}, 1);
  std::vector<LeafChange> already = {{a, true}};
  EXPECT_EQ(TiledMap::Apply(storage_, already, storage_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(TiledMapTest, DamagedTilesAreDataLoss) {
  std::vector<Hash> indexes;
  for (int i = 0; i < 200; ++i) indexes.push_back(RandomHash(rng_));
  ApplyBatch(indexes, 1);
  std::string root_tile_key = TiledMap::TileKey(Hash{}, 0);
  ASSERT_TRUE(storage_.tiles().count(root_tile_key));

  std::string saved = storage_.tiles()[root_tile_key];
  storage_.tiles()[root_tile_key] = saved.substr(0, saved.size() - 1);
  EXPECT_EQ(TiledMap::Prove(storage_, indexes[0]).status().code(), absl::StatusCode::kDataLoss);
  storage_.tiles()[root_tile_key] = saved + "x";
  EXPECT_EQ(TiledMap::Prove(storage_, indexes[0]).status().code(), absl::StatusCode::kDataLoss);
  // A count that doesn't add up to the root record's.
  std::string bumped = saved;
  bumped[3 + 7] ^= 0x01;  // low byte of the first child's count
  storage_.tiles()[root_tile_key] = bumped;
  EXPECT_EQ(TiledMap::Prove(storage_, indexes[0]).status().code(), absl::StatusCode::kDataLoss);
  storage_.tiles().erase(root_tile_key);
  EXPECT_EQ(TiledMap::Prove(storage_, indexes[0]).status().code(), absl::StatusCode::kDataLoss);
  storage_.tiles()[TiledMap::RootKey()] = "\x01";
  EXPECT_EQ(TiledMap::RootSummary(storage_).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(TiledMapTest, ProofReadsAFewRecords) {
  std::vector<Hash> indexes;
  for (int i = 0; i < 5000; ++i) indexes.push_back(RandomHash(rng_));
  ApplyBatch(indexes, 1);
  storage_.tile_reads = 0;
  storage_.scans = 0;
  ASSERT_TRUE(TiledMap::Prove(storage_, indexes[17]).ok());
  // 5000 leaves: tiles at depths 0, 4 (and sometimes 8), then one scan.
  EXPECT_LE(storage_.tile_reads, 4);
  EXPECT_LE(storage_.scans, 1);
}

// A MapTop holds the top strata in memory: proofs with it are the proofs
// without it, read no tile it holds, and hand back the leaf they scanned.
TEST_F(TiledMapTest, MapTopProvesAsStorageDoesWithoutReadingItsTiles) {
  std::vector<Hash> present;
  for (int i = 0; i < 1500; ++i) present.push_back(RandomHash(rng_));
  // 700 leaves sharing their first 8 bits: tiles down to depth 12 there.
  for (int i = 0; i < 700; ++i) {
    Hash h = RandomHash(rng_);
    h[0] = 0x5a;
    present.push_back(h);
  }
  ApplyBatch(present, 1);
  std::vector<Hash> absent;
  for (int i = 0; i < 100; ++i) {
    absent.push_back(RandomHash(rng_));
    Hash h = RandomHash(rng_);
    h[0] = 0x5a;
    absent.push_back(h);
  }
  for (int strata = 0; strata <= MapTop::kMaxStrata + 1; ++strata) {
    SCOPED_TRACE(strata);
    auto top = MapTop::Load(storage_, strata);
    ASSERT_TRUE(top.ok()) << top.status();
    EXPECT_EQ((*top)->strata(), std::min(strata, MapTop::kMaxStrata));
    EXPECT_EQ((*top)->root().hash, reference_.Root());
    // It holds exactly the stored tiles above depth 4 * strata.
    size_t want_tiles = 0;
    for (const auto& [key, value] : storage_.tiles()) {
      if (key != TiledMap::RootKey() && static_cast<uint8_t>(key[0]) < 4 * (*top)->strata()) {
        ++want_tiles;
      }
    }
    EXPECT_EQ((*top)->tiles(), want_tiles);
    EXPECT_GE((*top)->bytes(), want_tiles * sizeof(Summary) * 32);
    if (strata >= 4) {
      EXPECT_GT(want_tiles, 18u);  // the 0x5a region has tiles at 8 and 12
    }

    for (const auto* set : {&present, &absent}) {
      for (size_t i = 0; i < set->size(); i += (set == &present ? 7 : 1)) {
        const Hash& index = (*set)[i];
        auto plain = TiledMap::Prove(storage_, index);
        ASSERT_TRUE(plain.ok()) << plain.status();
        storage_.tile_reads = 0;
        std::optional<MapLeaf> leaf;
        auto fast = TiledMap::Prove(storage_, index, top->get(), &leaf);
        ASSERT_TRUE(fast.ok()) << fast.status();
        EXPECT_EQ(EncodeMapProof(*fast), EncodeMapProof(*plain));
        // Every tile this map has lies above depth 16.
        if (strata >= 4) {
          EXPECT_EQ(storage_.tile_reads, 0);
        }
        auto want = reference_.Get(index);
        if (leaf.has_value()) {
          ASSERT_TRUE(want.has_value());
          EXPECT_EQ(EncodeMapLeaf(*leaf), EncodeMapLeaf(*want));
        }
        if (!want.has_value()) {
          EXPECT_FALSE(leaf.has_value());
        }
      }
    }
  }
}

TEST_F(TiledMapTest, MapTopOfAnEmptyOrSmallMap) {
  auto empty = MapTop::Load(storage_, 4);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ((*empty)->root().count, 0u);
  EXPECT_EQ((*empty)->tiles(), 0u);
  Hash index = RandomHash(rng_);
  std::optional<MapLeaf> leaf;
  auto proof = TiledMap::Prove(storage_, index, empty->get(), &leaf);
  ASSERT_TRUE(proof.ok());
  EXPECT_EQ(proof->terminal, MapProof::Terminal::kEmpty);
  EXPECT_FALSE(leaf.has_value());

  ApplyBatch({index}, 1);
  auto one = MapTop::Load(storage_, 4);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ((*one)->tiles(), 0u);
  proof = TiledMap::Prove(storage_, index, one->get(), &leaf);
  ASSERT_TRUE(proof.ok());
  EXPECT_EQ(proof->terminal, MapProof::Terminal::kLeaf);
  EXPECT_EQ(EncodeMapProof(*proof), EncodeMapProof(reference_.Prove(index)));
}

TEST_F(TiledMapTest, MapTopOfDamagedTilesIsDataLoss) {
  std::vector<Hash> indexes;
  for (int i = 0; i < 800; ++i) indexes.push_back(RandomHash(rng_));
  ApplyBatch(indexes, 1);
  // A tile at depth 4 goes missing: loading a top that holds it fails,
  // one that stops above it does not.
  std::string key;
  for (const auto& [k, v] : storage_.tiles()) {
    if (k[0] == 4) key = k;
  }
  ASSERT_FALSE(key.empty());
  storage_.tiles().erase(key);
  EXPECT_EQ(MapTop::Load(storage_, 2).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(MapTop::Load(storage_, 1).ok());
}

// ApplyUpdates on one storage and Apply (with the same leaves, computed from
// the reference) on another must write the same records: batches that stay
// small, cross the tile threshold at several depths, and run on 2 threads.
TEST_F(TiledMapTest, ApplyUpdatesMatchesApplyAndSeesEachOldLeafOnce) {
  FakeStorage updated;
  std::vector<Hash> all;
  int batch_number = 0;
  for (int batch : {1, 3, 40, 2, 600, 5, 3000, 1, 2500}) {
    ++batch_number;
    std::vector<Hash> indexes;
    for (int i = 0; i < batch; ++i) {
      indexes.push_back(RandomHash(rng_));
      all.push_back(indexes.back());
    }
    for (int i = 0; i < batch / 2; ++i) indexes.push_back(all[rng_() % all.size()]);
    std::sort(indexes.begin(), indexes.end());
    indexes.erase(std::unique(indexes.begin(), indexes.end()), indexes.end());

    // The leaf each index gets: a head derived from the index and version.
    auto next_leaf = [](const Hash& index, const MapLeaf* old) {
      MapLeaf leaf{index, old != nullptr ? old->version + 1 : 1, index};
      leaf.head[0] ^= static_cast<uint8_t>(leaf.version);
      return leaf;
    };
    std::vector<LeafChange> changes;
    for (const Hash& index : indexes) {
      auto old = reference_.Get(index);
      MapLeaf leaf = next_leaf(index, old ? &*old : nullptr);
      changes.push_back({leaf, !old.has_value()});
      reference_.Set(leaf);
    }
    const int extra_threads = batch_number % 2;
    std::vector<MapReader*> extra(extra_threads, &storage_);
    auto want = TiledMap::Apply(storage_, changes, storage_, extra);
    ASSERT_TRUE(want.ok()) << want.status();
    storage_.Commit();

    std::vector<std::atomic<int>> calls(indexes.size());
    std::atomic<int> wrong_old{0};
    TiledMap::LeafUpdate update = [&](size_t i, const MapLeaf* old) {
      ++calls[i];
      // `old` is the leaf before this batch: changes[i] says if there was one.
      if ((old == nullptr) != changes[i].is_new ||
          (old != nullptr && old->version + 1 != changes[i].leaf.version)) {
        ++wrong_old;
      }
      return next_leaf(indexes[i], old);
    };
    std::vector<MapReader*> updated_extra(extra_threads, &updated);
    auto got = TiledMap::ApplyUpdates(updated, indexes, update, updated, updated_extra);
    ASSERT_TRUE(got.ok()) << got.status();
    updated.Commit();
    EXPECT_EQ(got->hash, want->hash);
    EXPECT_EQ(got->count, want->count);
    EXPECT_EQ(got->hash, reference_.Root());
    EXPECT_EQ(updated.tiles(), storage_.tiles());
    EXPECT_EQ(wrong_old, 0);
    for (size_t i = 0; i < indexes.size(); ++i) EXPECT_EQ(calls[i], 1) << "change " << i;
    for (const Hash& index : indexes) {
      auto leaf = updated.GetLeaf(index);
      ASSERT_TRUE(leaf.ok() && leaf->has_value());
      EXPECT_EQ(EncodeMapLeaf(**leaf), EncodeMapLeaf(*reference_.Get(index)));
    }
  }
}

TEST_F(TiledMapTest, ApplyUpdatesRejectsUnsortedIndexesAndAForeignLeaf) {
  Hash a = RandomHash(rng_), b = RandomHash(rng_);
  if (b < a) std::swap(a, b);
  TiledMap::LeafUpdate same = [&](size_t i, const MapLeaf*) {
    return MapLeaf{i == 0 ? a : b, 1, {}};
  };
  std::vector<Hash> unsorted = {b, a};
  EXPECT_EQ(TiledMap::ApplyUpdates(storage_, unsorted, same, storage_).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::vector<Hash> dup = {a, a};
  EXPECT_EQ(TiledMap::ApplyUpdates(storage_, dup, same, storage_).status().code(),
            absl::StatusCode::kInvalidArgument);
  TiledMap::LeafUpdate foreign = [&](size_t, const MapLeaf*) { return MapLeaf{b, 1, {}}; };
  std::vector<Hash> just_a = {a};
  EXPECT_EQ(TiledMap::ApplyUpdates(storage_, just_a, foreign, storage_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// A subtree that grows past the threshold gets its first tile from the
// leaves it held; its children reuse them instead of scanning again.
TEST_F(TiledMapTest, GrowingSubtreeIsScannedOnce) {
  std::vector<Hash> first;
  for (int i = 0; i < 20; ++i) first.push_back(RandomHash(rng_));
  ApplyBatch(first, 1);
  std::vector<Hash> more;
  for (int i = 0; i < 40; ++i) more.push_back(RandomHash(rng_));
  storage_.scans = 0;
  ApplyBatch(more, 1);  // 60 leaves: the root gets its first tile
  EXPECT_EQ(storage_.scans, 1);
}

}  // namespace
}  // namespace keytrail::map
