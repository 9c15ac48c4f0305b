// GrpcFront: what the primary log server and a read replica share in front
// of their KeyTransparencyLog service — the listener (core/net/listener.h:
// descriptor budget, load shedding), TLS credentials, the gRPC server that
// takes the listener's connections, and the gRPC health service.
//
// Health: the server's own service ("") is SERVING only while the listener
// accepts connections, nothing reported failing through SetOk, and the
// front is not shutting down, so load balancers and supervisors stop
// sending traffic when any of them fails. Tile publication has a service of
// its own (kTilesService): a tile store outage delays publication but must
// not take the log out of its load balancer.
//
// Start fails with one clear status: TLS files missing or not PEM
// (NotFound / PermissionDenied / InvalidArgument naming the flag and file),
// TLS flags that do not go together or a malformed --listen
// (InvalidArgument), a port that can't be bound or a gRPC server that does
// not start (Unavailable).
//
// Thread safety: SetOk/SetTilesOk from any thread; Start, StopAccepting,
// Shutdown and Wait from the owner's thread, in that order.
#ifndef KEYTRAIL_LOG_SERVER_GRPC_FRONT_H_
#define KEYTRAIL_LOG_SERVER_GRPC_FRONT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/net/listener.h"
#include "grpcpp/grpcpp.h"

namespace keytrail {

struct GrpcFrontOptions {
  std::string listen_address;  // host:port; port 0 = any
  std::string tls_cert_file;   // TLS for the listener (PEM), with the key
  std::string tls_key_file;
  std::string tls_client_ca_file;  // ask clients for certificates it signed
  int64_t max_connections = 0;     // 0: bounded by the descriptor limit
};

// Sends gRPC's own log lines to ours: dropped while the process starts
// (our one line per failure says what went wrong), then gRPC's errors one
// line each ("grpc: ..."). GRPC_VERBOSITY, if set, still chooses what gRPC
// emits. Idempotent.
void QuietGrpcLogging();
void ForwardGrpcErrors();

class GrpcFront {
 public:
  static constexpr char kTilesService[] = "keytrail.v1.TilePublication";

  // Checks the TLS options and files, as Start would, so a server can
  // refuse them before it opens anything else.
  static absl::Status CheckOptions(const GrpcFrontOptions& options);
  // Binds the listener and starts gRPC serving `service` (borrowed; must
  // outlive the front).
  static absl::StatusOr<std::unique_ptr<GrpcFront>> Start(const GrpcFrontOptions& options,
                                                          grpc::Service* service);
  ~GrpcFront();

  int port() const { return port_; }
  // The descriptor budget the listener got (for the start-up log line).
  int fd_limit() const { return fd_limit_; }
  int max_fd() const { return max_fd_; }

  // Reports one named condition of the server's health ("storage",
  // "replica", ...): SERVING needs every reported condition ok.
  void SetOk(const std::string& condition, bool ok);
  void SetTilesOk(bool ok);

  // Stops accepting connections and turns health NOT_SERVING for good.
  void StopAccepting();
  // Stops gRPC, giving answers on their way out until `deadline`.
  void Shutdown(absl::Time deadline);
  // Waits for gRPC to finish every call.
  void Wait();

 private:
  GrpcFront() = default;
  void UpdateHealth() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Listener> listener_;
  int port_ = 0;
  int fd_limit_ = 0;
  int max_fd_ = 0;
  bool stopped_ = false;

  absl::Mutex mu_;
  grpc::HealthCheckServiceInterface* health_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool listener_failing_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<std::string, bool> conditions_ ABSL_GUARDED_BY(mu_);
  bool tiles_ok_ ABSL_GUARDED_BY(mu_) = true;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_GRPC_FRONT_H_
