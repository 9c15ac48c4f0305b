#include "monitor/gossip.h"

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/bytes/encoding.h"
#include "core/crypto/sha256.h"
#include "core/http/server.h"
#include "core/note/note.h"
#include "gtest/gtest.h"
#include "testing/scripted_peer.h"
#include "testing/witness_test_util.h"

namespace keytrail::monitor {
namespace {

// Adds `signer`'s cosignature to a signed note.
std::string Cosign(const std::string& signed_note, const note::CosignatureSigner& signer) {
  auto n = note::ParseNote(signed_note);
  EXPECT_TRUE(n.ok()) << n.status();
  n->signatures.push_back(signer.SignAsNoteSignature(n->text, 1764423302));
  return note::FormatNote(*n);
}

// A peer monitor's monitoring endpoint, made in the test.
class FakePeer {
 public:
  explicit FakePeer(const std::string& origin)
      : path_(absl::StrCat("/", HexEncode(HashView(Sha256Of(origin))), "/checkpoint")) {
    server_.Handle("GET", path_, [this](const http::ServerRequest&) {
      ++requests_;
      std::lock_guard<std::mutex> lock(mu_);
      http::ServerResponse res;
      res.status = status_;
      if (status_ == 200) res.body = body_;
      return res;
    });
    EXPECT_TRUE(server_.Start("127.0.0.1", 0).ok());
  }
  void Serve(int status, std::string body = "") {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    body_ = std::move(body);
  }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", server_.port(), "/"); }
  int requests() const { return requests_; }

 private:
  std::string path_;
  http::Server server_;
  std::mutex mu_;
  int status_ = 404;
  std::string body_;
  std::atomic<int> requests_{0};
};

struct Offered {
  std::string note;
  std::string peer;
};

class GossipTest : public testing::Test {
 protected:
  GossipTest()
      : log_("example.com/gossip-log", 8),
        peer_key_(*note::CosignatureSigner::Generate("monitor.example.org/m2")),
        peer_(log_.origin()) {}

  std::unique_ptr<Gossip> Make(const std::string& url, const std::string& cosigner_key,
                               GossipOptions options = {}) {
    google::protobuf::RepeatedPtrField<v1::Peer> peers;
    v1::Peer* p = peers.Add();
    p->set_name(peer_key_.name());
    p->set_cosigner_key(cosigner_key);
    p->set_url(url);
    std::vector<GossipLog> logs;
    logs.push_back(GossipLog{log_.origin(), log_.verifier(),
                             [this](const std::string& note, const std::string& peer) {
                               std::lock_guard<std::mutex> lock(mu_);
                               offered_.push_back({note, peer});
                             }});
    auto g = Gossip::Create(peers, std::move(logs), options);
    EXPECT_TRUE(g.ok()) << g.status();
    return g.ok() ? *std::move(g) : nullptr;
  }

