#include "log_server/replica_server.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/crypto/ecvrf.h"
#include "core/http/server.h"
#include "core/keys/keys.h"
#include "core/net/listener.h"
#include "core/replica/private_bundle.h"
#include "core/tiles/directory_store.h"
#include "core/util/logging.h"
#include "log_server/cache_warmer.h"
#include "log_server/epoch_replayer.h"
#include "log_server/grpc_front.h"
#include "log_server/log_queries.h"
#include "log_server/log_service.h"
#include "log_server/log_storage.h"
#include "log_server/published_state.h"
#include "log_server/replica_follower.h"

namespace keytrail {

// Declaration order is destruction order reversed: the follower stops
// first (it writes to storage and sets the state), then gRPC, then the
// queries and the storage they read.
struct ReplicaServer::Parts {
  std::unique_ptr<LogStorage> storage;
  std::unique_ptr<VrfPrivateKey> vrf_key;
  std::shared_ptr<tiles::TileStore> tile_store;
  std::shared_ptr<tiles::TileStore> private_store;
  StateHolder served;  // the newest verified checkpoint's state
  std::unique_ptr<EpochContexts> contexts;
  std::unique_ptr<EpochReplayer> replayer;
  std::unique_ptr<VrfProofCache> proof_cache;
  std::unique_ptr<LogQueries> queries;
  std::unique_ptr<ProofScheduler> proof_scheduler;
  std::unique_ptr<LogService> service;
  std::unique_ptr<GrpcFront> front;
  std::unique_ptr<http::Server> metrics;
  std::unique_ptr<ReplicaFollower> follower;
  std::unique_ptr<CacheWarmer> warmer;  // reads storage: stopped first
  bool shut_down = false;
};

namespace {

absl::Status Named(absl::string_view flag, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(flag, ": ", s.message()));
}

// One of the primary's stores: `given` (an S3 store) if set, else the
// directory `dir`, opened for reading only (`what` and `flags` name it in
// the refusal when neither is given).
absl::StatusOr<std::shared_ptr<tiles::TileStore>> ReadOnlyStore(
    std::shared_ptr<tiles::TileStore> given, const std::string& dir, absl::string_view dir_flag,
    absl::string_view what, absl::string_view flags) {
  if (given != nullptr) return given;
  if (dir.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("a replica needs the primary's ", what, ": ", flags));
  }
  auto store = tiles::DirectoryTileStore::OpenReadOnly(dir);
  if (!store.ok()) return Named(dir_flag, store.status());
  return std::shared_ptr<tiles::TileStore>(*std::move(store));
}

// The primary's stores, opened for reading only.
absl::Status OpenStores(const ReplicaServerOptions& o, ReplicaServer::Parts& parts) {
  auto tiles = ReadOnlyStore(o.tile_store, o.tiles_dir, "--tiles_dir", "tiles",
                             "--tiles_dir or --tiles_s3_endpoint");
  if (!tiles.ok()) return tiles.status();
  parts.tile_store = *std::move(tiles);
  auto private_store = ReadOnlyStore(o.private_store, o.private_dir, "--private_dir",
                                     "private bundles", "--private_dir or --private_s3_bucket");
  if (!private_store.ok()) return private_store.status();
  parts.private_store = *std::move(private_store);
  return absl::OkStatus();
}

