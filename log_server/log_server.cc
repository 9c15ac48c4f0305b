#include "log_server/log_server.h"

#include <grpc/support/log.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "core/crypto/ecvrf.h"
#include "core/keys/keys.h"
#include "core/merkle/proof_builder.h"
#include "core/net/listener.h"
#include "core/protocol/limits.h"
#include "core/replica/private_bundle.h"
#include "core/storage/log_tiles.h"
#include "core/tiles/directory_store.h"
#include "core/util/file.h"
#include "core/util/logging.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "log_server/cosignature_collector.h"
#include "log_server/epoch_builder.h"
#include "log_server/log_queries.h"
#include "log_server/log_service.h"
#include "log_server/log_storage.h"
#include "log_server/tile_publisher.h"
#include "log_server/tiles_http.h"
#include "log_server/update_preparer.h"
#include "log_server/write_auth.h"

namespace keytrail {
namespace {

// gRPC health is SERVING only while the listener accepts connections,
// commits work and the server is not shutting down, so load balancers and
// supervisors stop sending traffic when any of them fails.
class HealthGate {
 public:
  explicit HealthGate(grpc::HealthCheckServiceInterface* health) : health_(health) { Update(); }
  void SetListenerFailing(bool failing) {
    absl::MutexLock lock(&mu_);
    listener_failing_ = failing;
    Update();
  }
  void SetStorageOk(bool ok) {
    absl::MutexLock lock(&mu_);
    storage_ok_ = ok;
    Update();
  }
  // Tile publication has a service of its own: a tile store outage delays
  // publication but must not take the log out of its load balancer.
  void SetTilesOk(bool ok) {
    absl::MutexLock lock(&mu_);
    tiles_ok_ = ok;
    Update();
  }
  static constexpr char kTilesService[] = "keytrail.v1.TilePublication";
  // NOT_SERVING for good; later calls change nothing.
  void ShutDown() {
    absl::MutexLock lock(&mu_);
    shut_down_ = true;
    Update();
    health_ = nullptr;
  }

