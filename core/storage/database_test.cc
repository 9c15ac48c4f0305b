#include "core/storage/database.h"

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

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

TEST(DatabaseTest, SecondOpenOfTheSameDirectoryIsRefused) {
  std::string path = TempDir("db_locked");
  auto first = Database::Open(path, TwoFamilies());
  ASSERT_TRUE(first.ok());
  auto second = Database::Open(path, TwoFamilies());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition)
      << second.status();
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

}  // namespace
}  // namespace keytrail
