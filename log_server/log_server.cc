#include "log_server/log_server.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/crypto/ecvrf.h"
#include "core/keys/keys.h"
#include "core/merkle/proof_builder.h"
#include "core/protocol/limits.h"
#include "core/storage/log_tiles.h"
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
  // Outlives the sequencer, whose last epoch at Stop it still hears of.
  std::unique_ptr<CosignatureCollector> collector;
  std::unique_ptr<WriteAuthorizer> auth;
  std::unique_ptr<UpdatePreparer> preparer;
  std::unique_ptr<Sequencer> sequencer;
  std::unique_ptr<LogQueries> queries;
  std::unique_ptr<LogService> service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  bool shut_down = false;
};

namespace {

// A certificate chain or a private key: a few KiB; the cap refuses a wrong path.
absl::StatusOr<std::string> ReadPemFile(const std::string& path) {
  return ReadFileToString(path, 1 << 20, FileKind::kSecret);
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
  auto cert = ReadPemFile(o.tls_cert_file);
  if (!cert.ok()) return cert.status();
  auto key = ReadPemFile(o.tls_key_file);
  if (!key.ok()) return key.status();
  ssl.pem_key_cert_pairs.push_back({*key, *cert});
  if (!o.tls_client_ca_file.empty()) {
    auto ca = ReadPemFile(o.tls_client_ca_file);
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
    // Ask every client for a certificate, verify it when given, but let
    // readers connect without one.
    ssl.client_certificate_request =
        GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

// Starts collecting cosignatures from o.monitors, if any: `published`'s
// every new state is pushed to them and `served` gets the state reads
// answer with.
absl::Status StartCollector(const LogServerOptions& o, LogServer::Parts& parts);

}  // namespace

LogServer::LogServer(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

LogServer::~LogServer() { Shutdown(absl::Seconds(1)); }

int LogServer::port() const { return parts_->port; }

absl::StatusOr<std::unique_ptr<LogServer>> LogServer::Start(const LogServerOptions& o) {
  absl::Time start = absl::Now();
  if (o.data_dir.empty()) return absl::InvalidArgumentError("--data_dir is required");
  if (o.note_key_file.empty()) return absl::InvalidArgumentError("--note_key is required");
  if (o.vrf_key_file.empty()) return absl::InvalidArgumentError("--vrf_key is required");

  auto signer = LoadNoteSigner(o.note_key_file);
  if (!signer.ok()) return signer.status();
  if (!o.origin.empty() && o.origin != signer->name()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--origin \"", o.origin, "\" differs from the note key's name \"", signer->name(),
        "\" in ", o.note_key_file, " (the checkpoint origin is the key name)"));
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

  auto storage = LogStorage::Open(o.data_dir, o.block_cache_bytes);
  if (!storage.ok()) return storage.status();
  parts->storage = *std::move(storage);

  LogConfig config;
  config.origin = signer->name();
  config.note_verifier_key = signer->VerifierKey();
  config.vrf_public_key = parts->vrf_key->public_key().bytes();
  auto builder = EpochBuilder::Open(
      parts->storage.get(), config, *signer,
      [] { return static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())); });
  if (!builder.ok()) return builder.status();

  parts->preparer = std::make_unique<UpdatePreparer>(*parts->storage, *parts->vrf_key,
                                                     parts->published);
  parts->sequencer = std::make_unique<Sequencer>(*std::move(builder), o.sequencer,
                                                 &parts->published);
  LogIdentity info;
  info.origin = config.origin;
  info.note_verifier_key = config.note_verifier_key;
  info.vrf_public_key = config.vrf_public_key;
  info.epoch_interval_ms = absl::ToInt64Milliseconds(o.sequencer.epoch_interval);
  info.max_epoch_age_ms = absl::ToInt64Milliseconds(o.sequencer.max_epoch_age);
  absl::Status collecting = StartCollector(o, *parts);
  if (!collecting.ok()) return collecting;
  parts->queries = std::make_unique<LogQueries>(
      *parts->storage, parts->published, *parts->vrf_key, info,
      parts->collector != nullptr ? &parts->served : nullptr);
  parts->service = std::make_unique<LogService>(*parts->auth, *parts->preparer,
                                                *parts->sequencer, *parts->queries);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder_grpc;
  builder_grpc.AddListeningPort(o.listen_address, *credentials, &parts->port);
  builder_grpc.RegisterService(parts->service.get());
  builder_grpc.SetMaxReceiveMessageSize(static_cast<int>(kMaxRequestBytes));
  parts->server = builder_grpc.BuildAndStart();
  if (parts->server == nullptr || parts->port == 0) {
    return absl::UnavailableError(absl::StrCat("can't listen on ", o.listen_address));
  }
  parts->server->GetHealthCheckService()->SetServingStatus(true);
  parts->sequencer->Start();

  auto state = parts->published.Get();
  LogInfo("serving origin %s on port %d: epoch %d, tree size %d, %d accounts; "
          "started in %.0f ms",
          config.origin, parts->port, state->log.epoch, state->log.tree_size,
          state->map_size, absl::ToDoubleMilliseconds(absl::Now() - start));
  return std::unique_ptr<LogServer>(new LogServer(std::move(parts)));
}

void LogServer::Shutdown(absl::Duration grace) {
  if (parts_ == nullptr || parts_->shut_down) return;
  parts_->shut_down = true;
  parts_->server->GetHealthCheckService()->SetServingStatus(false);
  // The sequencer first, while calls can still be answered: it refuses new
  // updates (UNAVAILABLE, nothing written), builds the last epoch from what
  // is queued and finishes each queued call with its real outcome. Stopping
  // gRPC first would cancel those calls at the grace deadline although the
  // epoch built afterwards commits them (issue 9, bug 5).
  parts_->sequencer->Stop();
  // What is left are answers on their way out: every read is computed
  // before its handler returns and every update has now been answered. They
  // get a short drain, not the whole grace: gRPC also waits for every
  // connection to close until the deadline, and an idle client's never does.
  parts_->server->Shutdown(std::chrono::system_clock::now() +
                           absl::ToChronoMilliseconds(std::min(grace, absl::Seconds(1))));
  if (parts_->collector != nullptr) parts_->collector->Stop();
  parts_->server->Wait();
  LogInfo("stopped");
}

namespace {

absl::Status StartCollector(const LogServerOptions& o, LogServer::Parts& parts) {
  if (o.required_cosignatures > o.monitors.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--required_cosignatures ", o.required_cosignatures, " exceeds the ",
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
  parts.collector = std::make_unique<CosignatureCollector>(std::move(c), &parts.served,
                                                           proofs, persist);
  auto stored = storage->Reader(nullptr).GetCosigned();
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) parts.collector->Restore((*stored)->epoch, (*stored)->note);
  CosignatureCollector* collector = parts.collector.get();
  collector->Publish(parts.published.Get());
  parts.published.OnSet(
      [collector](const std::shared_ptr<const PublishedState>& s) { collector->Publish(s); });
  collector->Start();
  LogInfo("pushing checkpoints to %d monitors; reads need %d cosignatures",
          o.monitors.size(), o.required_cosignatures);
  return absl::OkStatus();
}

}  // namespace
}  // namespace keytrail
