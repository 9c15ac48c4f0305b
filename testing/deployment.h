// Deployment: the whole keytrail deployment of the end-to-end tests, with
// the real binaries on loopback ports they pick: one log server that pushes
// every epoch to two monitors ("monitor.example/a" and ".../b") and requires
// both cosignatures (--required_cosignatures=2), the two monitors following
// it (polling every 50 ms) and gossiping with each other.
//
// Start() does what the monitors and the log need of each other's ports: it
// starts the log once to learn its port and log info, starts the monitors
// on it, restarts them with each other as peers, and restarts the log on
// the same port with the monitors as --monitors. Errors are test failures
// (gtest ASSERT inside), so call Start and StartLog under
// ASSERT_NO_FATAL_FAILURE. Test-only; not thread-safe.
#ifndef KEYTRAIL_TESTING_DEPLOYMENT_H_
#define KEYTRAIL_TESTING_DEPLOYMENT_H_

#include <memory>
#include <string>
#include <vector>

#include "proto/keytrail.pb.h"
#include "testing/log_server_harness.h"
#include "testing/monitor_harness.h"

namespace keytrail::test {

class Deployment {
 public:
  // `name` names the directories under TEST_TMPDIR: "<name>_log" for the
  // log server, "<name>_monitor_a" and "_b" for the monitors.
  explicit Deployment(std::string name) : name_(std::move(name)) {}

  // Starts all three as above; on return the log serves on log_port() with
  // both monitors receiving its pushes.
  void Start();
  // (Re)starts the log server on log_port() with the monitors as its
  // --monitors and --required_cosignatures=2 (after log().Stop()).
  void StartLog();

  LogServerHarness& log() { return *log_; }
  MonitorHarness& monitor(size_t i) { return *monitors_[i]; }
  const std::vector<std::unique_ptr<MonitorHarness>>& monitors() const { return monitors_; }
  // The log's GetLogInfo answer, read at the first start.
  const v1::GetLogInfoResponse& info() const { return info_; }
  int log_port() const { return log_port_; }
  // "127.0.0.1:<log_port>", the log's gRPC address.
  std::string log_address() const;

 private:
  std::string name_;
  std::unique_ptr<LogServerHarness> log_;
  int log_port_ = 0;
  v1::GetLogInfoResponse info_;
  std::vector<std::unique_ptr<MonitorHarness>> monitors_;
};

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_DEPLOYMENT_H_
