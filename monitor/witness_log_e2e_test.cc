// End to end: the real log_server binary pushes every checkpoint to this
// monitor's witness HTTP server (in-process, with an AuditedLogs that
// approves everything it follows) and answers Lookup and GetCheckpoint with
// the cosigned checkpoint; GetCheckpoint newest=true gets the newest
// log-signed one. Also: a restart keeps serving, and a witness that refuses
// to cosign leaves reads on the last cosigned checkpoint.
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "core/note/checkpoint.h"
#include "core/note/cosignature.h"
#include "core/note/note.h"
#include "gtest/gtest.h"
#include "monitor/audited_logs.h"
#include "monitor/witness.h"
#include "monitor/witness_http.h"
#include "testing/log_server_harness.h"
#include "testing/process.h"
#include "verifier/log_trust.h"
#include "verifier/lookup.h"

namespace keytrail::monitor {
namespace {

using keytrail::test::LogServerHarness;

// Follows one log; approves every checkpoint unless told otherwise.
class ApprovingLogs : public AuditedLogs {
 public:
  explicit ApprovingLogs(note::Ed25519NoteVerifier log) : log_(std::move(log)) {}
  const note::NoteVerifier* LogVerifier(absl::string_view origin) const override {
    return origin == log_.name() ? &log_ : nullptr;
  }
  absl::Status CheckAudited(absl::string_view, absl::string_view, const note::Checkpoint&,
                            absl::Time) override {
    absl::MutexLock l(&mu_);
    return result_;
  }
  // The real log is honest here: nothing it pushes proves anything.
  absl::Status Observe(absl::string_view, absl::string_view, const note::Checkpoint&, uint64_t,
                       absl::Span<const Hash>) override {
    return absl::OkStatus();
  }
  void Set(absl::Status s) {
    absl::MutexLock l(&mu_);
    result_ = std::move(s);
  }

