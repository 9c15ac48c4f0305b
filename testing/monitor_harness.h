// MonitorHarness: runs the real monitor binary (//monitor:monitor) for
// end-to-end tests: makes its cosigner key (`keytrail keygen cosigner`),
// writes its configuration (the logs and peers the test adds, loopback
// ports it picks itself), starts, SIGKILLs, stops and restarts it on the
// same data directory, and asks its status. Test-only; not thread-safe.
//
// Errors are test failures (gtest ADD_FAILURE/ASSERT inside), so call the
// mutating methods under ASSERT_NO_FATAL_FAILURE.
#ifndef KEYTRAIL_TESTING_MONITOR_HARNESS_H_
#define KEYTRAIL_TESTING_MONITOR_HARNESS_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proto/monitor_config.pb.h"
#include "proto/monitor_service.grpc.pb.h"
#include "testing/process.h"

namespace keytrail::test {

class MonitorHarness {
 public:
  // `dir`: a fresh directory (TempDir) for its key, config, data and logs.
  // Makes the cosigner key named `name`.
  MonitorHarness(std::string dir, std::string name);
  ~MonitorHarness();

  // Before Start: what it follows and whom it gossips with.
  void AddLog(const std::string& origin, const std::string& note_verifier_key,
              const std::string& grpc_address, uint64_t poll_interval_ms = 100);
  // Any FollowedLog (e.g. one with a tiles_url).
  void AddLog(const v1::FollowedLog& log) { *config_.add_logs() = log; }
  void AddPeer(const std::string& name, const std::string& cosigner_key, const std::string& url);
  // Where its databases and evidence go (default: dir()/data).
  void SetDataDir(const std::string& data_dir) { config_.set_data_dir(data_dir); }
  // Flags added to every start (e.g. "--storage_retry_max=400ms").
  void SetExtraFlags(std::vector<std::string> flags) { extra_flags_ = std::move(flags); }
  // Starts it under `ulimit -n limit` (soft and hard; 0: inherited).
  void SetDescriptorLimit(int limit) { descriptor_limit_ = limit; }

  // Starts the binary (again, on the same data directory and, after the
  // first start, the same HTTP port) and waits until it listens.
  void Start();
  void Kill();  // SIGKILL, then reaps it
  int Stop();   // SIGTERM; its exit status

  const std::string& name() const { return name_; }
  // The cosigner's verifier key (what a log or a client pins).
  const std::string& cosigner_key() const { return vkey_; }
  int http_port() const { return http_port_; }
  int grpc_port() const { return grpc_port_; }
  std::string url() const;  // "http://127.0.0.1:<http port>/"
  const std::string& dir() const { return dir_; }
  // The running monitor's process id (0 when not running).
  pid_t pid() const { return process_.has_value() ? process_->pid() : 0; }
  // The log of the current (or last) run.
  std::string log() const;
  // GetStatus; an empty response (and a test failure) if it can't be asked.
  v1::GetStatusResponse Status();

 private:
  void WriteConfig();

  std::string dir_;
  std::string name_;
  std::string vkey_;
  v1::MonitorConfig config_;
  std::vector<std::string> extra_flags_;
  int descriptor_limit_ = 0;
  std::optional<ChildProcess> process_;
  int starts_ = 0;
  int http_port_ = 0;
  int grpc_port_ = 0;
  std::unique_ptr<v1::MonitorService::Stub> stub_;
};

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_MONITOR_HARNESS_H_
