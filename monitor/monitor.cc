#include "monitor/monitor.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/bytes/encoding.h"
#include "core/crypto/sha256.h"
#include "core/keys/key_file.h"
#include "core/keys/keys.h"
#include "core/net/listener.h"
#include "core/util/file.h"
#include "core/util/logging.h"
#include "grpcpp/health_check_service_interface.h"
#include "monitor/grpc_log_client.h"
#include "monitor/metrics.h"
#include "monitor/status_page.h"
#include "monitor/tiles_log_client.h"

namespace keytrail::monitor {

std::string LogDbDir(const std::string& data_dir, const std::string& origin) {
  std::string safe;
  for (char c : origin) safe += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  // The hash keeps two origins that differ only in punctuation apart.
  return absl::StrCat(data_dir, "/logs/", safe, "-",
                      HexEncode(HashView(Sha256Of(origin))).substr(0, 12));
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> LogChannel(const v1::FollowedLog& log) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(16 << 20);
  if (log.tls_ca_file().empty()) {
    return grpc::CreateCustomChannel(log.grpc_address(), grpc::InsecureChannelCredentials(), args);
  }
  std::ifstream in(log.tls_ca_file());
  if (!in) return absl::NotFoundError(absl::StrCat("can't read TLS CA file ", log.tls_ca_file()));
  std::stringstream pem;
  pem << in.rdbuf();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = pem.str();
  return grpc::CreateCustomChannel(log.grpc_address(), grpc::SslCredentials(ssl), args);
}

absl::StatusOr<std::unique_ptr<LogClient>> MakeLogClient(const v1::FollowedLog& log) {
  std::unique_ptr<LogClient> grpc_client;
  if (!log.grpc_address().empty()) {
    auto channel = LogChannel(log);
    if (!channel.ok()) return channel.status();
    grpc_client = std::make_unique<GrpcLogClient>(*std::move(channel));
  }
  if (log.tiles_url().empty()) return grpc_client;
  // Tiles for everything they carry; gRPC, when configured, only for what
  // they do not (the announced max epoch age), so the follower's reads never
  // reach the log server.
  TilesLogClientOptions o;
  o.base_url = log.tiles_url();
  o.parameters.max_epoch_age_ms = log.max_epoch_age_ms();
  o.info = std::move(grpc_client);
  auto tiles = TilesLogClient::Create(std::move(o));
  if (!tiles.ok()) return tiles.status();
  return std::unique_ptr<LogClient>(*std::move(tiles));
}

absl::Status ClaimDataDir(const std::string& dir, const std::string& record,
                          const std::string& identity, const std::string& what) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    // Said as it is (EACCES used to surface later as "No such file").
    return absl::FailedPreconditionError(absl::StrCat("can't create ", dir, ": ", ec.message()));
  }
  const std::string& path = record;
  const std::string want = absl::StrCat(what, " ", identity, "\n");
  auto have = ReadFileToString(path, 4096);
  if (have.ok()) {
    if (*have == want) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat(dir, " belongs to another ", what, " (", path, ": ",
                     absl::StripTrailingAsciiWhitespace(*have), "); this one is ", identity,
                     ": give it its own directory"));
  }
  if (!absl::IsNotFound(have.status())) return have.status();
  // A directory from before this record (or a new one): claimed now.
  return WriteFileDurably(path, want);
}