 private:
  void Update() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (health_ != nullptr) {
      health_->SetServingStatus(!listener_failing_ && storage_ok_ && !shut_down_);
      health_->SetServingStatus(kTilesService, tiles_ok_ && !shut_down_);
    }
  }
  absl::Mutex mu_;
  grpc::HealthCheckServiceInterface* health_ ABSL_GUARDED_BY(mu_);
  bool listener_failing_ ABSL_GUARDED_BY(mu_) = false;
  bool storage_ok_ ABSL_GUARDED_BY(mu_) = true;
  bool tiles_ok_ ABSL_GUARDED_BY(mu_) = true;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

// Declaration order is destruction order reversed: the gRPC server goes
// first, then the sequencer (which commits what is queued), then storage.
struct LogServer::Parts {
  std::unique_ptr<LogStorage> storage;
  std::unique_ptr<VrfPrivateKey> vrf_key;
  StateHolder published;
  StateHolder served;  // what reads answer with when monitors are configured
  // Hears of every published and served state; outlives the sequencer and
  // the collector, which publish them, and the queries, which read it.
  std::unique_ptr<EpochContexts> contexts;
  // Outlives the sequencer, whose last epoch at Stop it still hears of.
  std::unique_ptr<CosignatureCollector> collector;
  // Outlives the sequencer (whose last epoch it still publishes); goes
  // before the collector, to which it hands states to push.
  std::shared_ptr<tiles::TileStore> tile_store;
  std::shared_ptr<tiles::TileStore> private_store;  // with a replica key only
  std::unique_ptr<TilePublisher> publisher;
  std::unique_ptr<TilesHttpServer> tiles_http;  // reads the store and the publisher
  std::unique_ptr<WriteAuthorizer> auth;
  std::unique_ptr<UpdatePreparer> preparer;
  // Outlives the sequencer and the listener, which report to it.
  std::unique_ptr<HealthGate> health;
  std::unique_ptr<Sequencer> sequencer;
  std::unique_ptr<VrfProofCache> proof_cache;
  std::unique_ptr<LogQueries> queries;
  // Outlives the service and the gRPC server, whose calls it finishes.
  std::unique_ptr<ProofScheduler> proof_scheduler;
  std::unique_ptr<LogService> service;
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<Listener> listener;  // stopped first: it feeds the server
  int port = 0;
  bool shut_down = false;
  // The start-up block cache warm-up (warm_cache_bytes): stopped and joined
  // first at Shutdown, while the storage it reads is open.
  std::atomic<bool> stop_warming{false};
  absl::Notification cache_warm;
  std::thread warmer;
};

namespace {

// gRPC's own log lines: while the server starts, our one line per failure
// says what went wrong, so gRPC's are dropped; once it serves, gRPC's errors
// go to our log, one line each ("grpc: ..."). GRPC_VERBOSITY, if set, still
// chooses what gRPC emits.
std::atomic<bool> g_grpc_log_quiet{true};

void ForwardGrpcLog(gpr_log_func_args* args) {
  if (g_grpc_log_quiet.load() || args->severity != GPR_LOG_SEVERITY_ERROR) return;
  LogLine(LogLevel::kError, absl::StrCat("grpc: ", args->message));
}

void TakeOverGrpcLogging() {
  static const bool done = [] {
    if (std::getenv("GRPC_VERBOSITY") == nullptr) {
      gpr_set_log_verbosity(GPR_LOG_SEVERITY_ERROR);
    }
    gpr_set_log_function(ForwardGrpcLog);
    return true;
  }();
  (void)done;
}

// Reads a PEM file and checks it holds a PEM block of `kind` (e.g.
// "CERTIFICATE", or "PRIVATE KEY" for any "-----BEGIN ... PRIVATE KEY-----"),
// so a wrong file gets our one clear line instead of a TLS library error.
absl::StatusOr<std::string> ReadPemFile(const std::string& path, absl::string_view flag,
                                        absl::string_view kind) {
  // A certificate chain or a private key: a few KiB; the cap refuses a wrong path.
  absl::StatusOr<std::string> read = ReadFileToString(path, 1 << 20, FileKind::kSecret);
  if (!read.ok()) {
    return absl::Status(read.status().code(), absl::StrCat(flag, ": ", read.status().message()));
  }
  std::string pem = *std::move(read);
  const size_t begin = pem.find("-----BEGIN ");
  const size_t end_of_label = begin == std::string::npos ? begin : pem.find("-----", begin + 11);
  const bool found =
      end_of_label != std::string::npos &&
      absl::string_view(pem).substr(begin + 11, end_of_label - begin - 11).find(kind) !=
          absl::string_view::npos &&
      pem.find("-----END ", end_of_label) != std::string::npos;
  if (!found) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", path, " is not a PEM file holding a ", kind));
  }
  return pem;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ListenerCredentials(
    const LogServerOptions& o) {
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    return absl::InvalidArgumentError("--tls_cert_file and --tls_key_file go together");
  }
  if (o.tls_cert_file.empty()) {
    if (!o.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError("--tls_client_ca_file needs --tls_cert_file");
    }
    return grpc::InsecureServerCredentials();
  }
  grpc::SslServerCredentialsOptions ssl;
  auto cert = ReadPemFile(o.tls_cert_file, "--tls_cert_file", "CERTIFICATE");
  if (!cert.ok()) return cert.status();
  auto key = ReadPemFile(o.tls_key_file, "--tls_key_file", "PRIVATE KEY");
  if (!key.ok()) return key.status();
  ssl.pem_key_cert_pairs.push_back({*key, *cert});
  if (!o.tls_client_ca_file.empty()) {
    auto ca = ReadPemFile(o.tls_client_ca_file, "--tls_client_ca_file", "CERTIFICATE");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
    // Ask every client for a certificate, verify it when given, but let
    // readers connect without one.
    ssl.client_certificate_request = GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

// Starts collecting cosignatures from o.monitors, if any: `published`'s
// every new state is pushed to them and `served` gets the state reads
// answer with.
absl::Status StartCollector(const LogServerOptions& o, LogServer::Parts& parts);

// Opens the tile store and makes the publisher (started later, once health
// reporting exists).
absl::Status MakeTilePublisher(const LogServerOptions& o, const std::string& origin,
                               LogServer::Parts& parts);

// Starts the block cache warm-up (LogServerOptions::warm_cache_bytes) on a
// thread of its own; with none, marks the cache warm at once.
void StartCacheWarmer(const LogServerOptions& o, LogServer::Parts& parts);

// Private key and token files must not be readable by group or others:
// refused (one line naming the file and its mode) unless the operator says
// otherwise, then only warned about (core/keys: the rule the monitor and the
// keytrail tool apply too). A file that can't be looked at is left to its
// loader, which names it in its own error.
absl::Status CheckSecretFileModes(const LogServerOptions& o) {
  for (const std::string* path :
       {&o.note_key_file, &o.vrf_key_file, &o.write_token_file, &o.tls_key_file}) {
    if (path->empty()) continue;
    absl::Status mode = CheckSecretFileMode(*path, o.allow_insecure_key_permissions);
    if (mode.code() == absl::StatusCode::kFailedPrecondition) return mode;
  }
  return absl::OkStatus();
}

}  // namespace

LogServer::LogServer(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

LogServer::~LogServer() { Shutdown(absl::Seconds(1)); }

int LogServer::port() const { return parts_->port; }

int LogServer::tiles_port() const {
  return parts_->tiles_http != nullptr ? parts_->tiles_http->port() : 0;
}

bool LogServer::WaitForWarmCache(absl::Duration timeout) const {
  return parts_->cache_warm.WaitForNotificationWithTimeout(timeout);
}

std::string LogServer::TileMetrics() const {
  return parts_->publisher != nullptr ? parts_->publisher->Metrics() : "";
}

absl::StatusOr<std::unique_ptr<LogServer>> LogServer::Start(const LogServerOptions& o) {
  absl::Time start = absl::Now();
  TakeOverGrpcLogging();
  g_grpc_log_quiet.store(true);
  if (o.data_dir.empty()) return absl::InvalidArgumentError("--data_dir is required");
  if (o.note_key_file.empty()) return absl::InvalidArgumentError("--note_key is required");
  if (o.vrf_key_file.empty()) return absl::InvalidArgumentError("--vrf_key is required");
  absl::Status modes = CheckSecretFileModes(o);
  if (!modes.ok()) return modes;

  auto signer = LoadNoteSigner(o.note_key_file);
  if (!signer.ok()) return signer.status();
  if (!o.origin.empty() && o.origin != signer->name()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--origin \"", o.origin, "\" differs from the note key's name \"", signer->name(), "\" in ",
        o.note_key_file, " (the checkpoint origin is the key name)"));
  }
  auto vrf_key = LoadVrfPrivateKey(o.vrf_key_file);
  if (!vrf_key.ok()) return vrf_key.status();
  auto credentials = ListenerCredentials(o);
  if (!credentials.ok()) return credentials.status();

