#include "log_server/write_auth.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "core/keys/key_file.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace {

// Writes the bytes as given (WritePrivateKeyFile would refuse some of the
// bad contents tested here), mode 0600.
std::string TokenFile(const std::string& name, const std::string& contents) {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string path = std::string(base ? base : "/tmp") + "/" + name;
  std::remove(path.c_str());
  {
    std::ofstream out(path, std::ios::binary);
    out << contents;
    EXPECT_TRUE(out.good());
  }
  EXPECT_EQ(::chmod(path.c_str(), 0600), 0);
  return path;
}

TEST(WriteAuthTest, BearerToken) {
  auto auth = WriteAuthorizer::Create(TokenFile("t1", "0123456789abcdef0123\n"), false);
  ASSERT_TRUE(auth.ok()) << auth.status();
  std::string good = "Bearer 0123456789abcdef0123";
  std::string wrong = "Bearer 0123456789abcdef0124";
  std::string basic = "Basic 0123456789abcdef0123";
  EXPECT_TRUE(auth->CheckCredentials(&good, false).ok());
  EXPECT_EQ(auth->CheckCredentials(&wrong, false).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(auth->CheckCredentials(&basic, false).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(auth->CheckCredentials(nullptr, false).code(), absl::StatusCode::kUnauthenticated);
  // A client certificate is no use when certificates are not configured.
  EXPECT_EQ(auth->CheckCredentials(nullptr, true).code(), absl::StatusCode::kUnauthenticated);
}

TEST(WriteAuthTest, ClientCertificates) {
  auto auth = WriteAuthorizer::Create("", true);
  ASSERT_TRUE(auth.ok());
  EXPECT_TRUE(auth->CheckCredentials(nullptr, true).ok());
  EXPECT_EQ(auth->CheckCredentials(nullptr, false).code(), absl::StatusCode::kUnauthenticated);
  std::string any = "Bearer whatever-token-value";
  EXPECT_EQ(auth->CheckCredentials(&any, false).code(), absl::StatusCode::kUnauthenticated);
}

TEST(WriteAuthTest, NothingConfiguredRefusesEveryWrite) {
  auto auth = WriteAuthorizer::Create("", false);
  ASSERT_TRUE(auth.ok());
  std::string any = "Bearer whatever-token-value";
  EXPECT_EQ(auth->CheckCredentials(&any, false).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(auth->CheckCredentials(nullptr, true).code(), absl::StatusCode::kPermissionDenied);
}

TEST(WriteAuthTest, BadTokenFiles) {
  EXPECT_EQ(WriteAuthorizer::Create("/nonexistent/token", false).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(WriteAuthorizer::Create(TokenFile("short", "abc\n"), false).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Regression (issue 9): trailing whitespace became part of the token, and a
// token of 16 spaces was accepted.
TEST(WriteAuthTest, WhitespaceNeverBecomesPartOfTheToken) {
  for (const char* contents :
       {"                \n", "0123456789abcdef  \n", "0123456789abcdef \n", "0123456789abcdef\t\n",
        "0123456789abcdef\r\n", "0123456789abcdef\n\n", " 0123456789abcdef\n",
        "0123456789 abcdef\n"}) {
    auto auth = WriteAuthorizer::Create(TokenFile("ws", contents), false);
    EXPECT_EQ(auth.status().code(), absl::StatusCode::kInvalidArgument) << contents;
  }
  // One final newline is the file's, not the token's; none is fine too.
  for (const char* contents : {"0123456789abcdef\n", "0123456789abcdef"}) {
    auto auth = WriteAuthorizer::Create(TokenFile("ok", contents), false);
    ASSERT_TRUE(auth.ok()) << auth.status();
    std::string good = "Bearer 0123456789abcdef";
    EXPECT_TRUE(auth->CheckCredentials(&good, false).ok());
  }
}

TEST(WriteAuthTest, TokenOfFifteenBytesIsTooShort) {
  auto auth = WriteAuthorizer::Create(TokenFile("fifteen", "0123456789abcde\n"), false);
  EXPECT_EQ(auth.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(auth.status().message().find("shorter than 16"), std::string::npos);
}

}  // namespace
}  // namespace keytrail
