#include "core/storage/database.h"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "rocksdb/table_properties.h"
#include "testing/full_disk.h"

namespace keytrail {
namespace {

std::string TempDir(const std::string& name) {
  const char* base = std::getenv("TEST_TMPDIR");
  return std::string(base ? base : "/tmp") + "/" + name;
}

DatabaseOptions TwoFamilies() {
  DatabaseOptions o;
  o.column_families = {"alpha", "beta"};
  o.block_cache_bytes = 1 << 20;
  return o;
}

TEST(DatabaseTest, CommitThenReadAndReopen) {
  std::string path = TempDir("db_commit");
  {
    auto db = Database::Open(path, TwoFamilies());
    ASSERT_TRUE(db.ok()) << db.status();
    rocksdb::WriteBatch batch;
    batch.Put((*db)->cf(0), "k", "in alpha");
    batch.Put((*db)->cf(1), "k", "in beta");
    ASSERT_TRUE((*db)->Commit(&batch).ok());
    auto a = (*db)->Get((*db)->cf(0), "k", nullptr);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(**a, "in alpha");
    auto missing = (*db)->Get((*db)->cf(0), "nope", nullptr);
    ASSERT_TRUE(missing.ok());
    EXPECT_FALSE(missing->has_value());
  }
  auto db = Database::Open(path, TwoFamilies());
  ASSERT_TRUE(db.ok()) << db.status();
  auto b = (*db)->Get((*db)->cf(1), "k", nullptr);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(**b, "in beta");
}

uint64_t MemtableEntries(const Database& db, size_t i) {
  uint64_t entries = 0;
  EXPECT_TRUE(db.raw()->GetIntProperty(db.cf(i), rocksdb::DB::Properties::kNumEntriesActiveMemTable,
                                       &entries));
  return entries;
}

// Closing leaves committed data only in the write-ahead log (as a crash
// does); the next open replays it into memtables and flushes them in the
// background, so the open after that has nothing to replay.
TEST(DatabaseTest, WhatTheReplayLeftInMemtablesIsFlushedAfterOpening) {
  std::string path = TempDir("db_replay_flush");
  {
    auto db = Database::Open(path, TwoFamilies());
    ASSERT_TRUE(db.ok()) << db.status();
    for (int i = 0; i < 3; ++i) {
      rocksdb::WriteBatch batch;
      batch.Put((*db)->cf(0), absl::StrCat("k", i), "in alpha");
      batch.Put((*db)->cf(1), absl::StrCat("k", i), "in beta");
      ASSERT_TRUE((*db)->Commit(&batch).ok());
    }
    ASSERT_EQ(MemtableEntries(**db, 0), 3u);
  }
  {
    auto db = Database::Open(path, TwoFamilies());
    ASSERT_TRUE(db.ok()) << db.status();
    // The flush runs on a background thread: wait for it (no time bound is
    // asserted; a flush that never ends fails the test by its timeout).
    while (MemtableEntries(**db, 0) > 0 || MemtableEntries(**db, 1) > 0) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    EXPECT_EQ(**(*db)->Get((*db)->cf(0), "k2", nullptr), "in alpha");
    EXPECT_EQ(**(*db)->Get((*db)->cf(1), "k0", nullptr), "in beta");
  }
  auto db = Database::Open(path, TwoFamilies());
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(MemtableEntries(**db, 0), 0u) << "the reopen replayed data again";
  EXPECT_EQ(MemtableEntries(**db, 1), 0u);
  EXPECT_EQ(**(*db)->Get((*db)->cf(1), "k1", nullptr), "in beta");
}

TEST(DatabaseTest, SnapshotDoesNotSeeLaterCommits) {
  auto db = Database::Open(TempDir("db_snapshot"), TwoFamilies());
  ASSERT_TRUE(db.ok());
  rocksdb::WriteBatch first;
  first.Put((*db)->cf(0), "k", "v1");
  ASSERT_TRUE((*db)->Commit(&first).ok());
  Snapshot snap = (*db)->GetSnapshot();
  rocksdb::WriteBatch second;
  second.Put((*db)->cf(0), "k", "v2");
  second.Put((*db)->cf(0), "new", "x");
  ASSERT_TRUE((*db)->Commit(&second).ok());
  EXPECT_EQ(**(*db)->Get((*db)->cf(0), "k", snap.get()), "v1");
  EXPECT_FALSE((*db)->Get((*db)->cf(0), "new", snap.get())->has_value());
  EXPECT_EQ(**(*db)->Get((*db)->cf(0), "k", nullptr), "v2");
}

// Table files are written in blocks of DatabaseOptions::block_bytes, and a
// store written with one size reads back with another.
TEST(DatabaseTest, BlockBytesSetsTheDataBlockSize) {
  const std::string path = TempDir("db_block_bytes");
  auto data_blocks = [&](size_t block_bytes, int first_key) -> uint64_t {
    DatabaseOptions o = TwoFamilies();
    o.block_bytes = block_bytes;
    auto db = Database::Open(path, o);
    EXPECT_TRUE(db.ok()) << db.status();
    if (!db.ok()) return 0;
    rocksdb::WriteBatch batch;
    for (int i = first_key; i < first_key + 2000; ++i) {
      batch.Put((*db)->cf(0), absl::StrCat("key", 100000 + i), std::string(100, 'v'));
    }
    EXPECT_TRUE((*db)->Commit(&batch).ok());
    EXPECT_TRUE((*db)->raw()->Flush(rocksdb::FlushOptions(), (*db)->cf(0)).ok());
    // Every key written so far, the other size's too, reads back.
    for (int i = 0; i < first_key + 2000; i += 97) {
      auto v = (*db)->Get((*db)->cf(0), absl::StrCat("key", 100000 + i), nullptr);
      EXPECT_TRUE(v.ok() && v->has_value()) << i;
    }
    rocksdb::TablePropertiesCollection tables;
    EXPECT_TRUE((*db)->raw()->GetPropertiesOfAllTables((*db)->cf(0), &tables).ok());
    // The newest file: names are zero-padded, increasing file numbers.
    std::string newest;
    uint64_t blocks = 0;
    for (const auto& [name, props] : tables) {
      if (name > newest) {
        newest = name;
        blocks = props->num_data_blocks;
      }
    }
    return blocks;
  };
  // 2,000 records of ~110 bytes: ~220 KB of data.
  const uint64_t small = data_blocks(4 << 10, 0);
  const uint64_t big = data_blocks(16 << 10, 2000);
  EXPECT_GE(small, 40u);
  EXPECT_LE(big, 20u);
  EXPECT_GT(big, 0u);
}

// WarmCache reads a family's table files into the block cache (what a
// fresh process has not read is not there), within its byte budget, and
// not at all once told to stop.
TEST(DatabaseTest, WarmCacheFillsTheBlockCacheWithinItsBudget) {
  const std::string path = TempDir("db_warm_cache");
  {
    DatabaseOptions o = TwoFamilies();
    auto db = Database::Open(path, o);
    ASSERT_TRUE(db.ok()) << db.status();
    rocksdb::WriteBatch batch;
    // 2,000 records of 8 + 100 bytes in "alpha", one in "beta".
    for (int i = 0; i < 2000; ++i) {
      batch.Put((*db)->cf(0), absl::StrCat("key", 10000 + i), std::string(100, 'v'));
    }
    batch.Put((*db)->cf(1), "other", "x");
    ASSERT_TRUE((*db)->Commit(&batch).ok());
    ASSERT_TRUE((*db)->raw()->Flush(rocksdb::FlushOptions(), (*db)->cf(0)).ok());
  }
  DatabaseOptions o = TwoFamilies();
  o.block_cache_bytes = 8 << 20;
  auto db = Database::Open(path, o);
  ASSERT_TRUE(db.ok()) << db.status();
  const uint64_t cold = (*db)->BlockCacheUsage();
  std::atomic<bool> stop{true};
  auto none = (*db)->WarmCache((*db)->cf(0), 1 << 20, stop);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(*none, 0u);
  stop.store(false);
  auto some = (*db)->WarmCache((*db)->cf(0), 1000, stop);
  ASSERT_TRUE(some.ok()) << some.status();
  EXPECT_GE(*some, 1000u);  // the record that crossed the budget is counted
  EXPECT_LT(*some, 1000u + 108u);
  auto all = (*db)->WarmCache((*db)->cf(0), 1 << 20, stop);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(*all, 2000u * 108u);
  // ~216 KB of data blocks now in the cache, where there were none.
  EXPECT_GE((*db)->BlockCacheUsage(), cold + 200000u);
}

TEST(DatabaseTest, SecondOpenOfTheSameDirectoryIsRefused) {
  std::string path = TempDir("db_locked");
  auto first = Database::Open(path, TwoFamilies());
  ASSERT_TRUE(first.ok());
  auto second = Database::Open(path, TwoFamilies());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition) << second.status();
}

TEST(DatabaseTest, MissingDatabaseWithoutCreateIsAnError) {
  DatabaseOptions o = TwoFamilies();
  o.create_if_missing = false;
  auto db = Database::Open(TempDir("db_never_created"), o);
  EXPECT_FALSE(db.ok());
}

TEST(DatabaseTest, StatusMapping) {
  EXPECT_EQ(FromRocksStatus(rocksdb::Status::Corruption("x"), "w").code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(FromRocksStatus(rocksdb::Status::IOError("disk"), "w").code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(FromRocksStatus(rocksdb::Status::NotFound("x"), "w").code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(FromRocksStatus(rocksdb::Status::OK(), "w").ok());
  EXPECT_EQ(FromRocksStatus(rocksdb::Status::IOError("disk"), "writing").message(),
            "writing: IO error: disk");
}

// A write on a full disk fails as Unavailable "disk full" and leaves nothing
// behind; later writes fail while the disk stays full; once space returns
// the next commit resumes the database (RocksDB would refuse every write
// until DB::Resume) and what it writes survives a reopen.
void FullDiskThenResume(bool flush_first) {
  keytrail::test::FullDisk disk;
  std::string path = TempDir(flush_first ? "db_full_flushed" : "db_full");
  DatabaseOptions options = TwoFamilies();
  options.env = disk.env();
  {
    auto db = Database::Open(path, options);
    ASSERT_TRUE(db.ok()) << db.status();
    rocksdb::WriteBatch before;
    before.Put((*db)->cf(0), "before", "1");
    ASSERT_TRUE((*db)->Commit(&before).ok());
    if (flush_first) {
      // Empty memtables: Resume has nothing to flush.
      for (size_t i = 0; i < 2; ++i) {
        ASSERT_TRUE((*db)->raw()->Flush(rocksdb::FlushOptions(), (*db)->cf(i)).ok());
      }
      ASSERT_TRUE((*db)->raw()->Flush(rocksdb::FlushOptions()).ok());
    }
    disk.SetFull(true);
    rocksdb::WriteBatch lost;
    lost.Put((*db)->cf(0), "lost", "x");
    absl::Status failed = (*db)->Commit(&lost);
    EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
    EXPECT_TRUE(IsDiskFull(failed)) << failed;
    EXPECT_FALSE((*db)->Get((*db)->cf(0), "lost", nullptr)->has_value());
    // Reads go on.
    EXPECT_EQ(**(*db)->Get((*db)->cf(0), "before", nullptr), "1");
    // Still full: resuming fails and writes stay refused.
    EXPECT_EQ((*db)->Resume().code(),
              flush_first ? absl::StatusCode::kFailedPrecondition : absl::StatusCode::kUnavailable);
    rocksdb::WriteBatch refused;
    refused.Put((*db)->cf(0), "refused", "x");
    EXPECT_FALSE((*db)->Commit(&refused).ok());
    disk.SetFull(false);
    rocksdb::WriteBatch after;
    after.Put((*db)->cf(1), "after", "2");
    absl::Status committed = (*db)->Commit(&after);
    if (flush_first) {
      // RocksDB 7.x can't switch logs without a memtable to flush.
      EXPECT_EQ(committed.code(), absl::StatusCode::kFailedPrecondition) << committed;
      EXPECT_EQ((*db)->Resume().code(), absl::StatusCode::kFailedPrecondition);
    } else {
      // Space is back: the commit resumes the database by itself.
      ASSERT_TRUE(committed.ok()) << committed;
      EXPECT_TRUE((*db)->Resume().ok()) << "nothing to clear is OK";
    }
  }
  // After a restart (a reopen) everything committed is there.
  auto db = Database::Open(path, options);
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(**(*db)->Get((*db)->cf(0), "before", nullptr), "1");
  if (!flush_first) EXPECT_EQ(**(*db)->Get((*db)->cf(1), "after", nullptr), "2");
  EXPECT_FALSE((*db)->Get((*db)->cf(0), "lost", nullptr)->has_value());
  EXPECT_FALSE((*db)->Get((*db)->cf(0), "refused", nullptr)->has_value());
}

TEST(DatabaseTest, FullDiskFailsWritesThenCommitResumes) { FullDiskThenResume(false); }

TEST(DatabaseTest, FullDiskWithEmptyMemtablesNeedsRestart) { FullDiskThenResume(true); }

TEST(DatabaseTest, ProbeWriteFailsWhileFullAndResumesWritesAfter) {
  keytrail::test::FullDisk disk;
  DatabaseOptions options = TwoFamilies();
  options.env = disk.env();
  auto db = Database::Open(TempDir("db_probe"), options);
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_TRUE((*db)->ProbeWrite().ok());
  rocksdb::WriteBatch kept;
  kept.Put((*db)->cf(0), "kept", "1");
  ASSERT_TRUE((*db)->Commit(&kept).ok());
  disk.SetFull(true);
  rocksdb::WriteBatch lost;
  lost.Put((*db)->cf(0), "lost", "x");
  ASSERT_FALSE((*db)->Commit(&lost).ok());
  const uint64_t refused = disk.refused_writes();
  absl::Status probe = (*db)->ProbeWrite();
  EXPECT_TRUE(IsDiskFull(probe)) << probe;
  EXPECT_GT(disk.refused_writes(), refused) << "the probe did not try the disk";
  disk.SetFull(false);
  // The probe resumes writes: the next commit goes through on its own.
  ASSERT_TRUE((*db)->ProbeWrite().ok());
  rocksdb::WriteBatch after;
  after.Put((*db)->cf(1), "after", "2");
  ASSERT_TRUE((*db)->Commit(&after).ok());
  EXPECT_EQ(**(*db)->Get((*db)->cf(0), "kept", nullptr), "1");
  EXPECT_FALSE((*db)->Get((*db)->cf(0), "lost", nullptr)->has_value());
}

TEST(DatabaseTest, DiskFullIsUnavailableAndNamed) {
  absl::Status s = FromRocksStatus(rocksdb::Status::NoSpace("appending"), "committing");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(IsDiskFull(s)) << s;
  EXPECT_FALSE(IsDiskFull(FromRocksStatus(rocksdb::Status::IOError("eio"), "committing")));
  EXPECT_FALSE(IsDiskFull(absl::InternalError("disk full")));
}

}  // namespace
}  // namespace keytrail