absl::StatusOr<std::unique_ptr<Monitor>> Monitor::Start(MonitorOptions options) {
  auto m = std::unique_ptr<Monitor>(new Monitor(std::move(options)));
  Monitor* self = m.get();
  m->storage_health_ = std::make_unique<StorageHealth>([self](bool healthy) {
    absl::MutexLock lock(&self->health_mu_);
    self->storage_ok_ = healthy;
    self->SetServing();
  });
  const v1::MonitorConfig& config = m->options_.config;
  if (!config.cosigner_key_file().empty()) {
    absl::Status mode =
        CheckSecretFileMode(config.cosigner_key_file(), m->options_.allow_insecure_key_permissions);
    if (!mode.ok()) return mode;
    auto key = LoadCosignatureSigner(config.cosigner_key_file());
    if (!key.ok()) return key.status();
    m->cosigner_.emplace(*std::move(key));
    for (const v1::Peer& peer : config.peers()) {
      auto peer_key = note::ParseCosignatureVerifierKey(peer.cosigner_key());
      if (peer_key.ok() && peer_key->VerifierKey() == m->cosigner_->Verifier().VerifierKey()) {
        return absl::InvalidArgumentError(
            absl::StrCat("peer ", peer.name(),
                         " has this monitor's own cosigner key: gossip with itself "
                         "proves nothing"));
      }
    }
  }
  absl::Status owned = ClaimDataDir(
      config.data_dir(), config.data_dir() + "/OWNER",
      m->cosigner_.has_value() ? m->cosigner_->Verifier().VerifierKey() : std::string("none"),
      "cosigner key");
  if (!owned.ok()) return owned;
  for (const v1::FollowedLog& log : config.logs()) {
    FollowerOptions o = m->options_.follower;
    o.log = log;
    o.db_dir = LogDbDir(config.data_dir(), log.origin());
    o.evidence_dir = config.data_dir() + "/evidence";
    o.storage_health = m->storage_health_.get();
    // The same origin under another key (a new log, or a key rotation the
    // operator must decide on) would never verify against what is stored.
    // (Beside the database, not in RocksDB's own directory.)
    absl::Status log_owned =
        ClaimDataDir(o.db_dir, o.db_dir + ".owner", log.note_verifier_key(), "log key");
    if (!log_owned.ok()) {
      return absl::Status(log_owned.code(), absl::StrCat(log.origin(), ": ", log_owned.message()));
    }
    auto client = MakeLogClient(log);
    if (!client.ok()) return client.status();
    auto follower = Follower::Create(std::move(o), *std::move(client));
    if (!follower.ok()) {
      return absl::Status(follower.status().code(),
                          absl::StrCat(log.origin(), ": ", follower.status().message()));
    }
    m->followers_.push_back(*std::move(follower));
  }
  m->service_ = std::make_unique<StatusService>([self] { return self->Status(); });
  auto budget = ConnectionDescriptorBudget(m->options_.grpc_max_connections);
  if (!budget.ok()) return budget.status();
  const std::string listen = config.grpc_listen().empty() ? "localhost:8091" : config.grpc_listen();
  auto listener = Listener::Open(listen, "grpc_listen", "--grpc_max_connections");
  if (!listener.ok()) return listener.status();
  m->listener_ = *std::move(listener);
  m->grpc_port_ = m->listener_->port();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  // gRPC does not listen itself (core/net/listener.h): it gets each
  // connection our loop accepts.
  m->acceptor_ = builder.experimental().AddExternalConnectionAcceptor(
      grpc::ServerBuilder::experimental_type::ExternalConnectionType::FROM_FD,
      grpc::InsecureServerCredentials());
  builder.RegisterService(m->service_.get());
  m->server_ = builder.BuildAndStart();
  if (m->server_ == nullptr) {
    return absl::UnavailableError(absl::StrCat("can't start the gRPC server on ", listen));
  }
  {
    absl::MutexLock lock(&m->health_mu_);
    m->health_service_ = m->server_->GetHealthCheckService();
    m->SetServing();
  }
  grpc::experimental::ExternalConnectionAcceptor* acceptor = m->acceptor_.get();
  m->listener_->Start(
      [acceptor](int fd) {
        grpc::experimental::ExternalConnectionAcceptor::NewConnectionParameters p;
        p.listener_fd = -1;
        p.fd = fd;
        acceptor->HandleNewConnection(&p);
      },
      budget->max_fd,
      [self](bool failing) {
        absl::MutexLock lock(&self->health_mu_);
        self->listener_failing_ = failing;
        self->SetServing();
      });
  for (auto& f : m->followers_) f->Start();
  std::vector<GossipLog> gossip_logs;
  for (auto& f : m->followers_) {
    Follower* follower = f.get();
    gossip_logs.push_back(GossipLog{follower->origin(), &follower->verifier(),
                                    [follower](const std::string& note, const std::string& peer) {
                                      follower->OfferPeerCheckpoint(note, peer);
                                    }});
  }
  auto gossip = Gossip::Create(config.peers(), std::move(gossip_logs), m->options_.gossip);
  if (!gossip.ok()) return gossip.status();
  m->gossip_ = *std::move(gossip);
  m->gossip_->Start();
  if (config.peers_size() > 0) LogInfo("gossip: polling %d peer(s)", config.peers_size());
  if (m->cosigner_.has_value() && !config.http_listen().empty()) {
    std::string http_host;
    int http_port = 0;
    absl::Status parsed =
        SplitHostPort("http_listen", config.http_listen(), &http_host, &http_port);
    if (!parsed.ok()) return parsed;
    auto store = WitnessStore::Open(config.data_dir() + "/witness", m->storage_health_.get(),
                                    m->options_.witness_env);
    if (!store.ok()) return store.status();
    m->witness_store_ = *std::move(store);
    m->witness_ = std::make_unique<Witness>(self, m->witness_store_.get(), *m->cosigner_);
    m->http_ = std::make_unique<WitnessHttpServer>(
        m->witness_.get(), [self] { return self->MetricsText(); }, m->options_.http);
    m->http_->SetStatusPage([self] { return self->StatusPage(); },
                            [self](const std::string& name, std::string* bytes) {
                              return FindEvidence(self->Status(), name, bytes);
                            });
    absl::Status s = m->http_->Start(http_host, http_port);
    if (!s.ok()) return s;
    m->witness_retry_ = std::thread([self] { self->RetryWitnessStorage(); });
    LogInfo("witness: cosigning audited checkpoints as %s on HTTP port %d", m->cosigner_->name(),
            m->http_->port());
  }
  LogInfo("monitoring %d log(s); status on port %d (up to %d descriptors, ulimit -n %d)%s",
          m->followers_.size(), m->grpc_port_, budget->max_fd, budget->fd_limit,
          m->cosigner_.has_value() ? absl::StrCat("; cosigner ", m->cosigner_->name()) : "");
  return m;
}

