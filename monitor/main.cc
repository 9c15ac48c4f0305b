// monitor: follows keytrail logs, replays and checks every epoch, keeps
// evidence of misbehaviour and reports its status (docs/MONITOR.md).
//
//   monitor --config=FILE [--port_file=FILE] [--http_port_file=FILE]
//           [--allow_insecure_key_permissions]
//           [--storage_retry_min=1s] [--storage_retry_max=30s]
//           [--http_* limits] [--grpc_max_connections=N]
//           [--gossip_interval=5s] [--gossip_timeout=5s]
//
// Exits 1 with one line on stderr ("monitor: <why>") when it can't start;
// on SIGINT or SIGTERM it stops and exits 0.
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/time/time.h"
#include "core/util/logging.h"
#include "core/util/server_process.h"
#include "monitor/config.h"
#include "monitor/monitor.h"

ABSL_FLAG(std::string, config, "", "monitor configuration file (protobuf text format)");
ABSL_FLAG(int64_t, commit_every_entries, 100000,
          "while catching up, commit a proven prefix at least this often (entries)");
ABSL_FLAG(std::string, port_file, "",
          "once listening, write the gRPC status port to this file (for grpc_listen host:0)");

ABSL_FLAG(bool, allow_insecure_key_permissions, false,
          "use a cosigner_key_file that group or others can read, with a warning, instead of "
          "refusing to start");

ABSL_FLAG(std::string, http_port_file, "",
          "once listening, write the witness's HTTP port to this file (for http_listen host:0); "
          "written before --port_file");

ABSL_FLAG(absl::Duration, storage_retry_min, absl::Seconds(1),
          "while a database refuses writes (a full disk), the first wait before retrying it");
ABSL_FLAG(absl::Duration, storage_retry_max, absl::Seconds(30),
          "the longest wait between such retries (the wait doubles up to it)");

// The HTTP port's limits (core/http/server.h; docs/MONITOR.md "HTTP limits").
ABSL_FLAG(int, http_max_connections, 512, "HTTP connections open at most (more wait unaccepted)");
ABSL_FLAG(int, http_max_connections_per_ip, 16,
          "HTTP connections open at most from one client address (more are closed)");
ABSL_FLAG(int, http_connection_memory_kib, 32,
          "per HTTP connection: request line and headers must fit (431 otherwise)");
ABSL_FLAG(absl::Duration, http_request_deadline, absl::Seconds(10),
          "a request's headers and body must arrive within this, or the connection is closed");
ABSL_FLAG(absl::Duration, http_idle_timeout, absl::Seconds(30),
          "an HTTP connection with no traffic for this long is closed");
ABSL_FLAG(int, http_workers, 4, "threads that run HTTP handlers");
ABSL_FLAG(int, http_max_queued, 64, "HTTP requests waiting for a worker at most (503 beyond)");
ABSL_FLAG(int64_t, grpc_max_connections, 0,
          "gRPC connections accepted at most (0: as many as file descriptors allow); more are "
          "closed at once");
ABSL_FLAG(absl::Duration, gossip_interval, absl::Seconds(5), "how often each peer is polled");
ABSL_FLAG(absl::Duration, gossip_timeout, absl::Seconds(5),
          "the whole of one request to a peer (connect, headers, body) must take at most this");

