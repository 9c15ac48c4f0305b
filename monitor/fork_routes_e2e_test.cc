// End to end with the real monitor binary (testing/monitor_harness.h)
// following a fake log server (testing/fake_log_server.h): a validly
// log-signed checkpoint that cannot be a head of the log the monitor
// audited becomes split-view evidence whichever way it arrives —
//   push    POST /add-checkpoint with curl: the same size with another root
//           (409), a smaller size from another history (409), a larger size
//           whose pushed proof shows another tree (422);
//   poll    the log itself serves a checkpoint of the same size with another
//           root, a smaller one from another history, a larger one whose
//           consistency proof shows another tree;
//   gossip  a peer monitor (a second monitor binary) cosigned a checkpoint
//           of the same size with another root / of another, smaller tree.
// Each time: GetStatus says MISBEHAVING with one evidence file,
// `keytrail evidence verify` says PROVEN, the monitor logs one ERROR line,
// and the next honest checkpoint is not cosigned.
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/bytes/encoding.h"
#include "core/merkle/hash_list.h"
#include "gtest/gtest.h"
#include "testing/fake_log.h"
#include "testing/fake_log_server.h"
#include "testing/log_lines.h"
#include "testing/monitor_harness.h"
#include "testing/process.h"

namespace keytrail::monitor {
namespace {

using fakes::FakeLog;
using fakes::FakeLogServer;
using fakes::PlainKeySet;
using keytrail::test::CountLinesContaining;
using keytrail::test::MonitorHarness;
using keytrail::test::ReadFile;
using keytrail::test::Runfile;
using keytrail::test::RunProgram;
using keytrail::test::TempDir;

constexpr uint64_t kT = FakeLog::kGenesisTimeMs;

// A log with `epochs` epochs of three updates each (the same ones for every
// log built with the same keys and count), then `other` epochs that only
// this history has.
FakeLog History(const FakeLog& keys, int epochs, int other, const char* who = "mallory") {
  FakeLog log(keys.signer(), keys.vrf(), kT);
  for (int e = 1; e <= epochs; ++e) {
    for (int i = 0; i < 3; ++i) log.Update(absl::StrCat("account ", i), PlainKeySet({"phone"}));
    log.CloseEpoch(kT + e);
  }
  for (int e = 1; e <= other; ++e) {
    log.Update(who, PlainKeySet({absl::StrCat(who, "'s device ", e).c_str()}));
    log.CloseEpoch(kT + 100 + e);
  }
  return log;
}

std::string ProofLines(const FakeLog& log, uint64_t from, uint64_t to) {
  std::string out;
  // A named local: a range-for over DecodeHashList(...).value() would walk a
  // vector inside a temporary already destroyed.
  const std::vector<Hash> proof =
      merkle::DecodeHashList(log.ConsistencyProof(from, to), 65, "p").value();
  for (const Hash& h : proof) {
    absl::StrAppend(&out, Base64Encode(HashView(h)), "\n");
  }
  return out;
}

class ForkRoutesTest : public testing::Test {
 protected:
  void SetUp() override {
    honest_ = History(FakeLog(), 4, 0);  // size 17
    server_ = FakeLogServer::Start(honest_).value();
    monitor_ = StartMonitor("fork_routes", "monitor.example/a", *server_);
    WaitForAudit(*monitor_, honest_.size());
  }
  void TearDown() override {
    if (HasFailure()) {
      std::printf("monitor log:\n%s\n", monitor_->log().c_str());
      if (peer_ != nullptr) std::printf("peer log:\n%s\n", peer_->log().c_str());
    }
    monitor_->Kill();
    if (peer_ != nullptr) peer_->Kill();
  }

  std::unique_ptr<MonitorHarness> StartMonitor(const std::string& dir, const std::string& name,
                                               const FakeLogServer& log,
                                               const MonitorHarness* peer = nullptr) {
    auto m = std::make_unique<MonitorHarness>(TempDir(dir), name);
    const FakeLog snapshot = log.Snapshot();
    m->AddLog(snapshot.signer().name(), snapshot.signer().VerifierKey(), log.address(), 50);
    if (peer != nullptr) m->AddPeer(peer->name(), peer->cosigner_key(), peer->url());
    m->Start();
    return m;
  }

