// The keytrail tool end to end: real binary, real server on a loopback port.
#include <sys/stat.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "testing/log_server_harness.h"

namespace keytrail {
namespace {

using test::LogServerHarness;

class KeytrailCliTest : public testing::Test {
 protected:
  void SetUp() override {
    auto h = LogServerHarness::Create(
        std::string("cli-") + testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_TRUE(h.ok()) << h.status();
    h_ = *std::move(h);
    ASSERT_TRUE(h_->Start().ok());
  }

  // Runs `keytrail args...`; returns (exit status, output).
  std::pair<int, std::string> Run(std::vector<std::string> args) {
    std::string log = h_->path(absl::StrCat("cli.", runs_++, ".log"));
    auto rc = test::RunProgram(test::Runfile("cli/keytrail"), args, log);
    EXPECT_TRUE(rc.ok());
    return {rc.ok() ? *rc : -1, test::ReadFile(log)};
  }
  std::string Server() const { return absl::StrCat("--server=127.0.0.1:", h_->port()); }

  std::unique_ptr<LogServerHarness> h_;
  int runs_ = 0;
};

TEST_F(KeytrailCliTest, UpdateThenVerifiedLookupAndHistory) {
  auto [rc, out] = Run({"update", Server(), "--token_file=" + h_->path("token"), "--account=alice",
                        "--device=phone=0a0b0c", "--device", "laptop=0d0e,tablet=ff"});
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("alice is now at version 1"), std::string::npos) << out;

  std::string state = "--state_dir=" + h_->path("client");
  std::tie(rc, out) = Run({"lookup", Server(), "--account=alice", state});
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("pinned log example.org/keytrail-e2e"), std::string::npos) << out;
  EXPECT_NE(out.find("alice: version 1"), std::string::npos) << out;
  // Every --device given, repeated or comma-separated, is in the key set.
  EXPECT_NE(out.find("device phone: key 0a0b0c"), std::string::npos) << out;
  EXPECT_NE(out.find("device laptop: key 0d0e"), std::string::npos) << out;
  EXPECT_NE(out.find("device tablet: key ff"), std::string::npos) << out;

  // With an account key the key set is signed as the next version: the tool
  // learns the current one (1) with a verified lookup and updates only if
  // alice is still there.
  std::tie(rc, out) = Run({"keygen", "account", h_->path("alice.key"), h_->path("alice.pub")});
  ASSERT_EQ(rc, 0) << out;
  std::tie(rc, out) =
      Run({"update", Server(), "--token_file=" + h_->path("token"), "--account=alice",
           "--account_key=" + h_->path("alice.key"), "--device=phone=0a0b0c", state});
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("alice is now at version 2"), std::string::npos) << out;
  // And again, with the version given.
  std::tie(rc, out) = Run({"update", Server(), "--token_file=" + h_->path("token"),
                           "--account=alice", "--account_key=" + h_->path("alice.key"),
                           "--device=phone=0a0b0c", "--device=tablet=ff", "--expected_version=2"});
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("alice is now at version 3"), std::string::npos) << out;
  // A stale --expected_version: the server refuses (ABORTED), nothing changes.
  std::tie(rc, out) = Run({"update", Server(), "--token_file=" + h_->path("token"),
                           "--account=alice", "--account_key=" + h_->path("alice.key"),
                           "--device=phone=0a0b0c", "--expected_version=1"});
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("version"), std::string::npos) << out;
  std::tie(rc, out) = Run({"history", Server(), "--account=alice", state});
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("3 versions since 1"), std::string::npos) << out;
  EXPECT_NE(out.find("the key set signed by it"), std::string::npos) << out;

  // Absent accounts are proven absent; the second lookup checks consistency
  // with the checkpoint the first one stored.
  std::tie(rc, out) = Run({"lookup", Server(), "--account=bob", state});
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("bob: no keys in the log (proven absent)"), std::string::npos) << out;

  std::tie(rc, out) = Run({"entries", Server(), "--start=0", "--count=3"});
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out.rfind("0 epoch 0 ", 0), 0u) << out;
  std::tie(rc, out) = Run({"checkpoint", Server()});
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out.rfind("example.org/keytrail-e2e\n", 0), 0u) << out;
  std::tie(rc, out) = Run({"info", Server()});
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("protocol version  1"), std::string::npos) << out;
}

