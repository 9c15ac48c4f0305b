#include "core/storage/log_tiles.h"

#include <cstdlib>
#include <string>

#include "core/merkle/compact_range.h"
#include "core/merkle/hasher.h"
#include "core/merkle/proof_builder.h"
#include "core/merkle/verify.h"
#include "gtest/gtest.h"
#include "testing/temp_database.h"

namespace keytrail {
namespace {

class LogTilesTest : public testing::Test {
 protected:
  void SetUp() override {
    db_ = test::OpenTempDatabase({"log_tiles"});
    ASSERT_NE(db_, nullptr);
  }

  // Appends `n` leaves in one "epoch" and commits the tiles they touched.
  void AppendEpoch(uint64_t n) {
    auto writer = LogTileWriter::Resume(*db_, db_->cf(0), range_.size());
    ASSERT_TRUE(writer.ok()) << writer.status();
    for (uint64_t i = 0; i < n; ++i) {
      Hash leaf = merkle::HashLeaf("leaf " + std::to_string(range_.size()));
      range_.Append(leaf, [&](merkle::NodeId id, const Hash& h) { writer->Add(id, h); });
      roots_.push_back(range_.Root());
    }
    rocksdb::WriteBatch batch;
    writer->Flush(&batch);
    ASSERT_TRUE(db_->Commit(&batch).ok());
  }

  std::unique_ptr<Database> db_;
  merkle::CompactRange range_;
  std::vector<Hash> roots_;  // roots_[k] = root of size k + 1
};

TEST_F(LogTilesTest, ProofsFromTilesVerifyAcrossEpochsAndTileBoundaries) {
  // Epoch sizes that end inside, exactly at, and across 256-leaf tiles.
  for (uint64_t n : {1, 2, 253, 256, 1, 600, 65536 - 1119, 300}) AppendEpoch(n);
  const uint64_t size = range_.size();
  ASSERT_GT(size, 65536u);  // a level-1 tile is complete too
  LogTileReader reader(*db_, db_->cf(0), nullptr);
  auto root = merkle::RootAt(size, reader);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(*root, range_.Root());
  for (uint64_t index : {uint64_t{0}, uint64_t{255}, uint64_t{256}, uint64_t{65535}, size - 1}) {
    for (uint64_t tree : {index + 1, size}) {
      auto proof = merkle::BuildInclusionProof(index, tree, reader);
      ASSERT_TRUE(proof.ok()) << proof.status();
      Hash leaf = merkle::HashLeaf("leaf " + std::to_string(index));
      EXPECT_TRUE(merkle::VerifyInclusion(index, tree, leaf, *proof, roots_[tree - 1]).ok())
          << index << " in " << tree;
    }
  }
  for (uint64_t first : {uint64_t{1}, uint64_t{256}, uint64_t{257}, uint64_t{40000}}) {
    auto proof = merkle::BuildConsistencyProof(first, size, reader);
    ASSERT_TRUE(proof.ok()) << proof.status();
    EXPECT_TRUE(
        merkle::VerifyConsistency(first, size, *proof, roots_[first - 1], roots_[size - 1]).ok());
  }
}

TEST_F(LogTilesTest, ResumeNeedsTheRightEdgeTiles) {
  AppendEpoch(300);
  // Resuming at a size whose right-edge tile is missing is DataLoss.
  EXPECT_EQ(LogTileWriter::Resume(*db_, db_->cf(0), 600).status().code(),
            absl::StatusCode::kDataLoss);
  // A tile whose width disagrees with the size.
  EXPECT_EQ(LogTileWriter::Resume(*db_, db_->cf(0), 301).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_TRUE(LogTileWriter::Resume(*db_, db_->cf(0), 300).ok());
}

TEST_F(LogTilesTest, DamagedTileIsDataLoss) {
  AppendEpoch(10);
  rocksdb::WriteBatch batch;
  batch.Put(db_->cf(0), ToSlice(LogTileKey(0, 0)),
            "\x01\x00\x0a"
            "short");
  ASSERT_TRUE(db_->Commit(&batch).ok());
  LogTileReader reader(*db_, db_->cf(0), nullptr);
  EXPECT_EQ(merkle::RootAt(10, reader).status().code(), absl::StatusCode::kDataLoss);
}

TEST(LogTileTest, EncodingIsStrict) {
  LogTile tile;
  for (uint64_t i = 0; i < 5; ++i) {
    Hash h;
    h.fill(static_cast<uint8_t>(i));
    tile.Append(0, i, h);
  }
  Hash p;
  p.fill(9);
  tile.Append(1, 0, p);
  tile.Append(1, 1, p);
  tile.Append(2, 0, p);
  std::string enc = tile.Encode();
  auto back = LogTile::Decode(enc);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->width(), 5u);
  EXPECT_EQ(*back->Get(2, 0), p);
  EXPECT_EQ(back->Get(2, 1), nullptr);
  constexpr auto kDataLoss = absl::StatusCode::kDataLoss;
  for (size_t n = 0; n < enc.size(); ++n) {
    EXPECT_EQ(LogTile::Decode(enc.substr(0, n)).status().code(), kDataLoss) << n;
  }
  EXPECT_EQ(LogTile::Decode(enc + "x").status().code(), kDataLoss);
  EXPECT_EQ(LogTile::Decode(std::string("\x01\x00\x00", 3)).status().code(),
            kDataLoss);  // width 0
  EXPECT_EQ(LogTile::Decode(std::string("\x01\x01\x01", 3)).status().code(),
            kDataLoss);  // width 257
  std::string wrong_format = enc;
  wrong_format[0] = 2;
  EXPECT_EQ(LogTile::Decode(wrong_format).status().code(), kDataLoss);
}

}  // namespace
}  // namespace keytrail
