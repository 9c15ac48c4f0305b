#include "log_server/grpc_front.h"

#include <grpc/support/log.h>

#include <atomic>
#include <chrono>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/protocol/limits.h"
#include "core/util/file.h"
#include "core/util/logging.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"

namespace keytrail {
namespace {

std::atomic<bool> g_grpc_log_quiet{true};

void ForwardGrpcLog(gpr_log_func_args* args) {
  if (g_grpc_log_quiet.load() || args->severity != GPR_LOG_SEVERITY_ERROR) return;
  LogLine(LogLevel::kError, absl::StrCat("grpc: ", args->message));
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
    const GrpcFrontOptions& o) {
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

}  // namespace

void QuietGrpcLogging() {
  static const bool done = [] {
    if (std::getenv("GRPC_VERBOSITY") == nullptr) {
      gpr_set_log_verbosity(GPR_LOG_SEVERITY_ERROR);
    }
    gpr_set_log_function(ForwardGrpcLog);
    return true;
  }();
  (void)done;
  g_grpc_log_quiet.store(true);
}

void ForwardGrpcErrors() { g_grpc_log_quiet.store(false); }

absl::Status GrpcFront::CheckOptions(const GrpcFrontOptions& options) {
  return ListenerCredentials(options).status();
}

absl::StatusOr<std::unique_ptr<GrpcFront>> GrpcFront::Start(const GrpcFrontOptions& o,
                                                            grpc::Service* service) {
  auto credentials = ListenerCredentials(o);
  if (!credentials.ok()) return credentials.status();
  std::unique_ptr<GrpcFront> front(new GrpcFront());
  // Descriptors: as many as the hard limit allows; a reserve stays free for
  // RocksDB, gRPC's internals and the log itself, and connections beyond it
  // (or beyond --max_connections) are shed by the listener.
  auto budget = ConnectionDescriptorBudget(o.max_connections);
  if (!budget.ok()) return budget.status();
  front->fd_limit_ = budget->fd_limit;
  front->max_fd_ = budget->max_fd;
  auto listener = Listener::Open(o.listen_address);
  if (!listener.ok()) return listener.status();
  front->listener_ = *std::move(listener);
  front->port_ = front->listener_->port();

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // gRPC does not listen itself (see listener.h): it gets each connection
  // the listener accepts, and does TLS on it with `credentials`.
  front->acceptor_ = builder.experimental().AddExternalConnectionAcceptor(
      grpc::ServerBuilder::experimental_type::ExternalConnectionType::FROM_FD, *credentials);
  builder.RegisterService(service);
  builder.SetMaxReceiveMessageSize(static_cast<int>(kMaxRequestBytes));
  front->server_ = builder.BuildAndStart();
  if (front->server_ == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("can't start the gRPC server on ", o.listen_address,
                     o.tls_cert_file.empty() ? "" : " (do the TLS certificate and key match?)"));
  }
  {
    absl::MutexLock lock(&front->mu_);
    front->health_ = front->server_->GetHealthCheckService();
    front->UpdateHealth();
  }
  grpc::experimental::ExternalConnectionAcceptor* acceptor = front->acceptor_.get();
  GrpcFront* self = front.get();
  front->listener_->Start(
      [acceptor](int fd) {
        grpc::experimental::ExternalConnectionAcceptor::NewConnectionParameters p;
        p.listener_fd = -1;
        p.fd = fd;
        acceptor->HandleNewConnection(&p);
      },
      front->max_fd_,
      // While connections can't be accepted the server is not healthy, so
      // load balancers and supervisors stop sending it traffic.
      [self](bool failing) {
        absl::MutexLock lock(&self->mu_);
        self->listener_failing_ = failing;
        self->UpdateHealth();
      });
  return front;
}

GrpcFront::~GrpcFront() {
  // A front whose Start failed half-way has no server (or no listener).
  if (listener_ != nullptr) listener_->Stop();
  if (server_ != nullptr && !stopped_) {
    StopAccepting();
    Shutdown(absl::Now());
    Wait();
  }
}

void GrpcFront::SetOk(const std::string& condition, bool ok) {
  absl::MutexLock lock(&mu_);
  conditions_[condition] = ok;
  UpdateHealth();
}

void GrpcFront::SetTilesOk(bool ok) {
  absl::MutexLock lock(&mu_);
  tiles_ok_ = ok;
  UpdateHealth();
}

void GrpcFront::UpdateHealth() {
  if (health_ == nullptr) return;
  bool ok = !listener_failing_ && !shut_down_;
  for (const auto& [name, condition_ok] : conditions_) ok = ok && condition_ok;
  health_->SetServingStatus(ok);
  health_->SetServingStatus(kTilesService, tiles_ok_ && !shut_down_);
}

void GrpcFront::StopAccepting() {
  listener_->Stop();
  absl::MutexLock lock(&mu_);
  shut_down_ = true;
  UpdateHealth();
  health_ = nullptr;  // NOT_SERVING for good; later reports change nothing
}

void GrpcFront::Shutdown(absl::Time deadline) { server_->Shutdown(absl::ToChronoTime(deadline)); }

void GrpcFront::Wait() {
  server_->Wait();
  stopped_ = true;
}

}  // namespace keytrail