TEST_F(KeytrailCliTest, ErrorsAreOneClearLine) {
  // A well-kept token file (0600) that is not the server's.
  ASSERT_EQ(Run({"keygen", "token", h_->path("other.token")}).first, 0);
  struct Case {
    std::vector<std::string> args;
    int rc;
    std::string want;
  };
  std::vector<Case> cases = {
      {{"frobnicate", Server()}, 2, "unknown command"},
      {{"keygen", "note"}, 2, "keygen note: expected NAME"},
      {{"update", Server(), "--account=a", "--device=phone=zz",
        "--token_file=" + h_->path("token")},
       2,
       "--device must be ID=HEXKEY"},
      {{"update", Server(), "--account=a", "--device=phone=00"}, 2, "--token_file"},
      {{"update", Server(), "--account=", "--device=phone=00", "--token_file=" + h_->path("token")},
       2,
       "--account is required"},
      {{"update", Server(), "--account=a", "--device=phone=00",
        "--token_file=" + h_->path("other.token")},
       1,
       "wrong write token"},
      {{"update", Server(), "--account=" + std::string(300, 'a'), "--device=phone=00",
        "--token_file=" + h_->path("token")},
       2,
       "account id"},
      {{"history", Server(), "--account=a", "--since=0"}, 2, "--since"},
      {{"lookup", "--server=127.0.0.1:1", "--account=a", "--timeout=2s"}, 1, "GetLogInfo"},
  };
  for (const Case& c : cases) {
    auto [rc, out] = Run(c.args);
    EXPECT_EQ(rc, c.rc) << c.want << ": " << out;
    EXPECT_EQ(out.rfind("keytrail: ", 0), 0u) << out;
    EXPECT_NE(out.find(c.want), std::string::npos) << "want \"" << c.want << "\" in: " << out;
  }
}

// A token or account key file that group or others can read is refused, as
// the log server refuses its own, unless --allow_insecure_key_permissions
// (then a warning names the file and the update goes through).
TEST_F(KeytrailCliTest, SecretFilesReadableByOthersAreRefusedUnlessAllowed) {
  const std::string token = h_->path("token");
  ASSERT_EQ(::chmod(token.c_str(), 0644), 0);
  const std::vector<std::string> update = {"update", Server(), "--account=alice",
                                           "--device=phone=00", "--token_file=" + token};
  auto [rc, out] = Run(update);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find(token), std::string::npos) << out;
  EXPECT_NE(out.find("mode 0644"), std::string::npos) << out;
  EXPECT_NE(out.find("--allow_insecure_key_permissions"), std::string::npos) << out;
  EXPECT_EQ(out.find("is now at version"), std::string::npos) << out;

  std::vector<std::string> allowed = update;
  allowed.push_back("--allow_insecure_key_permissions");
  std::tie(rc, out) = Run(allowed);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("allowed by --allow_insecure_key_permissions"), std::string::npos) << out;
  EXPECT_NE(out.find("alice is now at version 1"), std::string::npos) << out;
  ASSERT_EQ(::chmod(token.c_str(), 0600), 0);

  // The account key is a secret file too.
  std::tie(rc, out) = Run({"keygen", "account", h_->path("alice.key"), h_->path("alice.pub")});
  ASSERT_EQ(rc, 0) << out;
  ASSERT_EQ(::chmod(h_->path("alice.key").c_str(), 0640), 0);
  std::tie(rc, out) = Run({"update", Server(), "--account=alice", "--device=phone=00",
                           "--token_file=" + token, "--account_key=" + h_->path("alice.key")});
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("alice.key"), std::string::npos) << out;
  EXPECT_NE(out.find("mode 0640"), std::string::npos) << out;
  std::tie(rc, out) =
      Run({"update", Server(), "--account=alice", "--device=phone=00", "--token_file=" + token,
           "--account_key=" + h_->path("alice.key"), "--allow_insecure_key_permissions"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("alice is now at version 2"), std::string::npos) << out;
}

TEST_F(KeytrailCliTest, APinnedLogWithAnotherKeyIsRejected) {
  std::string state = "--state_dir=" + h_->path("client2");
  auto [rc, out] = Run({"lookup", Server(), "--account=a", state});
  ASSERT_EQ(rc, 0) << out;
  // The server is replaced by another log on the same address with new keys.
  ASSERT_TRUE(h_->Stop().ok());
  auto other = LogServerHarness::Create("cli-other-log");
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->Start().ok());
  std::tie(rc, out) =
      Run({"lookup", absl::StrCat("--server=127.0.0.1:", (*other)->port()), "--account=a", state});
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("does not verify"), std::string::npos) << out;
}

}  // namespace
}  // namespace keytrail