  TestLog log_;
  note::CosignatureSigner peer_key_;
  FakePeer peer_;
  std::mutex mu_;
  std::vector<Offered> offered_;
};

TEST_F(GossipTest, OffersACheckpointSignedByTheLogAndCosignedByThePeer) {
  const std::string cosigned = Cosign(log_.Checkpoint(5), peer_key_);
  peer_.Serve(200, cosigned);
  auto g = Make(peer_.url(), peer_key_.VerifierKey());
  EXPECT_EQ(g->PollOnce(), 1);
  ASSERT_EQ(offered_.size(), 1u);
  EXPECT_EQ(offered_[0].note, cosigned);
  EXPECT_EQ(offered_[0].peer, peer_key_.name());
  EXPECT_NE(g->MetricsText().find("keytrail_monitor_gossip_checkpoints_total{peer=\"" +
                                  peer_key_.name() + "\"} 1\n"),
            std::string::npos)
      << g->MetricsText();
}

TEST_F(GossipTest, ThePeersUrlPathIsKept) {
  EXPECT_EQ(SplitPeerUrl("https://m2.example.org/").value(),
            std::make_pair(std::string("https://m2.example.org"), std::string()));
  EXPECT_EQ(SplitPeerUrl("http://h:81/witness/").value(),
            std::make_pair(std::string("http://h:81"), std::string("/witness")));
  EXPECT_EQ(SplitPeerUrl("ftp://h/").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SplitPeerUrl("http:///x").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(GossipTest, RejectsABadPeerConfig) {
  google::protobuf::RepeatedPtrField<v1::Peer> peers;
  v1::Peer* p = peers.Add();
  p->set_name("m2");
  p->set_cosigner_key("not a key");
  p->set_url("http://127.0.0.1:1/");
  EXPECT_EQ(Gossip::Create(peers, {}, {}).status().code(), absl::StatusCode::kInvalidArgument);
  p->set_cosigner_key(peer_key_.VerifierKey());
  p->set_url("127.0.0.1:1");
  EXPECT_EQ(Gossip::Create(peers, {}, {}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(GossipTest, IgnoresACheckpointWithoutThePeersCosignature) {
  peer_.Serve(200, log_.Checkpoint(5));  // log-signed only
  auto g = Make(peer_.url(), peer_key_.VerifierKey());
  EXPECT_EQ(g->PollOnce(), 0);
  EXPECT_TRUE(offered_.empty());
  EXPECT_NE(g->MetricsText().find("} 0\n"), std::string::npos) << g->MetricsText();
}

TEST_F(GossipTest, IgnoresACosignatureByAnotherKey) {
  auto other = *note::CosignatureSigner::Generate(peer_key_.name());
  peer_.Serve(200, Cosign(log_.Checkpoint(5), other));
  auto g = Make(peer_.url(), peer_key_.VerifierKey());
  EXPECT_EQ(g->PollOnce(), 0);
  EXPECT_TRUE(offered_.empty());
}

TEST_F(GossipTest, IgnoresACheckpointNotSignedByTheLog) {
  auto rogue = *note::Ed25519NoteSigner::Generate(log_.origin());
  peer_.Serve(200, Cosign(log_.Checkpoint(5, &rogue), peer_key_));
  auto g = Make(peer_.url(), peer_key_.VerifierKey());
  EXPECT_EQ(g->PollOnce(), 0);
  EXPECT_TRUE(offered_.empty());
}

TEST_F(GossipTest, IgnoresGarbageAndOversizedAnswers) {
  auto g = Make(peer_.url(), peer_key_.VerifierKey());
  peer_.Serve(200, "not a note\n");
  EXPECT_EQ(g->PollOnce(), 0);
  auto g2 = Make(peer_.url(), peer_key_.VerifierKey());
  peer_.Serve(200, std::string(100000, 'a'));
  EXPECT_EQ(g2->PollOnce(), 0);
  EXPECT_TRUE(offered_.empty());
}

TEST_F(GossipTest, NotFoundIsNoFailureAndDoesNotBackOff) {
  peer_.Serve(404);
  auto g = Make(peer_.url(), peer_key_.VerifierKey());
  EXPECT_EQ(g->PollOnce(), 0);
  EXPECT_EQ(g->PollOnce(), 0);
  EXPECT_EQ(peer_.requests(), 2);  // asked again at once: no backoff
}

TEST_F(GossipTest, AFailingPeerIsRetriedWithBackoff) {
  peer_.Serve(500);
  GossipOptions options;
  options.interval = absl::Milliseconds(300);
  auto g = Make(peer_.url(), peer_key_.VerifierKey(), options);
  EXPECT_EQ(g->PollOnce(), 0);
  EXPECT_EQ(g->PollOnce(), 0);  // within the backoff: not asked
  EXPECT_EQ(peer_.requests(), 1);
  absl::SleepFor(absl::Milliseconds(400));
  peer_.Serve(200, Cosign(log_.Checkpoint(3), peer_key_));
  EXPECT_EQ(g->PollOnce(), 1);
  EXPECT_EQ(peer_.requests(), 2);
}

TEST_F(GossipTest, AnUnreachablePeerTimesOutAndOffersNothing) {
  // A listening socket that never answers: the deadline ends the request.
  auto silent = keytrail::test::ScriptedPeer::Start(
      [](int, const std::string&) { absl::SleepFor(absl::Seconds(3)); });
  ASSERT_TRUE(silent.ok());
  GossipOptions options;
  options.timeout = absl::Milliseconds(300);
  auto g = Make((*silent)->url(), peer_key_.VerifierKey(), options);
  const absl::Time start = absl::Now();
  EXPECT_EQ(g->PollOnce(), 0);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  // And a closed port.
  auto g2 = Make("http://127.0.0.1:1", peer_key_.VerifierKey(), options);
  EXPECT_EQ(g2->PollOnce(), 0);
  EXPECT_TRUE(offered_.empty());
}

// Issue 18, 6: a peer dripping its answer a byte at a time used to hold the
// only gossip thread (the read timeout restarted with every byte). Now its
// request ends at the deadline, and the other peer is asked meanwhile.
TEST_F(GossipTest, ADrippingPeerDoesNotDelayTheOthers) {
  auto drip = keytrail::test::ScriptedPeer::Start([](int fd, const std::string&) {
    const std::string answer =
        "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, 'd');
    for (char c : answer) {
      if (!keytrail::test::ScriptedPeer::SendAll(fd, std::string(1, c))) return;
      absl::SleepFor(absl::Milliseconds(50));
    }
  });
  ASSERT_TRUE(drip.ok());
  peer_.Serve(200, Cosign(log_.Checkpoint(5), peer_key_));
  google::protobuf::RepeatedPtrField<v1::Peer> peers;
  for (const std::string& url : {(*drip)->url(), peer_.url()}) {
    v1::Peer* p = peers.Add();
    p->set_name(url == peer_.url() ? "honest" : "drip");
    p->set_cosigner_key(peer_key_.VerifierKey());
    p->set_url(url);
  }
  std::vector<GossipLog> logs;
  std::atomic<int> offered{0};
  logs.push_back(
      GossipLog{log_.origin(), log_.verifier(), [&](const std::string&, const std::string& peer) {
                  if (peer == "honest") ++offered;
                }});
  GossipOptions options;
  options.timeout = absl::Seconds(1);
  options.interval = absl::Milliseconds(20);
  auto g = Gossip::Create(peers, std::move(logs), options);
  ASSERT_TRUE(g.ok()) << g.status();
  (*g)->Start();
  // The honest peer is asked round after round while the drip's first
  // request is still running.
  for (int i = 0; i < 500 && offered < 3; ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_GE(offered.load(), 3);
  EXPECT_LE((*drip)->connections(), 1);
  (*g)->Stop();
}

TEST_F(GossipTest, TheThreadPollsUntilStopped) {
  peer_.Serve(200, Cosign(log_.Checkpoint(5), peer_key_));
  GossipOptions options;
  options.interval = absl::Milliseconds(20);
  auto g = Make(peer_.url(), peer_key_.VerifierKey(), options);
  g->Start();
  for (int i = 0; i < 500 && peer_.requests() < 3; ++i) absl::SleepFor(absl::Milliseconds(10));
  g->Stop();
  EXPECT_GE(peer_.requests(), 3);
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_GE(offered_.size(), 3u);
}

}  // namespace
}  // namespace keytrail::monitor