absl::Status StartMetrics(const ReplicaServerOptions& o, ReplicaServer::Parts& parts) {
  if (o.metrics_listen.empty()) return absl::OkStatus();
  std::string host;
  int port = 0;
  absl::Status parsed = SplitHostPort("--metrics_listen", o.metrics_listen, &host, &port);
  if (!parsed.ok()) return parsed;
  parts.metrics = std::make_unique<http::Server>();
  ReplicaFollower* follower = parts.follower.get();
  parts.metrics->Handle("GET", "/metrics", [follower](const http::ServerRequest&) {
    http::ServerResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = follower->Metrics();
    return r;
  });
  absl::Status s = parts.metrics->Start(host, port);
  if (!s.ok()) return Named("--metrics_listen", s);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<ReplicaServer>> ReplicaServer::Start(const ReplicaServerOptions& o) {
  const absl::Time start = absl::Now();
  QuietGrpcLogging();
  if (o.data_dir.empty()) return absl::InvalidArgumentError("--data_dir is required");
  if (o.vrf_key_file.empty()) return absl::InvalidArgumentError("--vrf_key is required");
  if (o.note_vkey_file.empty()) {
    return absl::InvalidArgumentError("--note_vkey (the log's note verifier key) is required");
  }
  if (o.replica_key_file.empty()) {
    return absl::InvalidArgumentError("--replica_key_file is required");
  }
  if (o.required_cosignatures > o.cosigner_vkeys.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--required_cosignatures ", o.required_cosignatures, " exceeds the ",
                     o.cosigner_vkeys.size(), " --cosigner_vkeys given"));
  }
  absl::Status mode = CheckSecretFileMode(o.vrf_key_file, o.allow_insecure_key_permissions);
  if (mode.code() == absl::StatusCode::kFailedPrecondition) return mode;
  auto vrf_key = LoadVrfPrivateKey(o.vrf_key_file);
  if (!vrf_key.ok()) return vrf_key.status();
  auto verifier = LoadNoteVerifier(o.note_vkey_file);
  if (!verifier.ok()) return verifier.status();
  auto replica_key =
      replica::ReplicaKey::FromFile(o.replica_key_file, o.allow_insecure_key_permissions);
  if (!replica_key.ok()) return Named("--replica_key_file", replica_key.status());
  GrpcFrontOptions front;
  front.listen_address = o.listen_address;
  front.tls_cert_file = o.tls_cert_file;
  front.tls_key_file = o.tls_key_file;
  front.max_connections = o.max_connections;
  absl::Status tls = GrpcFront::CheckOptions(front);
  if (!tls.ok()) return tls;

  auto parts = std::make_unique<Parts>();
  parts->vrf_key = std::make_unique<VrfPrivateKey>(*std::move(vrf_key));
  absl::Status stores = OpenStores(o, *parts);
  if (!stores.ok()) return stores;
  auto storage =
      LogStorage::Open(o.data_dir, o.block_cache_bytes, nullptr, o.pin_index_and_filter_blocks);
  if (!storage.ok()) return storage.status();
  parts->storage = *std::move(storage);

  LogConfig config;
  config.origin = verifier->name();
  config.note_verifier_key = verifier->VerifierKey();
  config.vrf_public_key = parts->vrf_key->public_key().bytes();
  auto replayer = EpochReplayer::Open(parts->storage.get(), config);
  if (!replayer.ok()) return replayer.status();
  parts->replayer = *std::move(replayer);

  parts->contexts = std::make_unique<EpochContexts>(*parts->storage, o.lookup_context);
  EpochContexts* contexts = parts->contexts.get();
  parts->served.OnSet(
      [contexts](const std::shared_ptr<const PublishedState>& s) { contexts->Publish(s); });
  if (auto served = parts->replayer->served(); served != nullptr) parts->served.Set(served);

  const LogIdentity info = IdentityOf(config, o.epoch_interval, o.max_epoch_age);
  parts->proof_cache = std::make_unique<VrfProofCache>(o.vrf_proof_cache_entries);
  // One state holder for both roles: a replica's newest state is the one
  // it serves (it never holds an unverified epoch's state).
  parts->queries = std::make_unique<LogQueries>(*parts->storage, parts->served, *parts->vrf_key,
                                                info, nullptr, parts->proof_cache.get(),
                                                parts->contexts.get(), /*replica=*/true);
  if (o.limit_vrf_proofs) {
    parts->proof_scheduler = std::make_unique<ProofScheduler>(o.vrf_proofs);
  }
  parts->service =
      std::make_unique<LogService>(*parts->queries, o.primary, parts->proof_scheduler.get());
  auto started = GrpcFront::Start(front, parts->service.get());
  if (!started.ok()) return started.status();
  parts->front = *std::move(started);
  GrpcFront* health = parts->front.get();
  // Not healthy until the follower says so (it knows the served epoch's
  // age).
  health->SetOk("replica", false);

  ReplicaFollowerOptions f;
  f.tiles = parts->tile_store.get();
  f.private_store = parts->private_store.get();
  f.replica_key = std::make_shared<const replica::ReplicaKey>(*std::move(replica_key));
  f.origin = config.origin;
  f.log_vkey = config.note_verifier_key;
  f.cosigner_vkeys = o.cosigner_vkeys;
  f.required_cosignatures = o.required_cosignatures;
  f.poll_interval = o.poll_interval;
  f.min_backoff = o.min_backoff;
  f.max_backoff = o.max_backoff;
  f.max_staleness = o.max_staleness;
  f.max_entries_held = o.max_entries_held;
  f.sink = parts->replayer.get();
  f.serving = parts->served.Get();
  StateHolder* served = &parts->served;
  f.on_served = [served](const std::shared_ptr<const PublishedState>& s) { served->Set(s); };
  f.on_health = [health](bool ok) { health->SetOk("replica", ok); };
  auto follower = ReplicaFollower::Create(std::move(f));
  if (!follower.ok()) return follower.status();
  parts->follower = *std::move(follower);
  absl::Status metrics = StartMetrics(o, *parts);
  if (!metrics.ok()) return metrics;
  parts->follower->Start();
  parts->warmer = std::make_unique<CacheWarmer>(
      *parts->storage, std::min<uint64_t>(o.warm_cache_bytes, o.block_cache_bytes));
  parts->warmer->Start();

  auto state = parts->served.Get();
  LogInfo(
      "read replica of origin %s on port %d, following %s and %s: %s; updates go to %s; "
      "started in %.0f ms",
      config.origin, parts->front->port(), parts->tile_store->Describe(),
      parts->private_store->Describe(),
      state != nullptr ? absl::StrCat("serving epoch ", state->log.epoch, ", tree size ",
                                      state->log.tree_size, ", ", state->map_size, " accounts")
                       : std::string("nothing verified yet"),
      o.primary.empty() ? "the primary" : o.primary,
      absl::ToDoubleMilliseconds(absl::Now() - start));
  ForwardGrpcErrors();
  return std::unique_ptr<ReplicaServer>(new ReplicaServer(std::move(parts)));
}