  void WaitForAudit(MonitorHarness& m, uint64_t size) {
    for (int i = 0; i < 600; ++i) {
      const v1::GetStatusResponse s = m.Status();
      if (s.logs_size() == 1 && s.logs(0).verified_size() >= size) return;
      absl::SleepFor(absl::Milliseconds(50));
    }
    FAIL() << "not audited to " << size << ": " << m.Status().DebugString();
  }

  // POSTs `body` to /add-checkpoint with curl; the HTTP status.
  int Push(const MonitorHarness& m, const std::string& body) {
    const std::string in = m.dir() + "/push.body";
    std::ofstream(in, std::ios::binary) << body;
    const std::string cmd =
        absl::StrCat("curl -s -o /dev/null -w '%{http_code}' --max-time 20 --data-binary @", in,
                     " http://127.0.0.1:", m.http_port(), "/add-checkpoint");
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return -1;
    char buf[64] = {0};
    std::string out;
    while (fgets(buf, sizeof buf, p) != nullptr) out += buf;
    EXPECT_EQ(pclose(p), 0) << cmd;
    return out.empty() ? -1 : std::stoi(out);
  }
  int PushCheckpoint(const MonitorHarness& m, uint64_t old_size, const std::string& proof_lines,
                     const std::string& note) {
    return Push(m, absl::StrCat("old ", old_size, "\n", proof_lines, "\n", note));
  }

  // Another history of the honest log's size: its first three epochs, then
  // three other updates in one.
  FakeLog SameSizeOtherHistory() const {
    FakeLog same = History(honest_, 3, 0);
    for (const char* who : {"m1", "m2", "m3"}) same.Update(who, PlainKeySet({"m"}));
    same.CloseEpoch(kT + 200);
    EXPECT_EQ(same.size(), honest_.size());
    return same;
  }

  // MISBEHAVING with one split view that `keytrail evidence verify` proves,
  // one ERROR line, and no cosignature for the honest log's next checkpoint.
  void ExpectProvenSplitView(MonitorHarness& m) {
    v1::LogStatus status;
    for (int i = 0; i < 600; ++i) {
      status = m.Status().logs(0);
      if (status.state() == v1::LogStatus::MISBEHAVING) break;
      absl::SleepFor(absl::Milliseconds(50));
    }
    ASSERT_EQ(status.state(), v1::LogStatus::MISBEHAVING) << status.DebugString();
    ASSERT_EQ(status.evidence_size(), 1) << status.DebugString();
    EXPECT_TRUE(absl::StrContains(status.evidence(0).summary(), "split view"))
        << status.evidence(0).summary();
    const std::string out = m.dir() + "/verify.out";
    EXPECT_EQ(
        RunProgram(Runfile("cli/keytrail"), {"evidence", "verify", status.evidence(0).file()}, out)
            .value_or(-1),
        0)
        << ReadFile(out);
    EXPECT_TRUE(absl::StrContains(ReadFile(out), "PROVEN: split view")) << ReadFile(out);
    EXPECT_EQ(CountLinesContaining(m.log(), "ERROR"), 1) << m.log();
    EXPECT_EQ(CountLinesContaining(m.log(), "MISBEHAVING"), 1) << m.log();
    // No more cosigning: the honest log grows and is pushed, with its proof.
    FakeLog grown = honest_;
    grown.Update("bob", PlainKeySet({"phone"}));
    grown.CloseEpoch(kT + 50);
    server_->Replace(grown);
    const int code =
        PushCheckpoint(m, honest_.size(), ProofLines(grown, honest_.size(), grown.size()),
                       grown.SignedCheckpoint());
    EXPECT_TRUE(code == 422 || code == 409) << code;
  }