  auto parts = std::make_unique<Parts>();
  auto auth = WriteAuthorizer::Create(o.write_token_file, !o.tls_client_ca_file.empty());
  if (!auth.ok()) return auth.status();
  parts->auth = std::make_unique<WriteAuthorizer>(*std::move(auth));
  parts->vrf_key = std::make_unique<VrfPrivateKey>(*std::move(vrf_key));

  auto storage =
      LogStorage::Open(o.data_dir, o.block_cache_bytes, nullptr, o.pin_index_and_filter_blocks);
  if (!storage.ok()) return storage.status();
  parts->storage = *std::move(storage);
  // A data directory from before the account_ids records gets them once
  // (the private epoch bundles for replicas need them: docs/REPLICAS.md).
  auto backfilled = parts->storage->BackfillAccountIds();
  if (!backfilled.ok()) return backfilled.status();
  if (*backfilled > 0) {
    LogInfo("wrote the account_ids records of %d accounts created before they existed",
            *backfilled);
  }

  LogConfig config;
  config.origin = signer->name();
  config.note_verifier_key = signer->VerifierKey();
  config.vrf_public_key = parts->vrf_key->public_key().bytes();
  auto builder = EpochBuilder::Open(parts->storage.get(), config, *signer, [] {
    return static_cast<uint64_t>(absl::ToUnixMillis(absl::Now()));
  });
  if (!builder.ok()) return builder.status();

