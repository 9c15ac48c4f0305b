#include "log_server/log_server.h"

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
#include "core/protocol/limits.h"
#include "core/replica/private_bundle.h"
#include "core/storage/log_tiles.h"
#include "core/tiles/directory_store.h"
#include "core/util/file.h"
#include "core/util/logging.h"
#include "grpcpp/grpcpp.h"
#include "log_server/cache_warmer.h"
#include "log_server/cosignature_collector.h"
#include "log_server/epoch_builder.h"
#include "log_server/grpc_front.h"
#include "log_server/log_queries.h"
#include "log_server/log_service.h"
#include "log_server/log_storage.h"
#include "log_server/tile_publisher.h"
#include "log_server/tiles_http.h"
#include "log_server/update_preparer.h"
#include "log_server/write_auth.h"

namespace keytrail {

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
  std::unique_ptr<Sequencer> sequencer;
  std::unique_ptr<VrfProofCache> proof_cache;
  std::unique_ptr<LogQueries> queries;
  // Outlives the service and the gRPC server, whose calls it finishes.
  std::unique_ptr<ProofScheduler> proof_scheduler;
  std::unique_ptr<LogService> service;
  // The listener, gRPC and health: stopped first (Shutdown says in which
  // steps); the sequencer and the publisher report health to it only
  // until they are stopped.
  std::unique_ptr<GrpcFront> front;
  bool shut_down = false;
  // The start-up block cache warm-up (warm_cache_bytes): stopped and joined
  // first at Shutdown, while the storage it reads is open.
  std::unique_ptr<CacheWarmer> warmer;
};

namespace {

// Starts collecting cosignatures from o.monitors, if any: `published`'s
// every new state is pushed to them and `served` gets the state reads
// answer with.
absl::Status StartCollector(const LogServerOptions& o, LogServer::Parts& parts);

// Opens the tile store and makes the publisher (started later, once health
// reporting exists).
absl::Status MakeTilePublisher(const LogServerOptions& o, const std::string& origin,
                               LogServer::Parts& parts);

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

GrpcFrontOptions FrontOptions(const LogServerOptions& o) {
  GrpcFrontOptions front;
  front.listen_address = o.listen_address;
  front.tls_cert_file = o.tls_cert_file;
  front.tls_key_file = o.tls_key_file;
  front.tls_client_ca_file = o.tls_client_ca_file;
  front.max_connections = o.max_connections;
  return front;
}

}  // namespace

LogServer::LogServer(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

LogServer::~LogServer() { Shutdown(absl::Seconds(1)); }

int LogServer::port() const { return parts_->front->port(); }

int LogServer::tiles_port() const {
  return parts_->tiles_http != nullptr ? parts_->tiles_http->port() : 0;
}

bool LogServer::WaitForWarmCache(absl::Duration timeout) const {
  return parts_->warmer->Wait(timeout);
}

std::string LogServer::TileMetrics() const {
  return parts_->publisher != nullptr ? parts_->publisher->Metrics() : "";
}

absl::StatusOr<std::unique_ptr<LogServer>> LogServer::Start(const LogServerOptions& o) {
  absl::Time start = absl::Now();
  QuietGrpcLogging();
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
  const GrpcFrontOptions front = FrontOptions(o);
  absl::Status tls = GrpcFront::CheckOptions(front);
  if (!tls.ok()) return tls;

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
  const LogIdentity info =
      IdentityOf(config, o.sequencer.epoch_interval, o.sequencer.max_epoch_age);
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

  auto started = GrpcFront::Start(front, parts->service.get());
  if (!started.ok()) return started.status();
  parts->front = *std::move(started);
  GrpcFront* health = parts->front.get();
  // While commits fail (a full disk) the server is not healthy; the
  // sequencer retries.
  parts->sequencer->OnStorageHealth([health](bool ok) { health->SetOk("storage", ok); });
  if (parts->publisher != nullptr) parts->publisher->Start();
  parts->sequencer->Start();

  auto state = parts->published.Get();
  LogInfo(
      "serving origin %s on port %d: epoch %d, tree size %d, %d accounts; "
      "up to %d descriptors (ulimit -n %d); started in %.0f ms",
      config.origin, parts->front->port(), state->log.epoch, state->log.tree_size, state->map_size,
      parts->front->max_fd(), parts->front->fd_limit(),
      absl::ToDoubleMilliseconds(absl::Now() - start));
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
  ForwardGrpcErrors();
  parts->warmer = std::make_unique<CacheWarmer>(
      *parts->storage, std::min<uint64_t>(o.warm_cache_bytes, o.block_cache_bytes));
  parts->warmer->Start();
  return std::unique_ptr<LogServer>(new LogServer(std::move(parts)));
}

void LogServer::Shutdown(absl::Duration grace) {
  if (parts_ == nullptr || parts_->shut_down) return;
  parts_->shut_down = true;
  parts_->warmer->Stop();
  parts_->front->StopAccepting();
  if (parts_->tiles_http != nullptr) parts_->tiles_http->Stop();
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
  parts_->front->Shutdown(absl::Now() + std::min(grace, absl::Seconds(1)));
  // The last epoch's tiles, if the store lets us quickly; the rest is
  // published after the next start.
  if (parts_->publisher != nullptr) {
    parts_->publisher->Stop(std::min(grace, absl::Seconds(2)));
  }
  if (parts_->collector != nullptr) parts_->collector->Stop();
  parts_->front->Wait();
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
  LogServer::Parts* all = &parts;  // collector and front exist before Start
  p.on_tiles_written = [all](const std::shared_ptr<const PublishedState>& s) {
    if (all->collector != nullptr) all->collector->AllowPush(s);
  };
  p.on_health = [all](bool ok) {
    if (all->front != nullptr) all->front->SetTilesOk(ok);
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