ReplicaServer::ReplicaServer(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

ReplicaServer::~ReplicaServer() { Shutdown(absl::Seconds(1)); }

int ReplicaServer::port() const { return parts_->front->port(); }

int ReplicaServer::metrics_port() const {
  return parts_->metrics != nullptr ? parts_->metrics->port() : 0;
}

bool ReplicaServer::WaitForWarmCache(absl::Duration timeout) const {
  return parts_->warmer->Wait(timeout);
}

std::string ReplicaServer::Metrics() const { return parts_->follower->Metrics(); }

void ReplicaServer::Shutdown(absl::Duration grace) {
  if (parts_ == nullptr || parts_->shut_down) return;
  parts_->shut_down = true;
  parts_->warmer->Stop();
  parts_->front->StopAccepting();
  if (parts_->metrics != nullptr) parts_->metrics->Stop();
  // The follower first: an epoch being replayed either commits (synced)
  // or leaves nothing; a restart resumes after the last committed one.
  parts_->follower->Stop();
  if (parts_->proof_scheduler != nullptr) parts_->proof_scheduler->Stop();
  parts_->front->Shutdown(absl::Now() + std::min(grace, absl::Seconds(1)));
  parts_->front->Wait();
  LogInfo("stopped");
}

}  // namespace keytrail