  parts->preparer =
      std::make_unique<UpdatePreparer>(*parts->storage, *parts->vrf_key, parts->published);
  parts->sequencer =
      std::make_unique<Sequencer>(*std::move(builder), o.sequencer, &parts->published);
  LogIdentity info;
  info.origin = config.origin;
  info.note_verifier_key = config.note_verifier_key;
  info.vrf_public_key = config.vrf_public_key;
  info.epoch_interval_ms = absl::ToInt64Milliseconds(o.sequencer.epoch_interval);
  info.max_epoch_age_ms = absl::ToInt64Milliseconds(o.sequencer.max_epoch_age);
  // Lookup contexts for every state reads may answer from: the newest
  // (published) and, with monitors, the cosigned one (served), which
  // shares the snapshot of a published one and so its context.
  parts->contexts = std::make_unique<EpochContexts>(*parts->storage, o.lookup_context);
  EpochContexts* contexts = parts->contexts.get();
  auto build_context = [contexts](const std::shared_ptr<const PublishedState>& s) {
    contexts->Publish(s);
  };
  contexts->Publish(parts->published.Get());
  parts->published.OnSet(build_context);
  parts->served.OnSet(build_context);
  absl::Status publishing = MakeTilePublisher(o, config.origin, *parts);
  if (!publishing.ok()) return publishing;
  absl::Status collecting = StartCollector(o, *parts);
  if (!collecting.ok()) return collecting;
  // Every committed epoch goes to the collector (what reads serve) and to
  // the publisher (which hands it to the collector to push once its tiles
  // are out).
  {
    CosignatureCollector* collector = parts->collector.get();
    TilePublisher* publisher = parts->publisher.get();
    if (publisher != nullptr) publisher->Publish(parts->published.Get());
    if (collector != nullptr || publisher != nullptr) {
      parts->published.OnSet(
          [collector, publisher](const std::shared_ptr<const PublishedState>& s) {
            if (collector != nullptr) collector->Publish(s);
            if (publisher != nullptr) publisher->Publish(s);
          });
    }
  }
  parts->proof_cache = std::make_unique<VrfProofCache>(o.vrf_proof_cache_entries);
  parts->queries =
      std::make_unique<LogQueries>(*parts->storage, parts->published, *parts->vrf_key, info,
                                   parts->collector != nullptr ? &parts->served : nullptr,
                                   parts->proof_cache.get(), parts->contexts.get());
  if (o.limit_vrf_proofs) {
    parts->proof_scheduler = std::make_unique<ProofScheduler>(o.vrf_proofs);
  }
  parts->service = std::make_unique<LogService>(*parts->auth, *parts->preparer, *parts->sequencer,
                                                *parts->queries, parts->proof_scheduler.get());

