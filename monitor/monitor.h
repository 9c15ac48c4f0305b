// Monitor: the assembly of an auditing monitor. Opens one store and one
// Follower per configured log (data_dir/logs/<origin>-<hash>/, evidence in
// data_dir/evidence/), loads the cosigning key (checked at start; the
// witness side signs with it), serves MonitorService.GetStatus and the
// standard gRPC health service on grpc_listen, and implements AuditedLogs
// for the tlog-witness handler.
//
// Extending it (the witness's HTTP server): construct the server with
// `monitor` as its AuditedLogs, `monitor->cosigner()` as its key and
// [monitor] { return monitor->MetricsText(); } as its /metrics callback,
// and listen on config().http_listen().
//
// The gRPC port is accepted by our own loop (core/net/listener.h, as the log
// server's): the soft descriptor limit is raised to the hard one, a failed
// accept (EMFILE) is retried rather than ending the port, and connections
// beyond the descriptor budget are closed at once.
//
// Health: the standard gRPC health service says SERVING from start until
// Shutdown, except while the gRPC port cannot accept connections, or one of
// its databases refuses writes (a full disk;
// monitor/storage_health.h): then NOT_SERVING, and GetStatus says which
// (serving, storage, per log STORAGE_FAILING). The followers retry their own
// databases; a thread here probes the witness's while it fails
// (storage_retry_min doubling to storage_retry_max), so health comes back
// even when no log pushes.
//
// Thread safety: every method may be called from any thread.
#ifndef KEYTRAIL_MONITOR_MONITOR_H_
#define KEYTRAIL_MONITOR_MONITOR_H_

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "core/http/server.h"
#include "core/net/listener.h"
#include "core/note/cosignature.h"
#include "grpcpp/grpcpp.h"
#include "monitor/audited_logs.h"
#include "monitor/follower.h"
#include "monitor/gossip.h"
#include "monitor/log_client.h"
#include "monitor/status_service.h"
#include "monitor/storage_health.h"
#include "monitor/witness.h"
#include "monitor/witness_http.h"
#include "monitor/witness_store.h"
#include "proto/monitor_config.pb.h"

namespace keytrail::monitor {

struct MonitorOptions {
  v1::MonitorConfig config;
  // Applied to every follower (log, db_dir, evidence_dir and
  // storage_health are set here). Its storage_retry_min/max also pace the
  // witness database's probes while it fails.
  FollowerOptions follower;
  // The witness database's file system (tests; null: the default).
  rocksdb::Env* witness_env = nullptr;
  // How the configured peers are polled (monitor/gossip.h).
  GossipOptions gossip;
  // Use a cosigner key file that group or others can read, with a warning,
  // instead of refusing to start (--allow_insecure_key_permissions; the rule
  // of core/keys/key_file.h CheckSecretFileMode, as the log server's).
  bool allow_insecure_key_permissions = false;
  // The HTTP port's limits (core/http/server.h; --http_* flags).
  http::ServerOptions http = WitnessHttpServer::DefaultOptions();
  // gRPC connections accepted at most (0: as descriptors allow; connections
  // beyond are closed at once: core/net/listener.h).
  int64_t grpc_max_connections = 0;
};

class Monitor final : public AuditedLogs {
 public:
  // Opens everything and starts the followers, the gRPC server and the
  // witness. Errors: a cosigning key file that group or others can access
  // (FailedPrecondition naming it and its mode, unless
  // allow_insecure_key_permissions), a bad or unreadable cosigning key (its
  // loader's code),
  // InvalidArgument for an http_listen that is not host:port, storage
  // errors (FailedPrecondition if another process holds a database),
  // Unavailable when an address can't be bound.
  static absl::StatusOr<std::unique_ptr<Monitor>> Start(MonitorOptions options);
  ~Monitor() override;

  // Stops the gRPC server and the followers (also done by the destructor).
  void Shutdown();

  int grpc_port() const { return grpc_port_; }
  // The bound HTTP port of the witness, 0 when it does not run.
  int http_port() const;
  const v1::MonitorConfig& config() const { return options_.config; }
  // The cosigning key, when the config names one.
  const std::optional<note::CosignatureSigner>& cosigner() const { return cosigner_; }

  const note::NoteVerifier* LogVerifier(absl::string_view origin) const override;
  absl::Status CheckAudited(absl::string_view origin, absl::string_view signed_note,
                            const note::Checkpoint& checkpoint, absl::Time deadline) override;
  absl::Status Observe(absl::string_view origin, absl::string_view signed_note,
                       const note::Checkpoint& checkpoint, uint64_t old_size,
                       absl::Span<const Hash> proof) override;

  v1::GetStatusResponse Status() const;
  // The HTML status page (monitor/status_page.h) as of now.
  std::string StatusPage() const;
  std::string MetricsText() const;

 private:
  explicit Monitor(MonitorOptions options) : options_(std::move(options)) {}
  Follower* Find(absl::string_view origin) const;
  void SetServing() ABSL_EXCLUSIVE_LOCKS_REQUIRED(health_mu_);
  // While the witness database fails: probe it with backoff until it works.
  void RetryWitnessStorage();

  MonitorOptions options_;
  // Outlives everything that reports to it.
  std::unique_ptr<StorageHealth> storage_health_;
  mutable absl::Mutex health_mu_;
  grpc::HealthCheckServiceInterface* health_service_ ABSL_GUARDED_BY(health_mu_) = nullptr;
  bool storage_ok_ ABSL_GUARDED_BY(health_mu_) = true;
  bool stopping_ ABSL_GUARDED_BY(health_mu_) = false;
  // Our accept loop for the gRPC port cannot accept (e.g. EMFILE).
  bool listener_failing_ ABSL_GUARDED_BY(health_mu_) = false;
  std::optional<note::CosignatureSigner> cosigner_;
  std::vector<std::unique_ptr<Follower>> followers_;
  std::unique_ptr<Gossip> gossip_;  // polls the config's peers
  std::unique_ptr<StatusService> service_;
  std::unique_ptr<Listener> listener_;  // feeds server_ through acceptor_
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<WitnessStore> witness_store_;
  std::unique_ptr<Witness> witness_;
  std::unique_ptr<WitnessHttpServer> http_;
  std::mutex retry_mu_;
  std::condition_variable retry_cv_;
  bool retry_stop_ = false;  // guarded by retry_mu_
  std::thread witness_retry_;
  int grpc_port_ = 0;
  bool shut_down_ = false;
};

// Makes `dir` and records in the file `record` "<what> <identity>" (synced),
// or, when that holds another identity already, FailedPrecondition naming both: a
// data_dir reused by a monitor with another cosigner key, or a log's
// database under another log key, is refused at start. FailedPrecondition
// with the system's reason when the directory can't be made (e.g.
// "Permission denied").
absl::Status ClaimDataDir(const std::string& dir, const std::string& record,
                          const std::string& identity, const std::string& what);

// The database directory of `origin` under data_dir.
std::string LogDbDir(const std::string& data_dir, const std::string& origin);

// A channel to a followed log: TLS with its CA file when set, else plaintext.
// NotFound if the CA file can't be read.
absl::StatusOr<std::shared_ptr<grpc::Channel>> LogChannel(const v1::FollowedLog& log);

// What the follower reads `log` through: its tiles (TilesLogClient) when it
// has a tiles_url, asking gRPC only for the log's info when it has a
// grpc_address too; else gRPC (GrpcLogClient). The errors of LogChannel and
// TilesLogClient::Create.
absl::StatusOr<std::unique_ptr<LogClient>> MakeLogClient(const v1::FollowedLog& log);

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_MONITOR_H_
