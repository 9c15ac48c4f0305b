// End to end with the real binaries: the log_server pushes every epoch to TWO
// real monitor binaries (--monitors twice, --required_cosignatures=2), each
// auditing the log and gossiping with the other.
//   - Lookup, History and GetCheckpoint answer with checkpoints carrying both
//     cosignatures, and the verifier library (verifier/verifier.h) under a
//     policy requiring 2 of those 2 monitor keys accepts the answers.
//   - The two monitors poll each other's monitoring endpoint and see no split
//     view (gossip metrics count verified peer checkpoints; no evidence).
//   - With one monitor stopped, the served checkpoint stops advancing (reads
//     stay on the newest checkpoint with both cosignatures; an update is
//     acknowledged but not yet visible there); the newer checkpoint the
//     running monitor cosigned (from its monitoring endpoint) has one
//     cosignature, which the 2-of-2 verifier does not take; after a log restart the log serves that
//     one (OPERATIONS.md: until an epoch qualifies) and the verifier rejects the Lookup answer.
//     Once the monitor is back, reads advance with both cosignatures again.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "core/bytes/encoding.h"
#include "core/crypto/sha256.h"
#include "core/http/client.h"
#include "core/note/checkpoint.h"
#include "core/note/cosignature.h"
#include "core/note/note.h"
#include "gtest/gtest.h"
#include "proto/log_service.grpc.pb.h"
#include "testing/deployment.h"
#include "testing/log_server_harness.h"
#include "testing/monitor_harness.h"
#include "testing/process.h"
#include "testing/signed_checkpoint.h"
#include "verifier/verifier.h"

namespace keytrail::monitor {
namespace {

using ::keytrail::test::CheckpointOf;
using keytrail::test::Deployment;
using keytrail::test::LogServerHarness;
using keytrail::test::MonitorHarness;

uint64_t NowMs() { return static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())); }