  FakeLog honest_;
  std::unique_ptr<FakeLogServer> server_;
  std::unique_ptr<MonitorHarness> monitor_;
  std::unique_ptr<FakeLogServer> peer_log_;
  std::unique_ptr<MonitorHarness> peer_;
};

// ---- push ----

TEST_F(ForkRoutesTest, PushOfTheCosignedSizeWithAnotherRoot) {
  ASSERT_EQ(PushCheckpoint(*monitor_, 0, "", honest_.SignedCheckpoint()), 200);
  note::Checkpoint forged = honest_.CheckpointAt(honest_.size());
  forged.root[0] ^= 1;
  EXPECT_EQ(PushCheckpoint(*monitor_, honest_.size(), "", honest_.SignCheckpoint(forged)), 409);
  ExpectProvenSplitView(*monitor_);
}

TEST_F(ForkRoutesTest, PushOfASmallerCheckpointOfAnotherHistory) {
  ASSERT_EQ(PushCheckpoint(*monitor_, 0, "", honest_.SignedCheckpoint()), 200);
  const FakeLog other = History(honest_, 1, 2);  // size 9 < 17
  ASSERT_LT(other.size(), honest_.size());
  EXPECT_EQ(PushCheckpoint(*monitor_, 0, "", other.SignedCheckpoint()), 409);
  ExpectProvenSplitView(*monitor_);
}

TEST_F(ForkRoutesTest, PushOfALargerCheckpointWhoseProofShowsAnotherTree) {
  ASSERT_EQ(PushCheckpoint(*monitor_, 0, "", honest_.SignedCheckpoint()), 200);
  const FakeLog other = History(honest_, 2, 6);  // size 21 > 17, apart from leaf 9
  ASSERT_GT(other.size(), honest_.size());
  EXPECT_EQ(
      PushCheckpoint(*monitor_, honest_.size(), ProofLines(other, honest_.size(), other.size()),
                     other.SignedCheckpoint()),
      422);
  ExpectProvenSplitView(*monitor_);
}

// ---- poll ----

TEST_F(ForkRoutesTest, PolledCheckpointOfTheAuditedSizeWithAnotherRoot) {
  server_->Replace(SameSizeOtherHistory());
  ExpectProvenSplitView(*monitor_);
}

TEST_F(ForkRoutesTest, PolledSmallerCheckpointOfAnotherHistory) {
  server_->Replace(History(honest_, 1, 2));
  ExpectProvenSplitView(*monitor_);
}

TEST_F(ForkRoutesTest, PolledLargerCheckpointWhoseProofShowsAnotherTree) {
  server_->Replace(History(honest_, 2, 6));
  ExpectProvenSplitView(*monitor_);
}

// ---- gossip ----

TEST_F(ForkRoutesTest, GossipedCheckpointOfTheSameSizeWithAnotherRoot) {
  const FakeLog same = SameSizeOtherHistory();
  peer_log_ = FakeLogServer::Start(same).value();
  peer_ = StartMonitor("fork_routes_peer", "monitor.example/b", *peer_log_);
  WaitForAudit(*peer_, same.size());
  ASSERT_EQ(PushCheckpoint(*peer_, 0, "", same.SignedCheckpoint()), 200);
  // This monitor, restarted peered with it, learns its view by gossip.
  monitor_->Kill();
  monitor_->AddPeer(peer_->name(), peer_->cosigner_key(), peer_->url());
  monitor_->Start();
  ExpectProvenSplitView(*monitor_);
}

TEST_F(ForkRoutesTest, GossipedSmallerCheckpointOfAnotherHistory) {
  const FakeLog other = History(honest_, 1, 2);
  peer_log_ = FakeLogServer::Start(other).value();
  peer_ = StartMonitor("fork_routes_peer", "monitor.example/b", *peer_log_);
  WaitForAudit(*peer_, other.size());
  ASSERT_EQ(PushCheckpoint(*peer_, 0, "", other.SignedCheckpoint()), 200);
  monitor_->Kill();
  monitor_->AddPeer(peer_->name(), peer_->cosigner_key(), peer_->url());
  monitor_->Start();
  ExpectProvenSplitView(*monitor_);
}

}  // namespace
}  // namespace keytrail::monitor