Monitor::~Monitor() { Shutdown(); }

std::string Monitor::StatusPage() const {
  StatusPageInput in;
  if (cosigner_.has_value()) {
    in.cosigner_name = cosigner_->name();
    in.cosigner_key = cosigner_->VerifierKey();
  }
  in.status = Status();
  if (witness_ != nullptr) in.cosignatures_issued = witness_->cosignatures_issued();
  if (gossip_ != nullptr) {
    for (const Gossip::PeerReport& p : gossip_->Peers()) {
      in.peers.push_back(
          PeerView{p.name, p.url, p.checkpoints, p.last_success, p.failing, p.last_error});
    }
  }
  in.now = absl::Now();
  return RenderStatusPage(in);
}

int Monitor::http_port() const { return http_ == nullptr ? 0 : http_->port(); }

void Monitor::SetServing() {
  if (health_service_ != nullptr) {
    health_service_->SetServingStatus(storage_ok_ && !listener_failing_ && !stopping_);
  }
}

void Monitor::RetryWitnessStorage() {
  absl::Duration wait = options_.follower.storage_retry_min;
  std::unique_lock<std::mutex> lock(retry_mu_);
  for (;;) {
    retry_cv_.wait_for(lock, absl::ToChronoMilliseconds(wait), [this] { return retry_stop_; });
    if (retry_stop_) return;
    if (!storage_health_->failing(kWitnessDatabase)) {
      wait = options_.follower.storage_retry_min;
      continue;
    }
    // Reported to storage_health_ by the store: SERVING again (and one log
    // line) once it works.
    if (witness_store_->ProbeWrite().ok()) {
      wait = options_.follower.storage_retry_min;
    } else {
      wait = std::min(wait * 2, options_.follower.storage_retry_max);
    }
  }
}

void Monitor::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  {
    std::lock_guard<std::mutex> lock(retry_mu_);
    retry_stop_ = true;
  }
  retry_cv_.notify_all();
  if (witness_retry_.joinable()) witness_retry_.join();
  if (gossip_ != nullptr) gossip_->Stop();
  if (http_ != nullptr) http_->Stop();
  if (listener_ != nullptr) listener_->Stop();  // it feeds the server
  if (server_ != nullptr) {
    {
      absl::MutexLock lock(&health_mu_);
      stopping_ = true;
      SetServing();
      health_service_ = nullptr;
    }
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    server_->Wait();
  }
  for (auto& f : followers_) f->Stop();
  LogInfo("stopped");
}

Follower* Monitor::Find(absl::string_view origin) const {
  for (const auto& f : followers_) {
    if (f->origin() == origin) return f.get();
  }
  return nullptr;
}

const note::NoteVerifier* Monitor::LogVerifier(absl::string_view origin) const {
  Follower* f = Find(origin);
  return f == nullptr ? nullptr : &f->verifier();
}

absl::Status Monitor::CheckAudited(absl::string_view origin, absl::string_view signed_note,
                                   const note::Checkpoint& checkpoint, absl::Time deadline) {
  Follower* f = Find(origin);
  if (f == nullptr) return absl::NotFoundError(absl::StrCat("not following ", origin));
  return f->CheckAudited(signed_note, checkpoint, deadline);
}

absl::Status Monitor::Observe(absl::string_view origin, absl::string_view signed_note,
                              const note::Checkpoint& checkpoint, uint64_t old_size,
                              absl::Span<const Hash> proof) {
  Follower* f = Find(origin);
  if (f == nullptr) return absl::NotFoundError(absl::StrCat("not following ", origin));
  return f->Observe(signed_note, checkpoint, old_size, proof);
}

v1::GetStatusResponse Monitor::Status() const {
  v1::GetStatusResponse out;
  for (const auto& f : followers_) *out.add_logs() = f->Status();
  {
    absl::MutexLock lock(&health_mu_);
    out.set_serving(storage_ok_ && !listener_failing_ && !stopping_);
  }
  for (const StoragePartStatus& part : storage_health_->Parts()) {
    v1::StorageStatus* db = out.add_storage();
    db->set_database(part.part);
    db->set_failing(part.failing);
    db->set_error(part.error);
    if (part.failing) {
      db->set_failing_since_ms(static_cast<uint64_t>(absl::ToUnixMillis(part.failing_since)));
    }
    db->set_failed_writes(part.failed_writes);
  }
  return out;
}

std::string Monitor::MetricsText() const {
  std::string out = RenderMetrics(Status());
  if (gossip_ != nullptr) out += gossip_->MetricsText();
  return out;
}

}  // namespace keytrail::monitor