namespace {

// Written whole or not at all (a rename), so a reader never sees half.
// False (and errno's reason in *why) when it can't be written.
bool WritePortFile(const std::string& path, int port, std::string* why) {
  if (path.empty()) return true;
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << port << "\n";
    out.flush();
    if (!out) {
      *why = "can't write " + tmp + ": " + std::strerror(errno);
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    *why = "can't rename " + tmp + " to " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

int Fail(const std::string& why) {
  std::fprintf(stderr, "monitor: %s\n", why.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("keytrail monitor.\n  monitor --config=FILE");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) return Fail(std::string("unexpected argument: ") + rest[1]);
  keytrail::SetLogProgramName("monitor");
  keytrail::ConfigureServerProcess();
  if (absl::GetFlag(FLAGS_config).empty()) return Fail("--config is required");
  auto config = keytrail::monitor::LoadMonitorConfig(absl::GetFlag(FLAGS_config));
  if (!config.ok()) return Fail(std::string(config.status().message()));

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts

  keytrail::monitor::MonitorOptions options;
  options.config = *std::move(config);
  const int64_t commit_every = absl::GetFlag(FLAGS_commit_every_entries);
  if (commit_every < 1) return Fail("--commit_every_entries must be at least 1");
  options.follower.commit_every_entries = static_cast<uint64_t>(commit_every);
  options.allow_insecure_key_permissions = absl::GetFlag(FLAGS_allow_insecure_key_permissions);
  const absl::Duration retry_min = absl::GetFlag(FLAGS_storage_retry_min);
  const absl::Duration retry_max = absl::GetFlag(FLAGS_storage_retry_max);
  if (retry_min <= absl::ZeroDuration() || retry_max < retry_min) {
    return Fail("--storage_retry_min must be positive and at most --storage_retry_max");
  }
  options.follower.storage_retry_min = retry_min;
  options.follower.storage_retry_max = retry_max;
  keytrail::http::ServerOptions& http = options.http;
  http.max_connections = absl::GetFlag(FLAGS_http_max_connections);
  http.max_connections_per_ip = absl::GetFlag(FLAGS_http_max_connections_per_ip);
  http.connection_memory_bytes =
      static_cast<size_t>(std::max(0, absl::GetFlag(FLAGS_http_connection_memory_kib))) * 1024;
  http.request_deadline = absl::GetFlag(FLAGS_http_request_deadline);
  http.idle_timeout = absl::GetFlag(FLAGS_http_idle_timeout);
  http.workers = absl::GetFlag(FLAGS_http_workers);
  http.max_queued = absl::GetFlag(FLAGS_http_max_queued);
  if (http.max_connections < 1 || http.max_connections_per_ip < 1 || http.workers < 1 ||
      http.max_queued < 1) {
    return Fail(
        "--http_max_connections, --http_max_connections_per_ip, --http_workers and "
        "--http_max_queued must be at least 1");
  }
  if (http.connection_memory_bytes < 4096) {
    return Fail("--http_connection_memory_kib must be at least 4");
  }
  if (http.request_deadline < absl::Seconds(1) || http.idle_timeout < absl::Seconds(1)) {
    return Fail("--http_request_deadline and --http_idle_timeout must be at least 1s");
  }
  options.grpc_max_connections = absl::GetFlag(FLAGS_grpc_max_connections);
  if (options.grpc_max_connections < 0) return Fail("--grpc_max_connections must be >= 0");
  options.gossip.interval = absl::GetFlag(FLAGS_gossip_interval);
  options.gossip.timeout = absl::GetFlag(FLAGS_gossip_timeout);
  if (options.gossip.interval <= absl::ZeroDuration() ||
      options.gossip.timeout <= absl::ZeroDuration()) {
    return Fail("--gossip_interval and --gossip_timeout must be positive");
  }
  auto monitor = keytrail::monitor::Monitor::Start(std::move(options));
  if (!monitor.ok()) return Fail(std::string(monitor.status().message()));
  // A port file no one can read would leave whoever waits for it waiting
  // (issue 18): refuse to run instead.
  std::string why;
  if (!WritePortFile(absl::GetFlag(FLAGS_http_port_file), (*monitor)->http_port(), &why) ||
      !WritePortFile(absl::GetFlag(FLAGS_port_file), (*monitor)->grpc_port(), &why)) {
    (*monitor)->Shutdown();
    return Fail(why);
  }
  int sig = 0;
  sigwait(&signals, &sig);
  keytrail::LogInfo("signal %d: stopping", sig);
  (*monitor)->Shutdown();
  return 0;
}
