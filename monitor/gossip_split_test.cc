// Two monitors, each following its own fake log server that serves a fork
// of one log (same keys, same prefix, then diverging), peered with each
// other over their HTTP monitoring endpoints: both must find the split view
// through gossip, hold evidence `keytrail evidence verify` accepts, and
// refuse to cosign from then on.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/bytes/encoding.h"
#include "core/evidence/evidence.h"
#include "core/http/client.h"
#include "core/merkle/hash_list.h"
#include "gtest/gtest.h"
#include "monitor/monitor.h"
#include "testing/fake_log.h"
#include "testing/fake_log_server.h"
#include "testing/process.h"

namespace keytrail::monitor {
namespace {

using fakes::FakeLog;
using fakes::FakeLogServer;
using fakes::PlainKeySet;
using keytrail::test::ReadFile;
using keytrail::test::Runfile;
using keytrail::test::RunProgram;

constexpr uint64_t kT = FakeLog::kGenesisTimeMs;

// One request to the monitor's HTTP port (core/http's client).
absl::StatusOr<http::Response> HttpCall(int port, const std::string& method,
                                        const std::string& path, const std::string& body = "") {
  http::Request req;
  req.method = method;
  req.url = absl::StrCat("http://127.0.0.1:", port, path);
  req.content_type = method == "POST" ? "text/plain" : "";
  req.body = body;
  req.timeout = absl::Seconds(30);
  return http::Fetch(req);
}

struct Node {
  std::string name;
  std::string dir;
  std::string vkey;  // its cosigner verifier key
  std::unique_ptr<FakeLogServer> log;
  std::unique_ptr<Monitor> monitor;
};

void MakeKey(Node& n) {
  ASSERT_EQ(
      RunProgram(Runfile("cli/keytrail"),
                 {"keygen", "cosigner", n.name, n.dir + "/cosigner.key", n.dir + "/cosigner.pub"},
                 n.dir + "/keygen.log")
          .value_or(-1),
      0);
  n.vkey = std::string(absl::StripAsciiWhitespace(ReadFile(n.dir + "/cosigner.pub")));
}

MonitorOptions Options(const Node& n, int http_port, const Node* peer, int peer_port) {
  MonitorOptions o;
  o.config.set_data_dir(n.dir + "/data");
  o.config.set_grpc_listen("127.0.0.1:0");
  o.config.set_http_listen(absl::StrCat("127.0.0.1:", http_port));
  o.config.set_cosigner_key_file(n.dir + "/cosigner.key");
  const FakeLog log = n.log->Snapshot();
  v1::FollowedLog* l = o.config.add_logs();
  l->set_origin(log.signer().name());
  l->set_note_verifier_key(log.signer().VerifierKey());
  l->set_grpc_address(n.log->address());
  l->set_poll_interval_ms(20);
  if (peer != nullptr) {
    v1::Peer* p = o.config.add_peers();
    p->set_name(peer->name);
    p->set_cosigner_key(peer->vkey);
    p->set_url(absl::StrCat("http://127.0.0.1:", peer_port, "/"));
  }
  o.follower.clock = [] { return kT + 60000; };
  o.gossip.interval = absl::Milliseconds(50);
  o.gossip.timeout = absl::Seconds(2);
  o.gossip.max_backoff = absl::Milliseconds(400);
  return o;
}

int Push(const Monitor& m, const FakeLog& log) {
  auto res =
      HttpCall(m.http_port(), "POST", "/add-checkpoint", "old 0\n\n" + log.SignedCheckpoint());
  return res.ok() ? res->status : -1;
}

bool WaitFor(const Monitor& m, v1::LogStatus::State state) {
  for (int i = 0; i < 600; ++i) {
    if (m.Status().logs(0).state() == state) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return false;
}

TEST(GossipSplitTest, TwoMonitorsFedDifferentViewsFindTheSplit) {
  FakeLog base;
  for (int e = 1; e <= 3; ++e) {
    for (int i = 0; i < 10; ++i)
      base.Update(absl::StrCat("account ", i * e), PlainKeySet({"phone"}));
    base.CloseEpoch(kT + e);
  }
  FakeLog view_a = base.Fork(), view_b = base.Fork();
  view_a.Update("alice", PlainKeySet({"alice's phone"}));
  view_a.CloseEpoch(kT + 10);
  view_b.Update("alice", PlainKeySet({"the attacker's phone"}));
  view_b.CloseEpoch(kT + 10);
  ASSERT_EQ(view_a.size(), view_b.size());

  Node a{"monitor.example/a", keytrail::test::TempDir("gossip_split_a")};
  Node b{"monitor.example/b", keytrail::test::TempDir("gossip_split_b")};
  MakeKey(a);
  MakeKey(b);
  a.log = FakeLogServer::Start(view_a).value();
  b.log = FakeLogServer::Start(view_b).value();

  // Each needs the other's port: start a alone, b peered with a, then
  // restart a on the same port peered with b.
  a.monitor = Monitor::Start(Options(a, 0, nullptr, 0)).value();
  const int a_port = a.monitor->http_port();
  b.monitor = Monitor::Start(Options(b, 0, &a, a_port)).value();
  a.monitor.reset();
  a.monitor = Monitor::Start(Options(a, a_port, &b, b.monitor->http_port())).value();

  // Each cosigns the view its log showed it...
  EXPECT_EQ(Push(*a.monitor, view_a), 200);
  EXPECT_EQ(Push(*b.monitor, view_b), 200);
  // ... and learns the other's through gossip.
  for (Node* n : {&a, &b}) {
    ASSERT_TRUE(WaitFor(*n->monitor, v1::LogStatus::MISBEHAVING))
        << n->name << ": " << n->monitor->Status().DebugString();
    const v1::LogStatus status = n->monitor->Status().logs(0);
    ASSERT_EQ(status.evidence_size(), 1);
    EXPECT_NE(status.evidence(0).summary().find("split view"), std::string::npos)
        << status.evidence(0).summary();
    auto e = evidence::DecodeEvidence(ReadFile(status.evidence(0).file()));
    ASSERT_TRUE(e.ok()) << e.status();
    EXPECT_EQ(e->kind, evidence::EvidenceKind::kSplitView);
    EXPECT_TRUE(evidence::VerifyEvidence(*e).ok());
    EXPECT_EQ(RunProgram(Runfile("cli/keytrail"), {"evidence", "verify", status.evidence(0).file()},
                         n->dir + "/verify.log")
                  .value_or(-1),
              0)
        << ReadFile(n->dir + "/verify.log");
  }
  // No more cosignatures for that log, from either.
  FakeLog next_a = view_a;
  next_a.Update("bob", PlainKeySet({"phone"}));
  next_a.CloseEpoch(kT + 11);
  a.log->Replace(next_a);
  const uint64_t old = view_a.size();
  std::string body = absl::StrCat("old ", old, "\n");
  // A named local: a range-for over `DecodeHashList(...).value()` would walk
  // a vector inside a StatusOr temporary already destroyed (ASan found it).
  const std::vector<Hash> proof =
      merkle::DecodeHashList(next_a.ConsistencyProof(old, next_a.size()), 65, "proof").value();
  for (const Hash& h : proof) {
    body += Base64Encode(HashView(h)) + "\n";
  }
  auto res = HttpCall(a.monitor->http_port(), "POST", "/add-checkpoint",
                      body + "\n" + next_a.SignedCheckpoint());
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_NE(res->status, 200) << res->body;
  a.monitor->Shutdown();
  b.monitor->Shutdown();
}

}  // namespace
}  // namespace keytrail::monitor
