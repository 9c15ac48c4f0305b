// End-to-end: the real log_server binary on a loopback port it picks, keys
// made by the real `keytrail keygen`, every answer checked with //verifier
// and the core verifiers.
#include <signal.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/crypto/ed25519.h"
#include "core/merkle/hash_list.h"
#include "core/merkle/verify.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "core/protocol/entry.h"
#include "core/protocol/key_set.h"
#include "gtest/gtest.h"
#include "testing/health_check.h"
#include "testing/log_checks.h"
#include "testing/log_server_harness.h"
#include "verifier/history.h"
#include "verifier/log_trust.h"
#include "verifier/lookup.h"

namespace keytrail {
namespace {

using test::LogServerHarness;

uint64_t NowMs() { return static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())); }

v1::UpdateRequest MakeUpdate(const std::string& account,
                             std::vector<std::pair<std::string, std::string>> devices) {
  v1::UpdateRequest req;
  req.set_account(account);
  for (auto& [id, key] : devices) {
    v1::Device* d = req.mutable_key_set()->add_devices();
    d->set_device_id(id);
    d->set_device_key(key);
  }
  return req;
}

class LogServerE2eTest : public testing::Test {
 protected:
  void SetUp() override {
    auto h =
        LogServerHarness::Create(testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_TRUE(h.ok()) << h.status();
    h_ = *std::move(h);
    absl::Status started = h_->Start();
    ASSERT_TRUE(started.ok()) << started;
    grpc::ClientContext ctx;
    v1::GetLogInfoResponse info;
    ASSERT_TRUE(h_->stub().GetLogInfo(&ctx, {}, &info).ok());
    auto trust = verifier::LogTrust::FromLogInfo(info);
    ASSERT_TRUE(trust.ok()) << trust.status();
    trust_.emplace(*std::move(trust));
  }

  grpc::Status Update(const v1::UpdateRequest& req, v1::UpdateResponse* resp,
                      bool authorize = true) {
    grpc::ClientContext ctx;
    if (authorize) h_->Authorize(&ctx);
    return h_->stub().Update(&ctx, req, resp);
  }

  // A verified lookup; advances the client's trusted checkpoint.
  verifier::VerifiedLookup Lookup(const std::string& account) {
    grpc::ClientContext ctx;
    v1::LookupRequest req;
    req.set_account(account);
    req.set_last_verified_size(last_.size);
    v1::LookupResponse resp;
    grpc::Status s = h_->stub().Lookup(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    auto verified = verifier::VerifyLookup(*trust_, account, resp, last_, NowMs());
    EXPECT_TRUE(verified.ok()) << verified.status();
    if (!verified.ok()) return {};
    last_ = {verified->log.checkpoint.size, verified->log.checkpoint.root};
    return *std::move(verified);
  }

  std::unique_ptr<LogServerHarness> h_;
  std::optional<verifier::LogTrust> trust_;
  verifier::TrustedCheckpoint last_;
};

TEST_F(LogServerE2eTest, UpdateLookupHistoryWithVerifiedAnswers) {
  v1::UpdateResponse r1, r2;
  ASSERT_TRUE(Update(MakeUpdate("alice@example.org", {{"phone", std::string(32, 'p')}}), &r1).ok());
  EXPECT_EQ(r1.version(), 1u);
  auto v = MakeUpdate("alice@example.org",
                      {{"phone", std::string(32, 'p')}, {"laptop", std::string(1568, 'k')}});
  v.set_expected_version(1);
  ASSERT_TRUE(Update(v, &r2).ok());
  EXPECT_EQ(r2.version(), 2u);
  EXPECT_GE(r2.epoch(), r1.epoch());

  verifier::VerifiedLookup alice = Lookup("alice@example.org");
  ASSERT_TRUE(alice.current.has_value());
  EXPECT_EQ(alice.current->version, 2u);
  ASSERT_EQ(alice.current->key_set.devices.size(), 2u);
  EXPECT_EQ(alice.current->key_set.devices[0].device_id, "laptop");       // sorted
  EXPECT_EQ(alice.current->key_set.devices[0].device_key.size(), 1568u);  // a PQ-sized key

  verifier::VerifiedLookup nobody = Lookup("nobody@example.org");
  EXPECT_FALSE(nobody.current.has_value());

  grpc::ClientContext ctx;
  v1::HistoryRequest hreq;
  hreq.set_account("alice@example.org");
  hreq.set_since_version(1);
  v1::HistoryResponse hresp;
  ASSERT_TRUE(h_->stub().History(&ctx, hreq, &hresp).ok());
  auto history =
      verifier::VerifyHistory(*trust_, "alice@example.org", 1, std::nullopt, hresp, last_, NowMs());
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->versions.size(), 2u);
  EXPECT_EQ(history->versions[0].key_set.devices.size(), 1u);
  EXPECT_EQ(history->versions[1].log_index, r2.log_index());
}

// `req`'s key set signed by `key` as version expected_version + 1, the way
// a user's device (and `keytrail update`) makes it.
void SignAsNextVersion(const Ed25519PrivateKey& key, uint64_t expected_version,
                       v1::UpdateRequest* req) {
  KeySet ks;
  for (const v1::Device& d : req->key_set().devices()) {
    ks.devices.push_back(Device{d.device_id(), d.device_key()});
  }
  SortDevices(&ks);
  ASSERT_TRUE(SignKeySet(key, req->account(), expected_version + 1, &ks).ok());
  req->mutable_key_set()->set_account_key(*ks.account_key);
  req->mutable_key_set()->set_signature(ks.signature);
  req->set_expected_version(expected_version);
}

TEST_F(LogServerE2eTest, AccountKeySignaturesAreChecked) {
  Ed25519PrivateKey account_key = Ed25519PrivateKey::Generate();
  auto req = MakeUpdate("bob", {{"phone", "pk-phone"}, {"tablet", "pk-tablet"}});
  SignAsNextVersion(account_key, 0, &req);
  v1::UpdateResponse resp;
  ASSERT_TRUE(Update(req, &resp).ok());
  EXPECT_EQ(resp.version(), 1u);
  verifier::VerifiedLookup bob = Lookup("bob");
  ASSERT_TRUE(bob.current.has_value());
  EXPECT_EQ(*bob.current->key_set.account_key, account_key.public_key().bytes());

  // A device the account key did not sign: the server refuses it.
  auto rogue = MakeUpdate("bob", {{"phone", "pk-phone"}, {"tablet", "pk-tablet"}});
  SignAsNextVersion(account_key, 1, &rogue);
  v1::Device* d = rogue.mutable_key_set()->add_devices();
  d->set_device_id("rogue");
  d->set_device_key("listener");
  grpc::Status s = Update(rogue, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("key set signature"), std::string::npos) << s.error_message();

  // Without expected_version the server cannot know what version the
  // signature must cover: refused.
  auto unconditional = req;
  unconditional.clear_expected_version();
  s = Update(unconditional, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("expected_version"), std::string::npos) << s.error_message();
}

TEST_F(LogServerE2eTest, ReplayedKeySetsAreRefused) {
  Ed25519PrivateKey account_key = Ed25519PrivateKey::Generate();
  v1::UpdateResponse resp;
  auto v1_req = MakeUpdate("carol", {{"laptop", "pk-laptop"}, {"phone", "pk-phone"}});
  SignAsNextVersion(account_key, 0, &v1_req);
  ASSERT_TRUE(Update(v1_req, &resp).ok());
  auto v2_req = MakeUpdate("carol", {{"phone", "pk-phone"}});  // laptop removed
  SignAsNextVersion(account_key, 1, &v2_req);
  ASSERT_TRUE(Update(v2_req, &resp).ok());
  ASSERT_EQ(resp.version(), 2u);

  // The laptop re-added with version 1's signed key set, and version 2's key
  // set republished, each as version 3: the signature covers another version.
  for (v1::UpdateRequest replay : {v1_req, v2_req}) {
    replay.set_expected_version(2);
    grpc::Status s = Update(replay, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(s.error_message().find("key set signature: does not verify under the account key "
                                     "for version 3"),
              std::string::npos)
        << s.error_message();
  }
  // Replayed with its own expected_version, the condition fails instead.
  grpc::Status s = Update(v2_req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED) << s.error_message();

  verifier::VerifiedLookup carol = Lookup("carol");
  ASSERT_TRUE(carol.current.has_value());
  EXPECT_EQ(carol.current->version, 2u);
  EXPECT_EQ(carol.current->key_set.devices.size(), 1u);
}

TEST_F(LogServerE2eTest, BadInputGetsClearErrors) {
  v1::UpdateResponse resp;
  struct Case {
    v1::UpdateRequest req;
    std::string field;
  };
  std::vector<Case> cases;
  cases.push_back({MakeUpdate("", {{"d", "k"}}), "account id"});
  cases.push_back({MakeUpdate(std::string(257, 'a'), {{"d", "k"}}), "account id"});
  cases.push_back({MakeUpdate("a", {{"", "k"}}), "device id"});
  cases.push_back({MakeUpdate("a", {{std::string(65, 'd'), "k"}}), "device id"});
  cases.push_back({MakeUpdate("a", {{"d", ""}}), "device key"});
  cases.push_back({MakeUpdate("a", {{"d", std::string(8193, 'k')}}), "device key"});
  cases.push_back({MakeUpdate("a", {{"d", "k"}, {"d", "k2"}}), "device"});
  {
    auto many = MakeUpdate("a", {});
    for (int i = 0; i < 33; ++i) {
      v1::Device* d = many.mutable_key_set()->add_devices();
      d->set_device_id(absl::StrCat("d", i));
      d->set_device_key("k");
    }
    cases.push_back({many, "devices"});
  }
  {
    auto short_key = MakeUpdate("a", {{"d", "k"}});
    short_key.mutable_key_set()->set_account_key("short");
    cases.push_back({short_key, "account key"});
  }
  {
    auto unsigned_devices = MakeUpdate("a", {{"d", "k"}});
    unsigned_devices.mutable_key_set()->set_account_key(std::string(32, 'a'));
    cases.push_back({unsigned_devices, "signature"});
  }
  for (const Case& c : cases) {
    grpc::Status s = Update(c.req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_NE(s.error_message().find(c.field), std::string::npos)
        << "want \"" << c.field << "\" in: " << s.error_message();
  }

  // Credentials.
  grpc::Status s = Update(MakeUpdate("a", {{"d", "k"}}), &resp, /*authorize=*/false);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer wrong-token-wrong-token");
    s = h_->stub().Update(&ctx, MakeUpdate("a", {{"d", "k"}}), &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }

  // A failed expected_version.
  auto cas = MakeUpdate("carol", {{"d", "k"}});
  cas.set_expected_version(3);
  s = Update(cas, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_NE(s.error_message().find("version 0"), std::string::npos) << s.error_message();

  // Batches: too large, and mixed good and bad.
  {
    grpc::ClientContext ctx;
    h_->Authorize(&ctx);
    v1::BatchUpdateRequest batch;
    for (int i = 0; i < 1001; ++i) *batch.add_updates() = MakeUpdate("x", {{"d", "k"}});
    v1::BatchUpdateResponse bresp;
    s = h_->stub().BatchUpdate(&ctx, batch, &bresp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    grpc::ClientContext ctx;
    h_->Authorize(&ctx);
    v1::BatchUpdateRequest batch;
    *batch.add_updates() = MakeUpdate("dave", {{"d", "k"}});
    *batch.add_updates() = MakeUpdate("", {{"d", "k"}});
    *batch.add_updates() = MakeUpdate("dave", {{"d", "k2"}});
    v1::BatchUpdateResponse bresp;
    ASSERT_TRUE(h_->stub().BatchUpdate(&ctx, batch, &bresp).ok());
    ASSERT_EQ(bresp.results_size(), 3);
    EXPECT_EQ(bresp.results(0).code(), 0);
    EXPECT_EQ(bresp.results(0).response().version(), 1u);
    EXPECT_EQ(bresp.results(1).code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
    EXPECT_NE(bresp.results(1).message().find("account id"), std::string::npos);
    EXPECT_EQ(bresp.results(2).response().version(), 2u);
  }

  // Oversized request.
  {
    grpc::ClientContext ctx;
    h_->Authorize(&ctx);
    v1::BatchUpdateRequest batch;
    for (int i = 0; i < 200; ++i) {
      *batch.add_updates() = MakeUpdate("big", {{"d", std::string(60000, 'k')}});
    }
    v1::BatchUpdateResponse bresp;
    s = h_->stub().BatchUpdate(&ctx, batch, &bresp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  }

  // Reads.
  grpc::ClientContext c1;
  v1::LookupRequest lreq;
  lreq.set_account("");
  v1::LookupResponse lresp;
  s = h_->stub().Lookup(&c1, lreq, &lresp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext c2;
  lreq.set_account("a");
  lreq.set_last_verified_size(1u << 30);
  s = h_->stub().Lookup(&c2, lreq, &lresp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  grpc::ClientContext c3;
  v1::HistoryRequest hreq;
  hreq.set_account("a");
  v1::HistoryResponse hresp;
  s = h_->stub().History(&c3, hreq, &hresp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext c4;
  v1::GetEntriesRequest ereq;
  ereq.set_start(1u << 30);
  ereq.set_count(1);
  v1::GetEntriesResponse eresp;
  s = h_->stub().GetEntries(&c4, ereq, &eresp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  grpc::ClientContext c5;
  v1::GetConsistencyProofRequest creq;
  creq.set_first_size(0);
  creq.set_second_size(1);
  v1::GetConsistencyProofResponse cresp;
  s = h_->stub().GetConsistencyProof(&c5, creq, &cresp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext c6;
  v1::GetInclusionProofRequest ireq;
  ireq.set_index(5);
  ireq.set_tree_size(3);
  v1::GetInclusionProofResponse iresp;
  s = h_->stub().GetInclusionProof(&c6, ireq, &iresp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);  // index >= tree_size
  grpc::ClientContext c7;
  ireq.set_index(0);
  ireq.set_tree_size(1u << 30);
  s = h_->stub().GetInclusionProof(&c7, ireq, &iresp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE);  // beyond the log
}

TEST_F(LogServerE2eTest, EntriesAndProofsVerifyAgainstCheckpoints) {
  for (int i = 0; i < 20; ++i) {
    v1::UpdateResponse resp;
    ASSERT_TRUE(
        Update(MakeUpdate(absl::StrCat("user", i % 7), {{"d", absl::StrCat(i)}}), &resp).ok());
  }
  verifier::VerifiedLookup any = Lookup("user1");
  const note::Checkpoint& cp = any.log.checkpoint;
  // The whole log: entries decode into whole epochs, each in the checkpoint.
  auto entries = test::FetchEntries(h_->stub(), cp.size);
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_TRUE(test::CheckWholeEpochs(*entries).ok()) << test::CheckWholeEpochs(*entries);
  for (uint64_t i = 0; i < cp.size; ++i) {
    // Every entry is in the checkpoint.
    grpc::ClientContext pctx;
    v1::GetInclusionProofRequest preq;
    preq.set_index(i);
    preq.set_tree_size(cp.size);
    v1::GetInclusionProofResponse presp;
    ASSERT_TRUE(h_->stub().GetInclusionProof(&pctx, preq, &presp).ok());
    auto proof = merkle::DecodeHashList(presp.proof(), 64, "proof");
    ASSERT_TRUE(proof.ok());
    EXPECT_TRUE(
        merkle::VerifyInclusion(i, cp.size, EntryLeafHash((*entries)[i]), *proof, cp.root).ok());
  }
  // Consistency from the genesis checkpoint (size 1) to now.
  grpc::ClientContext cctx;
  v1::GetConsistencyProofRequest creq;
  creq.set_first_size(1);
  creq.set_second_size(cp.size);
  v1::GetConsistencyProofResponse cresp;
  ASSERT_TRUE(h_->stub().GetConsistencyProof(&cctx, creq, &cresp).ok());
  auto proof = merkle::DecodeHashList(cresp.proof(), 64, "proof");
  ASSERT_TRUE(proof.ok());
  EXPECT_TRUE(
      merkle::VerifyConsistency(1, cp.size, *proof, EntryLeafHash((*entries)[0]), cp.root).ok());
}

TEST_F(LogServerE2eTest, HealthCheckingAndRestart) {
  absl::StatusOr<std::string> health = test::HealthCheck(h_->channel());
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, test::kServingResponse);

  v1::UpdateResponse resp;
  ASSERT_TRUE(Update(MakeUpdate("erin", {{"d", "k"}}), &resp).ok());
  auto stopped = h_->Stop();
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(*stopped, 0);
  ASSERT_TRUE(h_->Start().ok());
  verifier::VerifiedLookup erin = Lookup("erin");
  ASSERT_TRUE(erin.current.has_value());
  EXPECT_EQ(erin.current->version, 1u);
  EXPECT_NE(h_->log().find("received signal 15"), std::string::npos);
}

TEST_F(LogServerE2eTest, RefusesToStartWithOneClearLine) {
  auto stopped = h_->Stop();
  ASSERT_TRUE(stopped.ok());
  struct Case {
    std::vector<std::string> flags;
    std::string want;
  };
  std::vector<Case> cases = {
      {{"--note_key=" + h_->path("missing.key")}, "missing.key"},
      {{"--vrf_key=" + h_->path("note.key")}, "VRF private key"},
      {{"--origin=example.org/other"}, "--origin"},
      {{"--data_dir="}, "--data_dir"},
      {{"--epoch_interval=-1s"}, "--epoch_interval"},
      // absl would keep only the last list: refused instead.
      {{"--monitors=a=http://127.0.0.1:1=k", "--monitors=b=http://127.0.0.1:2=k"},
       "--monitors given more than once"},
  };
  // A second set of keys for the same data directory: another log.
  auto rc = test::RunProgram(
      test::Runfile("cli/keytrail"),
      {"keygen", "note", "example.org/other", h_->path("other.key"), h_->path("other.pub")},
      h_->path("keygen2.log"));
  ASSERT_TRUE(rc.ok() && *rc == 0);
  cases.push_back({{"--note_key=" + h_->path("other.key")}, "belongs to origin"});
  for (const Case& c : cases) {
    std::vector<std::string> args = {"--listen=127.0.0.1:0", "--data_dir=" + h_->path("data"),
                                     "--note_key=" + h_->path("note.key"),
                                     "--vrf_key=" + h_->path("vrf.key")};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    std::string log = h_->path("refuse.log");
    std::remove(log.c_str());
    auto exit = test::RunProgram(test::Runfile("log_server/log_server"), args, log);
    ASSERT_TRUE(exit.ok());
    EXPECT_EQ(*exit, 1) << c.want;
    std::string out = test::ReadFile(log);
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
    EXPECT_EQ(out.rfind("log_server: ", 0), 0u) << out;
    EXPECT_NE(out.find(c.want), std::string::npos) << "want \"" << c.want << "\" in: " << out;
  }
}

}  // namespace
}  // namespace keytrail
