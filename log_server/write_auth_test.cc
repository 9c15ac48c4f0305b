#include "log_server/write_auth.h"

#include <cstdlib>

#include "core/keys/key_file.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace {

std::string TokenFile(const std::string& name, const std::string& contents) {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string path = std::string(base ? base : "/tmp") + "/" + name;
  EXPECT_TRUE(WritePrivateKeyFile(path, contents).ok());
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

}  // namespace
}  // namespace keytrail
