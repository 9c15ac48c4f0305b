// Gossip: polls each peer monitor's C2SP monitoring endpoint
// (GET <url>/<hex sha256(origin)>/checkpoint) for every followed log,
// verifies the log's signature and the peer's cosignature, and hands the
// checkpoint to that log's sink (the Follower), which compares it with its
// own view: same size must mean same root, a smaller one must match its own
// tree, a larger one needs the log's consistency proof. A split view becomes
// evidence there (Follower::OfferPeerCheckpoint), not here.
//
// Requests go through core/http's libcurl client: each has a total deadline
// (`timeout`: connect, headers and body together, so a peer dripping a byte
// at a time is cut off), at most 16 KiB of response headers and a body of
// at most evidence::kMaxNoteBytes. Every peer is polled on its own thread,
// so a slow or hostile peer never delays the others.
//
// An unreachable peer, an error status, an answer over the limits or too
// slow, or a body that does not verify is logged once per episode (the
// first failure after success, naming the peer and why) and retried with
// exponential backoff: a peer can never make this monitor raise an alarm by
// itself, only a second log-signed checkpoint can. 404 (the peer has not
// cosigned that log yet) is no error.
//
// Thread safety: PollOnce is for tests that drive it by hand (never with the
// threads running); Start/Stop from the owning thread; MetricsText from any.
#ifndef KEYTRAIL_MONITOR_GOSSIP_H_
#define KEYTRAIL_MONITOR_GOSSIP_H_

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/note/cosignature.h"
#include "core/note/verifier.h"
#include "proto/monitor_config.pb.h"

namespace keytrail::monitor {

struct GossipLog {
  std::string origin;
  const note::NoteVerifier* log_verifier = nullptr;  // not owned; outlives the Gossip
  // Called with the whole note (log signature and cosignatures) and the
  // peer's name, from the gossip thread.
  std::function<void(const std::string& signed_note, const std::string& peer)> offer;
};

struct GossipOptions {
  absl::Duration interval = absl::Seconds(5);
  absl::Duration timeout = absl::Seconds(5);  // the whole of one request
  absl::Duration max_backoff = absl::Minutes(5);
};

class Gossip {
 public:
  // InvalidArgument naming the peer for a bad cosigner key or a URL that is
  // not http(s)://host[:port][/path].
  static absl::StatusOr<std::unique_ptr<Gossip>> Create(
      const google::protobuf::RepeatedPtrField<v1::Peer>& peers, std::vector<GossipLog> logs,
      GossipOptions options);
  ~Gossip();  // stops the thread

  void Start();
  void Stop();

  // One round over every peer not waiting out a backoff, all at once (a
  // thread each). Returns how many verified checkpoints were offered.
  int PollOnce();

  // Prometheus text, per peer: keytrail_monitor_gossip_checkpoints_total
  // {peer="<name>"}, the peer's checkpoints that verified (log signature and
  // the peer's cosignature) and were handed to the follower to compare.
  // Together with keytrail_monitor_evidence it shows gossip ran and found no
  // split view. Any thread.
  std::string MetricsText() const;

  // Each peer as of the last round (the status page). Any thread.
  struct PeerReport {
    std::string name;
    std::string url;
    uint64_t checkpoints = 0;                        // as in MetricsText
    absl::Time last_success = absl::InfinitePast();  // last round that reached it
    bool failing = false;
    std::string last_error;
  };
  std::vector<PeerReport> Peers() const;

 private:
  struct PeerState {
    std::string name;
    note::CosignatureVerifier cosigner;
    std::string scheme_host_port;  // "http(s)://host[:port]"
    std::string path_prefix;       // without the trailing '/'
    absl::Time next_try = absl::InfinitePast();
    absl::Duration backoff = absl::ZeroDuration();
    bool failing = false;  // as last logged
  };
  Gossip(std::vector<PeerState> peers, std::vector<GossipLog> logs, GossipOptions options)
      : peers_(std::move(peers)),
        logs_(std::move(logs)),
        options_(options),
        offered_(peers_.size(), 0),
        reports_(peers_.size()) {
    for (size_t i = 0; i < peers_.size(); ++i) {
      reports_[i].name = peers_[i].name;
      reports_[i].url = peers_[i].scheme_host_port + peers_[i].path_prefix + "/";
    }
  }
  // OK with the body, NotFound for 404; Unavailable, DeadlineExceeded or
  // ResourceExhausted otherwise.
  absl::StatusOr<std::string> Fetch(const PeerState& peer, const GossipLog& log) const;
  absl::Status Verify(const PeerState& peer, const GossipLog& log, const std::string& body) const;
  // One round for peer i if it is due; how many checkpoints it offered.
  int PollPeer(size_t i);
  void Run(size_t i);

  std::vector<PeerState> peers_;
  const std::vector<GossipLog> logs_;
  const GossipOptions options_;
  mutable std::mutex counts_mu_;
  std::vector<uint64_t> offered_;    // by peer index, guarded by counts_mu_
  std::vector<PeerReport> reports_;  // by peer index, guarded by counts_mu_
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::vector<std::thread> threads_;  // one per peer
};

// Splits "http(s)://host[:port][/path]" into the scheme-host-port part and
// the path without a trailing '/'. InvalidArgument otherwise.
absl::StatusOr<std::pair<std::string, std::string>> SplitPeerUrl(absl::string_view url);

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_GOSSIP_H_