  // Descriptors: as many as the hard limit allows; a reserve stays free for
  // RocksDB, gRPC's internals and the log itself, and connections beyond it
  // (or beyond --max_connections) are shed by the listener.
  auto budget = ConnectionDescriptorBudget(o.max_connections);
  if (!budget.ok()) return budget.status();
  const int fd_limit = budget->fd_limit;
  const int max_fd = budget->max_fd;
  auto listener = Listener::Open(o.listen_address);
  if (!listener.ok()) return listener.status();
  parts->listener = *std::move(listener);
  parts->port = parts->listener->port();

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder_grpc;
  // gRPC does not listen itself (see listener.h): it gets each connection
  // the listener accepts, and does TLS on it with `credentials`.
  parts->acceptor = builder_grpc.experimental().AddExternalConnectionAcceptor(
      grpc::ServerBuilder::experimental_type::ExternalConnectionType::FROM_FD, *credentials);
  builder_grpc.RegisterService(parts->service.get());
  builder_grpc.SetMaxReceiveMessageSize(static_cast<int>(kMaxRequestBytes));
  parts->server = builder_grpc.BuildAndStart();
  if (parts->server == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("can't start the gRPC server on ", o.listen_address,
                     o.tls_cert_file.empty() ? "" : " (do the TLS certificate and key match?)"));
  }
  parts->health = std::make_unique<HealthGate>(parts->server->GetHealthCheckService());
  grpc::experimental::ExternalConnectionAcceptor* acceptor = parts->acceptor.get();
  HealthGate* health = parts->health.get();
  const int listen_fd = -1;
  parts->listener->Start(
      [acceptor, listen_fd](int fd) {
        grpc::experimental::ExternalConnectionAcceptor::NewConnectionParameters p;
        p.listener_fd = listen_fd;
        p.fd = fd;
        acceptor->HandleNewConnection(&p);
      },
      max_fd,
      // While connections can't be accepted the server is not healthy, so
      // load balancers and supervisors stop sending it traffic.
      [health](bool failing) { health->SetListenerFailing(failing); });
  // While commits fail (a full disk) likewise; the sequencer retries.
  parts->sequencer->OnStorageHealth([health](bool ok) { health->SetStorageOk(ok); });
  if (parts->publisher != nullptr) parts->publisher->Start();
  parts->sequencer->Start();