 private:
  note::Ed25519NoteVerifier log_;
  absl::Mutex mu_;
  absl::Status result_;
};

class WitnessLogE2eTest : public testing::Test {
 protected:
  void SetUp() override {
    auto h =
        LogServerHarness::Create(testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_TRUE(h.ok()) << h.status();
    h_ = *std::move(h);
    auto vkey = note::ParseVerifierKey(
        absl::StripAsciiWhitespace(keytrail::test::ReadFile(h_->path("note.pub"))));
    ASSERT_TRUE(vkey.ok()) << vkey.status();
    logs_ = std::make_unique<ApprovingLogs>(*vkey);
    auto store = WitnessStore::Open(h_->path("witness"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    auto signer = note::CosignatureSigner::Generate("monitor.example/e2e");
    ASSERT_TRUE(signer.ok());
    witness_key_ = std::make_unique<note::CosignatureVerifier>(signer->Verifier());
    witness_ = std::make_unique<Witness>(logs_.get(), store_.get(), *signer);
    http_ = std::make_unique<WitnessHttpServer>(witness_.get(), nullptr);
    ASSERT_TRUE(http_->Start("127.0.0.1", 0).ok());
  }

  std::vector<std::string> Flags() {
    return {absl::StrCat("--monitors=w1=http://127.0.0.1:", http_->port(), "=",
                         witness_key_->VerifierKey()),
            "--required_cosignatures=1", "--max_epoch_age=200ms"};
  }

  void Update(const std::string& account) {
    v1::UpdateRequest req;
    req.set_account(account);
    v1::Device* d = req.mutable_key_set()->add_devices();
    d->set_device_id("phone");
    d->set_device_key(std::string(32, 'k'));
    v1::UpdateResponse resp;
    grpc::ClientContext ctx;
    h_->Authorize(&ctx);
    grpc::Status s = h_->stub().Update(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  std::string Checkpoint(bool newest) {
    auto cp = h_->Checkpoint(newest);
    EXPECT_TRUE(cp.ok()) << cp.status();
    return cp.ok() ? *cp : "";
  }

  // Cosignatures by the witness that verify on `note_text` (0 if the note
  // does not open).
  size_t Cosignatures(const std::string& note_text) {
    const note::NoteVerifier* keys[] = {witness_key_.get()};
    auto opened = note::OpenNote(note_text, keys);
    return opened.ok() ? opened->verified.size() : 0;
  }

  uint64_t Size(const std::string& note_text) {
    auto n = note::ParseNote(note_text);
    if (!n.ok()) return 0;
    auto c = note::ParseCheckpoint(n->text);
    return c.ok() ? c->size : 0;
  }

  // Polls GetCheckpoint until it is cosigned at >= `size`.
  std::string WaitCosigned(uint64_t size) {
    for (int i = 0; i < 300; ++i) {
      std::string cp = Checkpoint(false);
      if (Cosignatures(cp) == 1 && Size(cp) >= size) return cp;
      absl::SleepFor(absl::Milliseconds(50));
    }
    ADD_FAILURE() << "no cosigned checkpoint at size " << size << "; server log:\n" << h_->log();
    return "";
  }

  std::unique_ptr<LogServerHarness> h_;
  std::unique_ptr<ApprovingLogs> logs_;
  std::unique_ptr<WitnessStore> store_;
  std::unique_ptr<note::CosignatureVerifier> witness_key_;
  std::unique_ptr<Witness> witness_;
  std::unique_ptr<WitnessHttpServer> http_;
};

TEST_F(WitnessLogE2eTest, LookupCarriesTheWitnessCosignature) {
  ASSERT_TRUE(h_->Start(Flags()).ok()) << h_->log();
  Update("alice");
  const absl::Time acknowledged = absl::Now();
  const std::string newest = Checkpoint(true);
  const std::string cosigned = WaitCosigned(Size(newest));
  ASSERT_FALSE(cosigned.empty());
  // Informational: acknowledged (durable) -> served cosigned, polled every 50 ms.
  std::printf("cosigned checkpoint served %.0f ms after the update was acknowledged\n",
              absl::ToDoubleMilliseconds(absl::Now() - acknowledged));

  v1::LookupRequest req;
  req.set_account("alice");
  v1::LookupResponse resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(h_->stub().Lookup(&ctx, req, &resp).ok());
  EXPECT_EQ(Cosignatures(resp.log().checkpoint()), 1u);
  // The client library accepts it under a policy requiring this monitor.
  grpc::ClientContext info_ctx;
  v1::GetLogInfoResponse info;
  ASSERT_TRUE(h_->stub().GetLogInfo(&info_ctx, {}, &info).ok());
  auto trust = verifier::LogTrust::FromLogInfo(info);
  ASSERT_TRUE(trust.ok()) << trust.status();
  trust->monitors.push_back(*witness_key_);
  trust->min_cosignatures = 1;
  auto verified = verifier::VerifyLookup(*trust, "alice", resp, {},
                                         static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())));
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->log.cosignatures, 1u);
  EXPECT_TRUE(verified->current.has_value());

  // The witness's own monitoring endpoint has it too, and its state moved.
  auto state = store_->Get(note::ParseCheckpoint(note::ParseNote(cosigned)->text)->origin);
  ASSERT_TRUE(state.ok() && state->has_value());
  EXPECT_GE((*state)->size, Size(newest));

  // A restart: the log keeps pushing (resyncing from the witness's 409).
  ASSERT_TRUE(h_->Stop().ok());
  ASSERT_TRUE(h_->Start(Flags()).ok()) << h_->log();
  Update("bob");
  const uint64_t after = Size(Checkpoint(true));
  EXPECT_FALSE(WaitCosigned(after).empty());
}

TEST_F(WitnessLogE2eTest, RefusedCheckpointsAreNotServed) {
  ASSERT_TRUE(h_->Start(Flags()).ok()) << h_->log();
  Update("alice");
  ASSERT_FALSE(WaitCosigned(Size(Checkpoint(true))).empty());
  // From now on the monitor finds the log misbehaving: it cosigns nothing.
  logs_->Set(absl::FailedPreconditionError("rule broken"));
  absl::SleepFor(absl::Milliseconds(500));  // a push already past the check
  const std::string cosigned = Checkpoint(false);
  ASSERT_EQ(Cosignatures(cosigned), 1u);
  Update("bob");
  const uint64_t newer = Size(Checkpoint(true));
  ASSERT_GT(newer, Size(cosigned));
  absl::SleepFor(absl::Milliseconds(500));
  const std::string served = Checkpoint(false);
  EXPECT_EQ(Cosignatures(served), 1u);
  EXPECT_EQ(Size(served), Size(cosigned));
  EXPECT_EQ(Cosignatures(Checkpoint(true)), 0u);
  EXPECT_NE(h_->log().find("refused epoch"), std::string::npos);
}

TEST_F(WitnessLogE2eTest, BadMonitorFlagsRefuseToStart) {
  const std::vector<std::string> base = {"--listen=127.0.0.1:0", "--data_dir=" + h_->path("data"),
                                         "--note_key=" + h_->path("note.key"),
                                         "--vrf_key=" + h_->path("vrf.key"),
                                         "--write_token_file=" + h_->path("token")};
  const std::pair<std::string, std::string> cases[] = {
      {"--monitors=w1=http://127.0.0.1:1", "--monitors"},
      {"--monitors=w1=http://127.0.0.1:1=nonsense", "cosignature verifier key"},
      {absl::StrCat("--monitors=w1=http://127.0.0.1:1=", witness_key_->VerifierKey()),
       ""},  // with the next flag: more required than configured
  };
  for (const auto& [flag, want] : cases) {
    std::vector<std::string> args = base;
    args.push_back(flag);
    if (want.empty()) args.push_back("--required_cosignatures=2");
    const std::string log = h_->path("bad_flags.log");
    auto rc = keytrail::test::RunProgram(keytrail::test::Runfile("log_server/log_server"), args,
                                         log, absl::Seconds(30));
    ASSERT_TRUE(rc.ok()) << rc.status();
    EXPECT_EQ(*rc, 1) << flag;
    const std::string out = keytrail::test::ReadFile(log);
    EXPECT_NE(out.find(want.empty() ? "exceeds the 1 monitors" : want), std::string::npos) << out;
  }
}

}  // namespace
}  // namespace keytrail::monitor
