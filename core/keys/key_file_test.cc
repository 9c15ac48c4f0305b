#include "core/keys/key_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace keytrail {
namespace {

using ::absl::StatusCode;

constexpr char kSecret[] =
    "PRIVATE+KEY+example.org/log+a58e01ce+AQcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUm";

class KeyFileTest : public testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    ASSERT_NE(tmp, nullptr);
    dir_ = std::string(tmp) + "/" + testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
  }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  static unsigned Mode(const std::string& path) {
    struct stat st;
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
  }
  static std::string Slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static void Put(const std::string& path, const std::string& contents) {
    std::ofstream(path, std::ios::binary) << contents;
  }
  static bool Exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
  }
  // Errors name the path and never carry the key.
  static void ExpectSafeError(const absl::Status& st, const std::string& path) {
    EXPECT_NE(st.message().find(path), std::string::npos) << st;
    EXPECT_EQ(st.message().find("AQcICQoL"), std::string::npos) << st;
  }

  std::string dir_;
};

// Restores the process umask when it goes out of scope.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t m) : old_(::umask(m)) {}
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

TEST_F(KeyFileTest, PrivateFileIsMode0600WhateverTheUmask) {
  for (mode_t mask : {0000, 0022, 0077, 0277}) {
    ScopedUmask scoped(mask);
    const std::string path = Path("priv" + std::to_string(mask));
    ASSERT_TRUE(WritePrivateKeyFile(path, std::string(kSecret) + "\n").ok());
    EXPECT_EQ(Mode(path), 0600u) << "umask " << mask;
    EXPECT_EQ(Slurp(path), std::string(kSecret) + "\n");
    EXPECT_TRUE(CheckPrivateKeyFileMode(path).ok());
  }
}

TEST_F(KeyFileTest, PublicFileIsMode0644WhateverTheUmask) {
  for (mode_t mask : {0000, 0077}) {
    ScopedUmask scoped(mask);
    const std::string path = Path("pub" + std::to_string(mask));
    ASSERT_TRUE(WritePublicKeyFile(path, "name+01234567+AQ==\n").ok());
    EXPECT_EQ(Mode(path), 0644u) << "umask " << mask;
  }
}

TEST_F(KeyFileTest, RefusesToOverwrite) {
  const std::string path = Path("key");
  ASSERT_TRUE(WritePrivateKeyFile(path, "first\n").ok());
  absl::Status again = WritePrivateKeyFile(path, kSecret);
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  ExpectSafeError(again, path);
  EXPECT_EQ(WritePublicKeyFile(path, "x").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Slurp(path), "first\n");
}

TEST_F(KeyFileTest, DoesNotFollowSymlinks) {
  const std::string target = Path("target");
  const std::string link = Path("link");
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);  // dangling
  EXPECT_EQ(WritePrivateKeyFile(link, kSecret).code(), StatusCode::kAlreadyExists);
  EXPECT_FALSE(Exists(target));
}

TEST_F(KeyFileTest, WriteIntoMissingDirectory) {
  const std::string path = Path("no/such/dir/key");
  absl::Status st = WritePrivateKeyFile(path, kSecret);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  ExpectSafeError(st, path);
}

TEST_F(KeyFileTest, WriteRejectsContentsItCouldNotReadBack) {
  const std::vector<std::string> bad = {"",
                                        "\n",
                                        "two\nlines\n",
                                        "key\n\n",
                                        "crlf\r\n",
                                        "tab\tkey",
                                        std::string(kMaxKeyFileSize + 1, 'k')};
  for (const std::string& contents : bad) {
    const std::string path = Path("bad");
    absl::Status st = WritePrivateKeyFile(path, contents);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << contents.size();
    EXPECT_FALSE(Exists(path));
  }
}

TEST_F(KeyFileTest, ReadStripsOneNewline) {
  ASSERT_TRUE(WritePrivateKeyFile(Path("a"), std::string(kSecret) + "\n").ok());
  ASSERT_TRUE(WritePrivateKeyFile(Path("b"), kSecret).ok());
  for (const char* name : {"a", "b"}) {
    auto got = ReadKeyFile(Path(name));
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, kSecret);
  }
  // A file of exactly the cap is read.
  const std::string big(kMaxKeyFileSize - 1, 'k');
  Put(Path("big"), big + "\n");
  auto got = ReadKeyFile(Path("big"));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, big);
}

