#include "core/util/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

namespace keytrail {
namespace {

using ::absl::StatusCode;

class ReadFileTest : public testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    ASSERT_NE(tmp, nullptr);
    dir_ = std::string(tmp) + "/" + testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
  }
  std::string Write(const std::string& name, const std::string& contents) {
    const std::string path = dir_ + "/" + name;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::write(fd, contents.data(), contents.size()), static_cast<ssize_t>(contents.size()));
    ::close(fd);
    return path;
  }
  std::string dir_;
};

TEST_F(ReadFileTest, ReadsEveryByte) {
  const std::string contents("a\0b\nc\xff", 6);
  const std::string path = Write("f", contents);
  EXPECT_EQ(ReadFileToString(path, 100).value(), contents);
  EXPECT_EQ(ReadFileToString(path, 100, FileKind::kSecret).value(), contents);
  EXPECT_EQ(ReadFileToString(Write("empty", ""), 100).value(), "");
}

TEST_F(ReadFileTest, ReadsUpToTheCapAndRefusesOneByteMore) {
  const std::string big(70000, 'x');
  EXPECT_EQ(ReadFileToString(Write("at", big), big.size()).value(), big);
  for (FileKind kind : {FileKind::kPublic, FileKind::kSecret}) {
    absl::StatusOr<std::string> over = ReadFileToString(Write("over", big), big.size() - 1, kind);
    EXPECT_EQ(over.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(over.status().message().find("larger than 69999 bytes"), std::string::npos)
        << over.status();
  }
  EXPECT_EQ(ReadFileToString(Write("zero", "x"), 0).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ReadFileTest, MissingFileIsNotFoundAndNamesThePath) {
  const std::string path = dir_ + "/missing";
  absl::Status s = ReadFileToString(path, 100).status();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find(path), std::string::npos) << s;
}

TEST_F(ReadFileTest, PathThroughAFileIsFailedPrecondition) {
  const std::string file = Write("plain", "x");
  EXPECT_EQ(ReadFileToString(file + "/child", 100).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(ReadFileTest, NonRegularFilesAreInvalidArgument) {
  EXPECT_EQ(ReadFileToString(dir_, 100).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadFileToString("/dev/null", 100).status().code(), StatusCode::kInvalidArgument);
  const std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Opening a FIFO for reading blocks until a writer comes; give it one.
  const int writer = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK);
  ASSERT_GE(writer, 0);
  EXPECT_EQ(ReadFileToString(fifo, 100).status().code(), StatusCode::kInvalidArgument);
  ::close(writer);
}

TEST_F(ReadFileTest, UnreadableFileIsPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  const std::string path = Write("locked", "x");
  ASSERT_EQ(::chmod(path.c_str(), 0), 0);
  EXPECT_EQ(ReadFileToString(path, 100).status().code(), StatusCode::kPermissionDenied);
}

TEST_F(ReadFileTest, WriteFileDurablyReplacesTheFileWithTheModeAskedFor) {
  const std::string path = dir_ + "/state";
  ASSERT_TRUE(WriteFileDurably(path, "first", 0600).ok());
  ASSERT_TRUE(WriteFileDurably(path, std::string("sec\0nd", 6), 0600).ok());
  EXPECT_EQ(ReadFileToString(path, 100).value(), std::string("sec\0nd", 6));
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // No temporary file is left behind.
  EXPECT_EQ(ReadFileToString(path + ".tmp", 100).status().code(), StatusCode::kNotFound);
}

TEST_F(ReadFileTest, WriteFileDurablyOverALeftoverTemporaryFile) {
  const std::string path = dir_ + "/state";
  Write("state.tmp", "half-written by a crashed run, world-readable");
  ASSERT_EQ(::chmod((path + ".tmp").c_str(), 0644), 0);
  ASSERT_TRUE(WriteFileDurably(path, "new", 0600).ok());
  EXPECT_EQ(ReadFileToString(path, 100).value(), "new");
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(ReadFileTest, WriteFileDurablyFailureNamesThePathAndKeepsTheOldFile) {
  const absl::Status missing = WriteFileDurably(dir_ + "/no/such/dir/state", "x");
  EXPECT_EQ(missing.code(), StatusCode::kNotFound) << missing;
  EXPECT_NE(missing.message().find("no/such/dir/state.tmp"), std::string::npos) << missing;
  // Renaming over a directory fails after the temporary file was written:
  // the directory is untouched and the temporary file is gone.
  const std::string target = dir_ + "/a_directory";
  ASSERT_EQ(::mkdir(target.c_str(), 0700), 0);
  const absl::Status over_dir = WriteFileDurably(target, "x");
  EXPECT_FALSE(over_dir.ok());
  EXPECT_NE(over_dir.message().find("renaming"), std::string::npos) << over_dir;
  EXPECT_EQ(ReadFileToString(target + ".tmp", 100).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace keytrail
