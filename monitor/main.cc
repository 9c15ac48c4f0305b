// monitor: follows keytrail logs, replays and checks every epoch, keeps
// evidence of misbehaviour and reports its status (docs/MONITOR.md).
//
//   monitor --config=FILE [--port_file=FILE] [--http_port_file=FILE]
//           [--allow_insecure_key_permissions]
//           [--storage_retry_min=1s] [--storage_retry_max=30s]
//
// Exits 1 with one line on stderr ("monitor: <why>") when it can't start;
// on SIGINT or SIGTERM it stops and exits 0.
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/time/time.h"
#include "core/util/logging.h"
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

namespace {

// Written whole or not at all (a rename), so a reader never sees half.
void WritePortFile(const std::string& path, int port) {
  if (path.empty()) return;
  const std::string tmp = path + ".tmp";
  { std::ofstream(tmp) << port << "\n"; }
  std::rename(tmp.c_str(), path.c_str());
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
  auto monitor = keytrail::monitor::Monitor::Start(std::move(options));
  if (!monitor.ok()) return Fail(std::string(monitor.status().message()));
  WritePortFile(absl::GetFlag(FLAGS_http_port_file), (*monitor)->http_port());
  WritePortFile(absl::GetFlag(FLAGS_port_file), (*monitor)->grpc_port());
  int sig = 0;
  sigwait(&signals, &sig);
  keytrail::LogInfo("signal %d: stopping", sig);
  (*monitor)->Shutdown();
  return 0;
}