  auto state = parts->published.Get();
  LogInfo(
      "serving origin %s on port %d: epoch %d, tree size %d, %d accounts; "
      "up to %d descriptors (ulimit -n %d); started in %.0f ms",
      config.origin, parts->port, state->log.epoch, state->log.tree_size, state->map_size, max_fd,
      fd_limit, absl::ToDoubleMilliseconds(absl::Now() - start));
  if (parts->proof_scheduler != nullptr) {
    LogInfo(
        "absent-account reads: %d VRF workers (nice +%d), at most %d per client, "
        "%d waiting, %s wait; VRF proof cache of %d entries",
        parts->proof_scheduler->workers(), o.vrf_proofs.worker_nice, o.vrf_proofs.max_per_client,
        o.vrf_proofs.max_queued, absl::FormatDuration(o.vrf_proofs.max_wait),
        o.vrf_proof_cache_entries);
  } else {
    LogWarning(
        "absent-account reads are not limited (--limit_vrf_proofs=false); "
        "VRF proof cache of %d entries",
        o.vrf_proof_cache_entries);
  }
  // Only once started: a failed start prints one line, its reason.
  if (parts->publisher != nullptr) {
    LogInfo("publishing tlog tiles to %s%s", parts->tile_store->Describe(),
            parts->tiles_http != nullptr
                ? absl::StrCat("; serving them over HTTP on port ", parts->tiles_http->port())
                : std::string());
    if (parts->private_store != nullptr) {
      LogInfo("publishing private epoch bundles for replicas to %s",
              parts->private_store->Describe());
    }
  }
  g_grpc_log_quiet.store(false);
  StartCacheWarmer(o, *parts);
  return std::unique_ptr<LogServer>(new LogServer(std::move(parts)));
}

void LogServer::Shutdown(absl::Duration grace) {
  if (parts_ == nullptr || parts_->shut_down) return;
  parts_->shut_down = true;
  parts_->stop_warming.store(true);
  if (parts_->warmer.joinable()) parts_->warmer.join();
  parts_->listener->Stop();
  if (parts_->tiles_http != nullptr) parts_->tiles_http->Stop();
  parts_->health->ShutDown();
  // The sequencer first, while calls can still be answered: it refuses new
  // updates (UNAVAILABLE, nothing written), builds the last epoch from what
  // is queued and finishes each queued call with its real outcome. Stopping
  // gRPC first would cancel those calls at the grace deadline although the
  // epoch built afterwards commits them (issue 9, bug 5).
  parts_->sequencer->Stop();
  // Absent-account reads still queued are refused (UNAVAILABLE: retry
  // elsewhere) and those being proved finish, so every call is answered
  // before gRPC drains.
  if (parts_->proof_scheduler != nullptr) parts_->proof_scheduler->Stop();
  // What is left are answers on their way out: every read is computed
  // before its handler returns and every update has now been answered. They
  // get a short drain, not the whole grace: gRPC also waits for every
  // connection to close until the deadline, and an idle client's never does.
  parts_->server->Shutdown(std::chrono::system_clock::now() +
                           absl::ToChronoMilliseconds(std::min(grace, absl::Seconds(1))));
  // The last epoch's tiles, if the store lets us quickly; the rest is
  // published after the next start.
  if (parts_->publisher != nullptr) {
    parts_->publisher->Stop(std::min(grace, absl::Seconds(2)));
  }
  if (parts_->collector != nullptr) parts_->collector->Stop();
  parts_->server->Wait();
  LogInfo("stopped");
}

namespace {

absl::Status StartCollector(const LogServerOptions& o, LogServer::Parts& parts) {
  if (o.required_cosignatures > o.monitors.size()) {
    return absl::InvalidArgumentError(absl::StrCat("--required_cosignatures ",
                                                   o.required_cosignatures, " exceeds the ",
                                                   o.monitors.size(), " monitors configured"));
  }
  if (o.monitors.empty()) return absl::OkStatus();
  CollectorOptions c;
  for (const std::string& flag : o.monitors) {
    auto monitor = ParseMonitorFlag(flag);
    if (!monitor.ok()) return monitor.status();
    c.monitors.push_back(*std::move(monitor));
  }
  c.required_cosignatures = o.required_cosignatures;
  c.request_timeout = o.monitor_timeout;
  LogStorage* storage = parts.storage.get();
  auto proofs = [storage](const PublishedState& state,
                          uint64_t from) -> absl::StatusOr<std::vector<Hash>> {
    LogTileReader tiles = storage->Reader(state.snapshot.get()).LogTiles();
    return merkle::BuildConsistencyProof(from, state.log.tree_size, tiles);
  };
  auto persist = [storage](uint64_t epoch, const std::string& note) {
    EpochBatch batch(*storage);
    batch.PutCosigned(CosignedRecord{epoch, note});
    return storage->Commit(batch);
  };
  parts.collector =
      std::make_unique<CosignatureCollector>(std::move(c), &parts.served, proofs, persist);
  auto stored = storage->Reader(nullptr).GetCosigned();
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) parts.collector->Restore((*stored)->epoch, (*stored)->note);
  CosignatureCollector* collector = parts.collector.get();
  if (TilePublisher* publisher = parts.publisher.get()) {
    collector->GatePushes();
    collector->OnQualified(
        [publisher](uint64_t epoch, const std::string& note) { publisher->Cosigned(epoch, note); });
  }
  collector->Publish(parts.published.Get());
  collector->Start();
  LogInfo("pushing checkpoints to %d monitors; reads need %d cosignatures", o.monitors.size(),
          o.required_cosignatures);
  return absl::OkStatus();
}

void StartCacheWarmer(const LogServerOptions& o, LogServer::Parts& parts) {
  const uint64_t budget = std::min(o.warm_cache_bytes, o.block_cache_bytes);
  if (budget == 0) {
    parts.cache_warm.Notify();
    return;
  }
  LogServer::Parts* all = &parts;
  parts.warmer = std::thread([all, budget] {
    const absl::Time start = absl::Now();
    LogInfo("warming the block cache for lookups: up to %d MiB", budget >> 20);
    auto progress = [start](absl::string_view family, uint64_t bytes, uint64_t cache,
                            uint64_t pinned) {
      LogInfo(
          "block cache: read %s (%.1f MiB); cache holds %.1f MiB (%.1f MiB pinned) after %.1f s",
          family, bytes / 1048576.0, cache / 1048576.0, pinned / 1048576.0,
          absl::ToDoubleSeconds(absl::Now() - start));
    };
    auto read = all->storage->WarmLookupCache(budget, all->stop_warming, progress);
    if (!read.ok()) {
      // Lookups still work, reading what is not cached: worth a line, not a stop.
      LogWarning("block cache warm-up failed: %s", read.status().ToString());
    } else if (all->stop_warming.load()) {
      LogInfo("block cache warm-up stopped after %.1f MiB", *read / 1048576.0);
    } else {
      LogInfo("block cache warm: %.1f MiB read in %.1f s", *read / 1048576.0,
              absl::ToDoubleSeconds(absl::Now() - start));
    }
    all->cache_warm.Notify();
  });
}

absl::Status MakeTilePublisher(const LogServerOptions& o, const std::string& origin,
                               LogServer::Parts& parts) {
  const bool replicas = !o.replica_key_file.empty();
  if (!replicas && (!o.private_dir.empty() || o.private_store != nullptr)) {
    return absl::InvalidArgumentError("--private_dir needs --replica_key_file");
  }
  if (!o.publish_tiles) {
    if (!o.tiles_listen.empty()) {
      return absl::InvalidArgumentError("--tiles_listen needs --publish_tiles");
    }
    if (replicas) return absl::InvalidArgumentError("--replica_key_file needs --publish_tiles");
    return absl::OkStatus();
  }
  const std::string tiles_dir = o.tiles_dir.empty() ? o.data_dir + "/tiles" : o.tiles_dir;
  TilePublisherOptions p;
  if (replicas) {
    auto key = replica::ReplicaKey::FromFile(o.replica_key_file, o.allow_insecure_key_permissions);
    if (!key.ok()) {
      return absl::Status(key.status().code(),
                          absl::StrCat("--replica_key_file: ", key.status().message()));
    }
    p.replica_key = std::make_shared<const replica::ReplicaKey>(*std::move(key));
    p.origin = origin;
    parts.private_store = o.private_store;
    if (parts.private_store == nullptr) {
      const std::string dir = o.private_dir.empty() ? o.data_dir + "/private" : o.private_dir;
      // The tiles directory is public (served as it is): never put the
      // private bundles there.
      if (o.tile_store == nullptr && dir == tiles_dir) {
        return absl::InvalidArgumentError("--private_dir must not be the tiles directory");
      }
      auto store = tiles::DirectoryTileStore::Open(dir);
      if (!store.ok()) {
        return absl::Status(store.status().code(),
                            absl::StrCat("--private_dir: ", store.status().message()));
      }
      parts.private_store = *std::move(store);
    }
    p.private_store = parts.private_store.get();
  }
  parts.tile_store = o.tile_store;
  if (parts.tile_store == nullptr) {
    const std::string& dir = tiles_dir;
    auto store = tiles::DirectoryTileStore::Open(dir);
    if (!store.ok()) {
      return absl::Status(store.status().code(),
                          absl::StrCat("--tiles_dir: ", store.status().message()));
    }
    parts.tile_store = *std::move(store);
  }
  p.required_cosignatures = o.required_cosignatures;
  p.min_backoff = o.tiles_min_backoff;
  p.max_backoff = o.tiles_max_backoff;
  LogServer::Parts* all = &parts;  // collector and health exist before Start
  p.on_tiles_written = [all](const std::shared_ptr<const PublishedState>& s) {
    if (all->collector != nullptr) all->collector->AllowPush(s);
  };
  p.on_health = [all](bool ok) {
    if (all->health != nullptr) all->health->SetTilesOk(ok);
  };
  parts.publisher = std::make_unique<TilePublisher>(parts.storage.get(), parts.tile_store.get(), p);
  absl::Status restored = parts.publisher->Restore();
  if (!restored.ok()) return restored;
  if (!o.tiles_listen.empty()) {
    TilePublisher* publisher = parts.publisher.get();
    parts.tiles_http = std::make_unique<TilesHttpServer>(
        parts.tile_store.get(),
        [publisher] {
          // Tiles are served as soon as they are written, ahead of a
          // checkpoint that waits for cosignatures: a monitor following
          // from tiles audits the size it is pushed from them (as it would
          // from nginx serving the directory).
          const TilePublisherStatus s = publisher->status();
          return std::max(s.has_checkpoint ? s.checkpoint_size : uint64_t{0},
                          s.has_tiles ? s.tiles_size : uint64_t{0});
        },
        [publisher] { return publisher->Metrics(); });
    absl::Status serving = parts.tiles_http->Start(o.tiles_listen);
    if (!serving.ok()) return serving;
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace keytrail
