#include "core/tiles/directory_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "core/util/file.h"
#include "gtest/gtest.h"
#include "testing/small_disk.h"

namespace keytrail {
namespace tiles {
namespace {

std::string TempRoot(const std::string& name) {
  std::string dir = absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name);
  return dir;
}

TEST(DirectoryTileStoreTest, PutsAndGetsAtTheTlogTilesPaths) {
  const std::string root = TempRoot("put_get");
  auto store = DirectoryTileStore::Open(root + "/tiles/");
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Put("tile/0/x001/234", "abc", ObjectKind::kImmutable).ok());
  ASSERT_TRUE((*store)->Put("tile/entries/000.p/7", "e7", ObjectKind::kMutable).ok());
  ASSERT_TRUE((*store)->Put("checkpoint", "c1", ObjectKind::kMutable).ok());
  EXPECT_EQ(*(*store)->Get("tile/0/x001/234"), "abc");
  EXPECT_EQ(*(*store)->Get("checkpoint"), "c1");
  // Laid out on disk exactly as the path reads, for any web server.
  EXPECT_EQ(*ReadFileToString(root + "/tiles/tile/0/x001/234", 100), "abc");
  EXPECT_EQ(*ReadFileToString(root + "/tiles/tile/entries/000.p/7", 100), "e7");
  struct stat st;
  ASSERT_EQ(::stat((root + "/tiles/tile/0/x001/234").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  ASSERT_EQ(::stat((root + "/tiles/tile/0/x001").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  // Mutable objects are replaced.
  ASSERT_TRUE((*store)->Put("checkpoint", "c2", ObjectKind::kMutable).ok());
  EXPECT_EQ(*(*store)->Get("checkpoint"), "c2");
  // No temporary file is left behind.
  EXPECT_EQ(::rmdir((root + "/tiles/.tmp").c_str()), 0);
}

TEST(DirectoryTileStoreTest, ImmutableObjectsAreCreateOnly) {
  auto store = DirectoryTileStore::Open(TempRoot("create_only"));
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Put("tile/1/000", "same", ObjectKind::kImmutable).ok());
  // A retry with the same bytes (after a crash) is success...
  EXPECT_TRUE((*store)->Put("tile/1/000", "same", ObjectKind::kImmutable).ok());
  // ...other bytes are refused and the object is untouched.
  absl::Status other = (*store)->Put("tile/1/000", "different", ObjectKind::kImmutable);
  EXPECT_EQ(other.code(), absl::StatusCode::kFailedPrecondition) << other;
  EXPECT_FALSE(IsRetryable(other));
  EXPECT_EQ(*(*store)->Get("tile/1/000"), "same");
}

TEST(DirectoryTileStoreTest, GetSaysNotFoundAndRefusesNonTilePaths) {
  auto store = DirectoryTileStore::Open(TempRoot("not_found"));
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->Get("tile/0/000").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ((*store)->Get("checkpoint").status().code(), absl::StatusCode::kNotFound);
  for (const char* bad :
       {"../etc/passwd", "tile/0/../../x", ".tmp/1", "tile/0/000/", "/checkpoint", "tile/0/0"}) {
    EXPECT_EQ((*store)->Get(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ((*store)->Put(bad, "x", ObjectKind::kMutable).code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(DirectoryTileStoreTest, OversizedFileIsDataLoss) {
  const std::string root = TempRoot("oversized");
  auto store = DirectoryTileStore::Open(root);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Put("tile/0/000", "x", ObjectKind::kImmutable).ok());
  ASSERT_TRUE(WriteFileDurably(root + "/tile/0/001", std::string(kMaxObjectBytes + 1, 'a')).ok());
  EXPECT_EQ((*store)->Get("tile/0/001").status().code(), absl::StatusCode::kDataLoss);
}

TEST(DirectoryTileStoreTest, OpenRemovesStaleTemporaryFiles) {
  const std::string root = TempRoot("stale");
  ASSERT_TRUE(DirectoryTileStore::Open(root).ok());
  ASSERT_TRUE(WriteFileDurably(root + "/.tmp/123-4", "half a tile").ok());
  ASSERT_TRUE(DirectoryTileStore::Open(root).ok());
  EXPECT_EQ(::access((root + "/.tmp/123-4").c_str(), F_OK), -1);
}

TEST(DirectoryTileStoreTest, OpenReadOnlyNeverWrites) {
  // A writer's live directory, with a temporary file it is writing.
  const std::string root = TempRoot("read_only_reader");
  auto writer = DirectoryTileStore::Open(root);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Put("checkpoint", "c1", ObjectKind::kMutable).ok());
  ASSERT_TRUE(WriteFileDurably(root + "/.tmp/123-4", "half a tile").ok());

  auto reader = DirectoryTileStore::OpenReadOnly(root + "/");
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(::access((root + "/.tmp/123-4").c_str(), F_OK), 0);  // left alone
  EXPECT_EQ(*(*reader)->Get("checkpoint"), "c1");
  EXPECT_EQ((*reader)->Get("tile/0/000").status().code(), absl::StatusCode::kNotFound);
  // Puts are refused before anything touches the disk.
  absl::Status put = (*reader)->Put("tile/0/000", "x", ObjectKind::kImmutable);
  EXPECT_EQ(put.code(), absl::StatusCode::kFailedPrecondition) << put;
  EXPECT_FALSE(IsRetryable(put));
  EXPECT_EQ(::access((root + "/tile").c_str(), F_OK), -1);
  EXPECT_EQ((*reader)->Put("checkpoint", "c2", ObjectKind::kMutable).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*(*writer)->Get("checkpoint"), "c1");
  EXPECT_NE((*reader)->Describe().find("read-only"), std::string::npos);

  // A missing directory is not created; a file is not a directory.
  EXPECT_EQ(DirectoryTileStore::OpenReadOnly(root + "/missing").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(::access((root + "/missing").c_str(), F_OK), -1);
  EXPECT_EQ(DirectoryTileStore::OpenReadOnly(root + "/checkpoint").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DirectoryTileStore::OpenReadOnly("").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(DirectoryTileStoreTest, UnwritableDirectoryIsPermissionDeniedAndRetryable) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory modes";
  const std::string root = TempRoot("readonly");
  auto store = DirectoryTileStore::Open(root);
  ASSERT_TRUE(store.ok());
  ASSERT_EQ(::chmod((root + "/.tmp").c_str(), 0500), 0);
  absl::Status put = (*store)->Put("tile/0/000", "x", ObjectKind::kImmutable);
  EXPECT_EQ(put.code(), absl::StatusCode::kPermissionDenied) << put;
  EXPECT_TRUE(IsRetryable(put));
  ASSERT_EQ(::chmod((root + "/.tmp").c_str(), 0700), 0);
  EXPECT_TRUE((*store)->Put("tile/0/000", "x", ObjectKind::kImmutable).ok());
}

TEST(DirectoryTileStoreTest, FullDiskIsResourceExhaustedAndHealsWhenFreed) {
  auto disk = test::SmallDisk::Mount(TempRoot("small"), 1);
  if (!disk.ok()) GTEST_SKIP() << disk.status();
  auto store = DirectoryTileStore::Open((*disk)->path() + "/tiles");
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*disk)->Fill().ok());
  absl::Status put = (*store)->Put("tile/0/000", std::string(8192, 'h'), ObjectKind::kImmutable);
  EXPECT_EQ(put.code(), absl::StatusCode::kResourceExhausted) << put;
  EXPECT_TRUE(IsRetryable(put));
  EXPECT_EQ((*store)->Get("tile/0/000").status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE((*disk)->Free().ok());
  EXPECT_TRUE((*store)->Put("tile/0/000", std::string(8192, 'h'), ObjectKind::kImmutable).ok());
  EXPECT_EQ((*store)->Get("tile/0/000")->size(), 8192u);
}

TEST(DirectoryTileStoreTest, ConcurrentPutsOfDifferentPaths) {
  auto store = DirectoryTileStore::Open(TempRoot("concurrent"));
  ASSERT_TRUE(store.ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&store, t] {
      for (int i = 0; i < 20; ++i) {
        const std::string path = absl::StrCat("tile/", t, "/", 100 + i);
        EXPECT_TRUE((*store)->Put(path, path, ObjectKind::kImmutable).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) {
    for (int i = 0; i < 20; ++i) {
      const std::string path = absl::StrCat("tile/", t, "/", 100 + i);
      EXPECT_EQ(*(*store)->Get(path), path);
    }
  }
}

}  // namespace
}  // namespace tiles
}  // namespace keytrail