TEST_F(KeyFileTest, ReadErrors) {
  const std::string missing = Path("missing");
  absl::Status st = ReadKeyFile(missing).status();
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  ExpectSafeError(st, missing);

  const std::vector<std::pair<std::string, std::string>> bad = {
      {"empty", ""},
      {"newline", "\n"},
      {"two_lines", std::string(kSecret) + "\n" + kSecret + "\n"},
      {"two_newlines", std::string(kSecret) + "\n\n"},
      {"crlf", std::string(kSecret) + "\r\n"},
      {"nul", std::string(kSecret) + std::string(1, '\0')},
      {"oversized", std::string(kMaxKeyFileSize + 1, 'k')},
      {"huge", std::string(3 * kMaxKeyFileSize, 'k')},
  };
  for (const auto& c : bad) {
    const std::string path = Path(c.first);
    Put(path, c.second);
    absl::Status s = ReadKeyFile(path).status();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.first;
    ExpectSafeError(s, path);
  }
  EXPECT_EQ(ReadKeyFile(dir_).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(KeyFileTest, UnreadableFileIsPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  const std::string path = Path("locked");
  ASSERT_TRUE(WritePrivateKeyFile(path, kSecret).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0), 0);
  EXPECT_EQ(ReadKeyFile(path).status().code(), StatusCode::kPermissionDenied);
}

TEST_F(KeyFileTest, UnwritableDirectoryIsPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes any directory";
  const std::string dir = Path("ro");
  ASSERT_EQ(::mkdir(dir.c_str(), 0500), 0);
  EXPECT_EQ(WritePrivateKeyFile(dir + "/key", kSecret).code(), StatusCode::kPermissionDenied);
}

TEST_F(KeyFileTest, CheckPrivateKeyFileMode) {
  const std::string path = Path("key");
  ASSERT_TRUE(WritePrivateKeyFile(path, kSecret).ok());
  EXPECT_TRUE(CheckPrivateKeyFileMode(path).ok());
  for (mode_t loose : {0640, 0604, 0644, 0620, 0601}) {
    ASSERT_EQ(::chmod(path.c_str(), loose), 0);
    absl::Status st = CheckPrivateKeyFileMode(path);
    EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << loose;
    ExpectSafeError(st, path);
  }
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  EXPECT_TRUE(CheckPrivateKeyFileMode(path).ok());
  EXPECT_EQ(CheckPrivateKeyFileMode(Path("missing")).code(), StatusCode::kNotFound);
}

TEST_F(KeyFileTest, CheckSecretFileModeRefusesLooseModesUnlessAllowed) {
  const std::string path = Path("token");
  ASSERT_TRUE(WritePrivateKeyFile(path, kSecret).ok());
  EXPECT_TRUE(CheckSecretFileMode(path, false).ok());
  EXPECT_TRUE(CheckSecretFileMode(path, true).ok());
  for (mode_t loose : {0640, 0604, 0644, 0660}) {
    ASSERT_EQ(::chmod(path.c_str(), loose), 0);
    absl::Status refused = CheckSecretFileMode(path, false);
    EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition) << loose;
    EXPECT_NE(refused.message().find(kAllowInsecureKeyPermissionsFlag), std::string::npos)
        << refused;
    EXPECT_NE(refused.message().find("chmod 600"), std::string::npos) << refused;
    ExpectSafeError(refused, path);
    // Allowed: a warning (on stderr) instead of the refusal.
    EXPECT_TRUE(CheckSecretFileMode(path, true).ok()) << loose;
  }
  // Not being able to look is not a permission the flag waives.
  EXPECT_EQ(CheckSecretFileMode(Path("missing"), false).code(), StatusCode::kNotFound);
  EXPECT_EQ(CheckSecretFileMode(Path("missing"), true).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace keytrail