class TwoMonitorsE2eTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(deployment_.Start());
    log_ = &deployment_.log();
    info_ = deployment_.info();
    MonitorHarness& a = deployment_.monitor(0);
    MonitorHarness& b = deployment_.monitor(1);
    for (const auto& m : deployment_.monitors()) {
      auto key = note::ParseCosignatureVerifierKey(m->cosigner_key());
      ASSERT_TRUE(key.ok()) << key.status();
      monitor_keys_.push_back(*key);
    }

    policy_.log_note_key = info_.note_verifier_key();
    policy_.vrf_public_key = info_.vrf_public_key();
    policy_.commitment_key = info_.commitment_key();
    policy_.monitor_keys = {a.cosigner_key(), b.cosigner_key()};
    policy_.min_cosignatures = 2;
    policy_.max_checkpoint_age_ms = 10 * 60 * 1000;
  }

  void StartLog() { ASSERT_NO_FATAL_FAILURE(deployment_.StartLog()); }

  void Update(const std::string& account, uint64_t version) {
    absl::Status s = log_->UpdateOnePhone(account, version);
    ASSERT_TRUE(s.ok()) << s;
  }

  std::string Checkpoint(bool newest) {
    auto cp = log_->Checkpoint(newest);
    EXPECT_TRUE(cp.ok()) << cp.status();
    return cp.ok() ? *cp : "";
  }

  // Which monitors' cosignatures verify on `note_text`: a bit per monitor.
  int Cosigners(const std::string& note_text) {
    int bits = 0;
    for (size_t i = 0; i < monitor_keys_.size(); ++i) {
      const note::NoteVerifier* keys[] = {&monitor_keys_[i]};
      if (note::OpenNote(note_text, keys).ok()) bits |= 1 << i;
    }
    return bits;
  }

  // Polls GetCheckpoint until the served one is at >= `size` with the
  // cosignatures `bits`.
  std::string WaitServed(uint64_t size, int bits, absl::Duration timeout = absl::Seconds(30)) {
    const absl::Time end = absl::Now() + timeout;
    std::string cp;
    while (absl::Now() < end) {
      cp = Checkpoint(false);
      if (CheckpointOf(cp).size >= size && Cosigners(cp) == bits) return cp;
      absl::SleepFor(absl::Milliseconds(20));
    }
    ADD_FAILURE() << "no checkpoint at size " << size << " with cosigners " << bits << "; last:\n"
                  << cp << "\nlog server:\n"
                  << log_->log();
    return "";
  }

  v1::LookupResponse Lookup(verifier::Verifier& v, const std::string& account) {
    v1::LookupRequest req;
    EXPECT_TRUE(req.ParseFromString(v.LookupRequest(account)));
    v1::LookupResponse resp;
    grpc::ClientContext ctx;
    grpc::Status s = log_->stub().Lookup(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  v1::HistoryResponse History(verifier::Verifier& v, const std::string& account) {
    v1::HistoryRequest req;
    EXPECT_TRUE(req.ParseFromString(v.HistoryRequest(account)));
    v1::HistoryResponse resp;
    grpc::ClientContext ctx;
    grpc::Status s = log_->stub().History(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  std::string Consistency(uint64_t from, uint64_t to) {
    v1::GetConsistencyProofRequest req;
    req.set_first_size(from);
    req.set_second_size(to);
    v1::GetConsistencyProofResponse resp;
    grpc::ClientContext ctx;
    grpc::Status s = log_->stub().GetConsistencyProof(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.proof();
  }

  // GET from the monitor's HTTP listener; "" unless 200.
  std::string HttpGet(MonitorHarness& m, const std::string& path) {
    http::Request req;
    req.url = absl::StrCat("http://127.0.0.1:", m.http_port(), path);
    req.timeout = absl::Seconds(10);
    auto res = http::Fetch(req);
    return res.ok() && res->status == 200 ? res->body : "";
  }

  // The newest checkpoint `m` cosigned (its monitoring endpoint).
  std::string Cosigned(MonitorHarness& m) {
    return HttpGet(m,
                   absl::StrCat("/", HexEncode(HashView(Sha256Of(info_.origin()))), "/checkpoint"));
  }

  // The value of the /metrics line starting with `prefix` (-1 if none).
  double Metric(MonitorHarness& m, const std::string& prefix) {
    for (absl::string_view line : absl::StrSplit(HttpGet(m, "/metrics"), '\n')) {
      if (absl::StartsWith(line, prefix)) {
        double v = -1;
        if (absl::SimpleAtod(line.substr(prefix.size()), &v)) return v;
      }
    }
    return -1;
  }

  Deployment deployment_{"two_monitors"};
  LogServerHarness* log_ = nullptr;
  v1::GetLogInfoResponse info_;
  std::vector<note::CosignatureVerifier> monitor_keys_;
  verifier::Policy policy_;
};

TEST_F(TwoMonitorsE2eTest, AnswersCarryBothCosignaturesAndTwoOfTwoIsEnforced) {
  MonitorHarness& a = deployment_.monitor(0);
  MonitorHarness& b = deployment_.monitor(1);
  constexpr int kBoth = 3;  // Cosigners() bits
  constexpr int kOnlyA = 1;
  ASSERT_NO_FATAL_FAILURE(Update("alice", 1));
  ASSERT_NO_FATAL_FAILURE(Update("bob", 1));
  ASSERT_NO_FATAL_FAILURE(Update("alice", 2));
  const uint64_t size = CheckpointOf(Checkpoint(true)).size;
  const std::string served = WaitServed(size, kBoth);
  ASSERT_FALSE(served.empty());

  // Lookup, History and GetCheckpoint carry both; the 2-of-2 verifier takes them.
  auto v = verifier::Verifier::Create(policy_, "");
  ASSERT_TRUE(v.ok()) << v.status();
  verifier::Verifier& verifier = **v;
  const v1::LookupResponse alice = Lookup(verifier, "alice");
  EXPECT_EQ(Cosigners(alice.log().checkpoint()), kBoth);
  verifier::Result r = verifier.HandleLookup("alice", alice.SerializeAsString(), NowMs());
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_TRUE(r.account.has_value());
  EXPECT_EQ(r.account->version, 2u);
  const v1::HistoryResponse bob = History(verifier, "bob");
  EXPECT_EQ(Cosigners(bob.log().checkpoint()), kBoth);
  r = verifier.HandleHistory("bob", bob.SerializeAsString(), NowMs());
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_TRUE(r.account.has_value());
  EXPECT_EQ(r.account->version, 1u);
  EXPECT_EQ(verifier.last_verified_size(), CheckpointOf(served).size);
  r = verifier.ObserveCheckpoint(Checkpoint(false), "");
  EXPECT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.alerts.empty());

  // Gossip: each monitor verified the other's cosigned checkpoints and
  // compared them with its own view; neither found a split view.
  for (auto [m, peer] : {std::make_pair(&a, &b), std::make_pair(&b, &a)}) {
    const std::string metric =
        absl::StrCat("keytrail_monitor_gossip_checkpoints_total{peer=\"", peer->name(), "\"} ");
    const absl::Time end = absl::Now() + absl::Seconds(20);
    while (Metric(*m, metric) < 1 && absl::Now() < end) absl::SleepFor(absl::Milliseconds(100));
    EXPECT_GE(Metric(*m, metric), 1) << m->log();
    const v1::GetStatusResponse status = m->Status();
    ASSERT_EQ(status.logs_size(), 1);
    EXPECT_EQ(status.logs(0).evidence_size(), 0) << m->log();
    EXPECT_NE(status.logs(0).state(), v1::LogStatus::MISBEHAVING) << m->log();
    EXPECT_FALSE(absl::StrContains(m->log(), "MISBEHAVING")) << m->log();
  }

  // Monitor b stops. An update is acknowledged (durable) and a cosigns its
  // epoch, but the served checkpoint stays on the last one with both.
  ASSERT_EQ(b.Stop(), 0);
  const std::string before = Checkpoint(false);
  ASSERT_EQ(Cosigners(before), kBoth);
  ASSERT_NO_FATAL_FAILURE(Update("carol", 1));
  const uint64_t carol_size = CheckpointOf(Checkpoint(true)).size;
  ASSERT_GT(carol_size, CheckpointOf(before).size);
  // a's own monitoring endpoint has it, cosigned by a alone (GetCheckpoint
  // newest=true carries cosignatures only for the served epoch).
  std::string only_a;
  for (const absl::Time end = absl::Now() + absl::Seconds(30); absl::Now() < end;) {
    only_a = Cosigned(a);
    if (CheckpointOf(only_a).size >= carol_size) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_EQ(CheckpointOf(only_a).size, carol_size) << only_a << a.log();
  ASSERT_EQ(Cosigners(only_a), kOnlyA);
  const std::string still = Checkpoint(false);
  EXPECT_EQ(still, before);
  // A Lookup is answered at the old checkpoint: verified, carol not there yet.
  r = verifier.HandleLookup("carol", Lookup(verifier, "carol").SerializeAsString(), NowMs());
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_TRUE(r.account.has_value());
  EXPECT_EQ(r.account->version, 0u);
  // The newer checkpoint, with a's cosignature alone, is consistent but does
  // not meet the policy: the 2-of-2 verifier does not take it; a 1-of-2 one
  // (the same state) does, so the count is what decides.
  const uint64_t verified = verifier.last_verified_size();
  const std::string proof = Consistency(verified, carol_size);
  r = verifier.ObserveCheckpoint(only_a, proof);
  EXPECT_TRUE(r.alerts.empty());
  EXPECT_EQ(verifier.last_verified_size(), verified);
  verifier::Policy one_of_two = policy_;
  one_of_two.min_cosignatures = 1;
  auto lenient = verifier::Verifier::Create(one_of_two, verifier.SaveState());
  ASSERT_TRUE(lenient.ok()) << lenient.status();
  r = (*lenient)->ObserveCheckpoint(only_a, proof);
  EXPECT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ((*lenient)->last_verified_size(), carol_size);

  // The log restarts while b is down: until an epoch has both cosignatures
  // it serves its newest with the one it has (OPERATIONS.md); the 2-of-2
  // verifier rejects that answer and keeps its state.
  ASSERT_TRUE(log_->Stop().ok());
  ASSERT_NO_FATAL_FAILURE(StartLog());
  ASSERT_FALSE(WaitServed(carol_size, kOnlyA).empty());
  const std::string saved = verifier.SaveState();
  const v1::LookupResponse carol = Lookup(verifier, "carol");
  EXPECT_EQ(Cosigners(carol.log().checkpoint()), kOnlyA);
  r = verifier.HandleLookup("carol", carol.SerializeAsString(), NowMs());
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument) << r.status;
  EXPECT_TRUE(absl::StrContains(r.status.message(), "policy needs 2")) << r.status;
  EXPECT_EQ(verifier.SaveState(), saved);

  // b is back: the log's push reaches it, reads advance with both.
  ASSERT_NO_FATAL_FAILURE(b.Start());
  ASSERT_FALSE(WaitServed(carol_size, kBoth, absl::Seconds(40)).empty()) << b.log();
  r = verifier.HandleLookup("carol", Lookup(verifier, "carol").SerializeAsString(), NowMs());
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_TRUE(r.account.has_value());
  EXPECT_EQ(r.account->version, 1u);
  EXPECT_EQ(verifier.last_verified_size(), carol_size);
}

}  // namespace
}  // namespace keytrail::monitor
