#include "monitor/gossip.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/bytes/encoding.h"
#include "core/crypto/sha256.h"
#include "core/evidence/evidence.h"
#include "core/http/client.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "core/util/logging.h"

namespace keytrail::monitor {

absl::StatusOr<std::pair<std::string, std::string>> SplitPeerUrl(absl::string_view url) {
  size_t scheme_end = 0;
  if (absl::StartsWith(url, "http://")) {
    scheme_end = 7;
  } else if (absl::StartsWith(url, "https://")) {
    scheme_end = 8;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("peer URL \"", url, "\" is not http(s)://"));
  }
  const size_t slash = url.find('/', scheme_end);
  const absl::string_view host_port = url.substr(
      scheme_end, slash == absl::string_view::npos ? absl::string_view::npos : slash - scheme_end);
  if (host_port.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("peer URL \"", url, "\" names no host"));
  }
  std::string path =
      slash == absl::string_view::npos ? std::string() : std::string(url.substr(slash));
  while (!path.empty() && path.back() == '/') path.pop_back();
  return std::make_pair(std::string(url.substr(0, scheme_end + host_port.size())), path);
}

absl::StatusOr<std::unique_ptr<Gossip>> Gossip::Create(
    const google::protobuf::RepeatedPtrField<v1::Peer>& peers, std::vector<GossipLog> logs,
    GossipOptions options) {
  std::vector<PeerState> states;
  for (const v1::Peer& p : peers) {
    auto key = note::ParseCosignatureVerifierKey(p.cosigner_key());
    if (!key.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("peer ", p.name(), ": ", key.status().message()));
    }
    auto url = SplitPeerUrl(p.url());
    if (!url.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("peer ", p.name(), ": ", url.status().message()));
    }
    states.push_back(PeerState{p.name(), *std::move(key), url->first, url->second,
                               absl::InfinitePast(), absl::ZeroDuration(), false});
  }
  return std::unique_ptr<Gossip>(new Gossip(std::move(states), std::move(logs), options));
}

Gossip::~Gossip() { Stop(); }

void Gossip::Start() {
  if (!threads_.empty() || peers_.empty() || logs_.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = false;
  }
  for (size_t i = 0; i < peers_.size(); ++i) threads_.emplace_back([this, i] { Run(i); });
}

void Gossip::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void Gossip::Run(size_t i) {
  for (;;) {
    PollPeer(i);
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, absl::ToChronoMilliseconds(options_.interval), [this] { return stop_; });
    if (stop_) return;
  }
}

absl::StatusOr<std::string> Gossip::Fetch(const PeerState& peer, const GossipLog& log) const {
  http::Request req;
  req.url = absl::StrCat(peer.scheme_host_port, peer.path_prefix, "/",
                         HexEncode(HashView(Sha256Of(log.origin))), "/checkpoint");
  req.timeout = options_.timeout;
  req.max_response_header_bytes = 16 * 1024;
  req.max_response_body_bytes = evidence::kMaxNoteBytes;
  auto res = http::Fetch(req);
  if (!res.ok()) return res.status();
  if (res->status == 404) return absl::NotFoundError("no cosigned checkpoint yet");
  if (res->status != 200) {
    return absl::UnavailableError(absl::StrCat("GET ", req.url, ": HTTP ", res->status));
  }
  return std::move(res->body);
}

absl::Status Gossip::Verify(const PeerState& peer, const GossipLog& log,
                            const std::string& body) const {
  const note::NoteVerifier* verifiers[] = {log.log_verifier, &peer.cosigner};
  auto opened = note::OpenNote(body, verifiers);
  if (!opened.ok()) return opened.status();
  bool by_log = false, by_peer = false;
  for (const note::VerifiedSignature& v : opened->verified) {
    by_log |= v.verifier == log.log_verifier;
    by_peer |= v.verifier == &peer.cosigner;
  }
  if (!by_log) return absl::InvalidArgumentError("no valid signature by the log");
  if (!by_peer) return absl::InvalidArgumentError("no valid cosignature by the peer");
  auto checkpoint = note::ParseCheckpoint(opened->text);
  if (!checkpoint.ok()) return checkpoint.status();
  if (checkpoint->origin != log.origin) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint of origin \"", checkpoint->origin, "\""));
  }
  return absl::OkStatus();
}

int Gossip::PollOnce() {
  std::vector<int> offered(peers_.size(), 0);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < peers_.size(); ++i) {
    threads.emplace_back([this, i, &offered] { offered[i] = PollPeer(i); });
  }
  int total = 0;
  for (size_t i = 0; i < threads.size(); ++i) {
    threads[i].join();
    total += offered[i];
  }
  return total;
}

int Gossip::PollPeer(size_t i) {
  PeerState& peer = peers_[i];
  const absl::Time now = absl::Now();
  if (now < peer.next_try) return 0;
  int offered = 0;
  absl::Status failure = absl::OkStatus();
  for (const GossipLog& log : logs_) {
    auto body = Fetch(peer, log);
    if (body.status().code() == absl::StatusCode::kNotFound) continue;
    if (!body.ok()) {
      failure = body.status();
      break;  // the peer is down, too slow or hostile: try again after the backoff
    }
    absl::Status v = Verify(peer, log, *body);
    if (!v.ok()) {
      // Proves nothing (anyone on the path could have made these bytes).
      failure = absl::UnavailableError(
          absl::StrCat(log.origin, ": served a checkpoint that does not verify: ", v.message()));
      continue;
    }
    log.offer(*body, peer.name);
    ++offered;
    std::lock_guard<std::mutex> lock(counts_mu_);
    ++offered_[i];
  }
  {
    std::lock_guard<std::mutex> lock(counts_mu_);
    PeerReport& r = reports_[i];
    r.failing = !failure.ok();
    r.last_error = std::string(failure.message());
    if (failure.ok()) r.last_success = now;
  }
  if (failure.ok()) {
    if (peer.failing) LogInfo("gossip: peer %s reachable again", peer.name);
    peer.failing = false;
    peer.backoff = absl::ZeroDuration();
    peer.next_try = absl::InfinitePast();
    return offered;
  }
  // Said once per episode, however many distinct answers follow (issue 18).
  if (!peer.failing) {
    LogWarning("gossip: peer %s: %s (retrying with backoff)", peer.name, failure.message());
  }
  peer.failing = true;
  peer.backoff = peer.backoff == absl::ZeroDuration()
                     ? options_.interval
                     : std::min(peer.backoff * 2, options_.max_backoff);
  peer.next_try = absl::Now() + peer.backoff;
  return offered;
}

std::vector<Gossip::PeerReport> Gossip::Peers() const {
  std::lock_guard<std::mutex> lock(counts_mu_);
  std::vector<PeerReport> out = reports_;
  for (size_t i = 0; i < out.size(); ++i) out[i].checkpoints = offered_[i];
  return out;
}

std::string Gossip::MetricsText() const {
  if (peers_.empty()) return "";
  std::string out =
      "# HELP keytrail_monitor_gossip_checkpoints_total peer checkpoints that verified and were "
      "compared with this monitor's view.\n"
      "# TYPE keytrail_monitor_gossip_checkpoints_total counter\n";
  std::lock_guard<std::mutex> lock(counts_mu_);
  for (size_t i = 0; i < peers_.size(); ++i) {
    absl::StrAppend(&out, "keytrail_monitor_gossip_checkpoints_total{peer=\"", peers_[i].name,
                    "\"} ", offered_[i], "\n");
  }
  return out;
}

}  // namespace keytrail::monitor
