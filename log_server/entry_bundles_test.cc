#include "log_server/entry_bundles.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "log_server/records.h"
#include "testing/temp_database.h"

namespace keytrail {
namespace {

class EntryBundlesTest : public testing::Test {
 protected:
  void SetUp() override {
    db_ = test::OpenTempDatabase({"entries"});
    ASSERT_NE(db_, nullptr);
  }

  // Appends n entries in one epoch, resuming from what is stored.
  void Epoch(uint64_t n) {
    auto w = EntryBundleWriter::Resume(*db_, db_->cf(0), size_);
    ASSERT_TRUE(w.ok()) << w.status();
    for (uint64_t i = 0; i < n; ++i) w->Add(absl::StrCat("entry ", size_++));
    rocksdb::WriteBatch batch;
    w->Flush(&batch);
    ASSERT_TRUE(db_->Commit(&batch).ok());
  }

  std::unique_ptr<Database> db_;
  uint64_t size_ = 0;
};

TEST_F(EntryBundlesTest, ReadsAnyRangeAcrossBundlesAndEpochs) {
  for (uint64_t n : {1, 254, 1, 300, 256, 3}) Epoch(n);
  ASSERT_EQ(size_, 815u);
  for (auto [start, count] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0, 815}, {0, 1}, {255, 2}, {256, 256}, {511, 300}, {814, 1}}) {
    auto got = ReadEntries(*db_, db_->cf(0), nullptr, start, count);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ(got->size(), count);
    for (uint64_t i = 0; i < count; ++i) EXPECT_EQ((*got)[i], absl::StrCat("entry ", start + i));
  }
  EXPECT_EQ(ReadEntries(*db_, db_->cf(0), nullptr, 800, 16).status().code(),
            absl::StatusCode::kDataLoss);  // past the end
}

TEST_F(EntryBundlesTest, SnapshotsSeeTheOldPartialBundle) {
  Epoch(10);
  Snapshot snap = db_->GetSnapshot();
  Epoch(10);
  EXPECT_TRUE(ReadEntries(*db_, db_->cf(0), snap.get(), 0, 10).ok());
  EXPECT_FALSE(ReadEntries(*db_, db_->cf(0), snap.get(), 0, 11).ok());
  EXPECT_TRUE(ReadEntries(*db_, db_->cf(0), nullptr, 0, 20).ok());
}

TEST_F(EntryBundlesTest, DamageIsDataLoss) {
  Epoch(5);
  EXPECT_EQ(EntryBundleWriter::Resume(*db_, db_->cf(0), 6).status().code(),
            absl::StatusCode::kDataLoss);  // length mismatch
  EXPECT_EQ(EntryBundleWriter::Resume(*db_, db_->cf(0), 300).status().code(),
            absl::StatusCode::kDataLoss);  // missing bundle
  std::string good = EncodeEntryBundle({"a", "bc"});
  ASSERT_TRUE(DecodeEntryBundle(good).ok());
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_EQ(DecodeEntryBundle(good.substr(0, n)).status().code(), absl::StatusCode::kDataLoss);
  }
  constexpr auto kDataLoss = absl::StatusCode::kDataLoss;
  EXPECT_EQ(DecodeEntryBundle(good + "x").status().code(), kDataLoss);
  EXPECT_EQ(DecodeEntryBundle(std::string("\x01\x00\x00", 3)).status().code(),
            kDataLoss);  // empty bundle
  EXPECT_EQ(DecodeEntryBundle(std::string("\x01\x01\x01", 3)).status().code(),
            kDataLoss);  // 257 entries
  std::string wrong_format = good;
  wrong_format[0] = 2;
  EXPECT_EQ(DecodeEntryBundle(wrong_format).status().code(), kDataLoss);
  rocksdb::WriteBatch batch;
  batch.Put(db_->cf(0), ToSlice(U64Key(0)), "junk");
  ASSERT_TRUE(db_->Commit(&batch).ok());
  EXPECT_EQ(ReadEntries(*db_, db_->cf(0), nullptr, 0, 1).status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace keytrail
