// Private epoch bundles with the real binaries: `keytrail keygen replica`
// makes the key, log_server --replica_key_file publishes each epoch's sealed
// parts to --private_dir, and a reader that knows only the public tiles,
// the key and the log's public keys opens every part and checks it against
// the published entries as a replica does (core/replica/bundle_check.h):
// across new accounts, later versions and a kill -9 with a restart. A key
// file others can read, and a private directory that is the public tiles
// directory, are refused with one line.
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "core/crypto/ecvrf.h"
#include "core/replica/private_bundle.h"
#include "core/tiles/tile_path.h"
#include "gtest/gtest.h"
#include "testing/log_server_harness.h"
#include "testing/private_bundle_checks.h"
#include "testing/process.h"
#include "testing/tile_checks.h"
#include "testing/tile_publication_load.h"

namespace keytrail {
namespace {

using test::LogServerHarness;


class PrivateBundlesE2eTest : public testing::Test {
 protected:
  void SetUp() override {
    auto h = LogServerHarness::Create("private_bundles");
    ASSERT_TRUE(h.ok()) << h.status();
    h_ = *std::move(h);
    auto rc = test::RunProgram(test::Runfile("cli/keytrail"),
                               {"keygen", "replica", h_->path("replica.key")},
                               h_->path("keygen_replica.log"));
    ASSERT_TRUE(rc.ok() && *rc == 0) << test::ReadFile(h_->path("keygen_replica.log"));
  }

  absl::Status Start() {
    return h_->Start({"--epoch_interval=10ms", "--replica_key_file=" + h_->path("replica.key"),
                      "--private_dir=" + h_->path("private")});
  }

  void Update(const std::string& account, const std::string& key) {
    v1::UpdateRequest req;
    req.set_account(account);
    v1::Device* d = req.mutable_key_set()->add_devices();
    d->set_device_id("phone");
    d->set_device_key(key);
    grpc::ClientContext ctx;
    h_->Authorize(&ctx);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::UpdateResponse resp;
    grpc::Status s = h_->stub().Update(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // Reads the published log from the tiles, waits until it is the log's
  // newest, then opens and checks every epoch's private parts. Returns the
  // number of update entries checked.
  uint64_t CheckEverything() {
    grpc::ClientContext ctx;
    v1::GetLogInfoResponse info;
    EXPECT_TRUE(h_->stub().GetLogInfo(&ctx, {}, &info).ok());
    const std::string tiles = h_->path("data/tiles");  // the default
    const std::string vkey = info.note_verifier_key();
    auto read = [&] {
      return test::ReadPublishedLog(test::DirectoryFetch(tiles),
                                    vkey);
    };
    absl::Status caught_up = test::WaitUntilTilesCaughtUp(*h_, read);
    EXPECT_TRUE(caught_up.ok()) << caught_up << "\n" << h_->log();
    auto log = read();
    EXPECT_TRUE(log.ok()) << log.status();
    if (!log.ok()) return 0;
    auto vrf = VrfPublicKey::FromBytes(info.vrf_public_key());
    EXPECT_TRUE(vrf.ok());
    auto key = replica::ReplicaKey::FromFile(h_->path("replica.key"), false);
    EXPECT_TRUE(key.ok()) << key.status();
    if (!vrf.ok() || !key.ok()) return 0;

    auto checked = test::CheckPublishedPrivateBundles(
        *log, test::DirectoryFetch(h_->path("private")), *key,
        LogServerHarness::kOrigin, *vrf);
    EXPECT_TRUE(checked.ok()) << checked.status();
    // The public tiles directory holds no private object.
    EXPECT_FALSE(test::DirectoryFetch(tiles)(tiles::PrivateBundlePath(1, 0)).ok());
    return checked.ok() ? *checked : 0;
  }

  std::unique_ptr<LogServerHarness> h_;
};

TEST_F(PrivateBundlesE2eTest, EveryEpochsBundleOpensAndMatchesThePublicEntries) {
  ASSERT_TRUE(Start().ok()) << h_->log();
  EXPECT_NE(h_->log().find("publishing private epoch bundles for replicas"), std::string::npos)
      << h_->log();
  // New accounts, then later versions of some of them.
  for (int i = 0; i < 5; ++i) Update(absl::StrCat("alice-", i), "k1");
  for (int i = 0; i < 3; ++i) Update(absl::StrCat("alice-", i), "k2");
  Update("alice-0", "k3");
  // A burst of fresh accounts from two writers, cut by kill -9.
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> acked{0};
  std::thread w1 = test::StartUpdateWriter(h_.get(), 1, 0, &stop, &acked);
  std::thread w2 = test::StartUpdateWriter(h_.get(), 2, 0, &stop, &acked);
  while (acked.load() < 300) absl::SleepFor(absl::Milliseconds(10));
  h_->Kill();
  stop = true;
  w1.join();
  w2.join();
  ASSERT_TRUE(Start().ok()) << h_->log();
  Update("alice-1", "k3");  // a later version after the restart
  const uint64_t checked = CheckEverything();
  EXPECT_GE(checked, 9u + 300u + 1u);
  auto stopped = h_->Stop();
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(*stopped, 0);
}

TEST_F(PrivateBundlesE2eTest, BadKeyFileOrPrivateDirIsOneLine) {
  auto refused = [this](const std::vector<std::string>& extra, const std::string& want) {
    std::vector<std::string> flags = {"--listen=127.0.0.1:0", "--data_dir=" + h_->path("data"),
                                      "--note_key=" + h_->path("note.key"),
                                      "--vrf_key=" + h_->path("vrf.key"),
                                      "--write_token_file=" + h_->path("token")};
    flags.insert(flags.end(), extra.begin(), extra.end());
    const std::string log = h_->path("refused.log");
    std::remove(log.c_str());
    auto rc = test::RunProgram(test::Runfile("log_server/log_server"), flags, log);
    ASSERT_TRUE(rc.ok());
    const std::string out = test::ReadFile(log);
    EXPECT_EQ(*rc, 1) << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
    EXPECT_NE(out.find(want), std::string::npos) << "want \"" << want << "\" in: " << out;
  };
  const std::string key = h_->path("replica.key");
  refused({"--replica_key_file=" + key, "--private_dir=" + h_->path("data/tiles")},
          "--private_dir must not be the tiles directory");
  refused({"--private_dir=" + h_->path("private")}, "--private_dir needs --replica_key_file");
  refused({"--replica_key_file=" + key, "--publish_tiles=false"},
          "--replica_key_file needs --publish_tiles");
  refused({"--replica_key_file=" + h_->path("missing.key")}, "missing.key");
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  refused({"--replica_key_file=" + key}, "mode 0644");
  // The key itself never appears in what the server prints.
  ASSERT_EQ(::chmod(key.c_str(), 0600), 0);
  const std::string contents = test::ReadFile(key);
  EXPECT_EQ(test::ReadFile(h_->path("refused.log")).find(contents.substr(0, 16)),
            std::string::npos);
}

}  // namespace
}  // namespace keytrail
