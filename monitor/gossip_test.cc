#include "monitor/gossip.h"

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/bytes/encoding.h"
#include "core/crypto/sha256.h"
#include "core/note/note.h"
#include "gtest/gtest.h"
#include "httplib.h"
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

// stop() only acts on a running server: wait until it runs.
void StopServer(httplib::Server& server, std::thread& thread) {
  while (!server.is_running()) absl::SleepFor(absl::Milliseconds(1));
  server.stop();
  thread.join();
}

// A peer monitor's monitoring endpoint, made in the test.
class FakePeer {
 public:
  explicit FakePeer(const std::string& origin)
      : path_(absl::StrCat("/", HexEncode(HashView(Sha256Of(origin))), "/checkpoint")) {
    server_.Get(path_, [this](const httplib::Request&, httplib::Response& res) {
      ++requests_;
      std::lock_guard<std::mutex> lock(mu_);
      res.status = status_;
      if (status_ == 200) res.set_content(body_, "text/plain; charset=utf-8");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakePeer() { StopServer(server_, thread_); }
  void Serve(int status, std::string body = "") {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    body_ = std::move(body);
  }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_, "/"); }
  int requests() const { return requests_; }

 private:
  std::string path_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  int status_ = 404;
  std::string body_;
  std::atomic<int> requests_{0};
};

struct Offered {
  std::string note;
  std::string peer;
};

class GossipTest : public ::testing::Test {
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
  // A listening socket that never answers: the read times out.
  httplib::Server silent;
  silent.Get(".*", [](const httplib::Request&, httplib::Response& res) {
    absl::SleepFor(absl::Seconds(3));
    res.status = 500;
  });
  const int port = silent.bind_to_any_port("127.0.0.1");
  std::thread t([&] { silent.listen_after_bind(); });
  GossipOptions options;
  options.timeout = absl::Milliseconds(300);
  auto g = Make(absl::StrCat("http://127.0.0.1:", port), peer_key_.VerifierKey(), options);
  const absl::Time start = absl::Now();
  EXPECT_EQ(g->PollOnce(), 0);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  // And a closed port.
  auto g2 = Make("http://127.0.0.1:1", peer_key_.VerifierKey(), options);
  EXPECT_EQ(g2->PollOnce(), 0);
  EXPECT_TRUE(offered_.empty());
  StopServer(silent, t);
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
