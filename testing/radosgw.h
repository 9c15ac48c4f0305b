// Radosgw: a real S3 server for tests — Ceph's radosgw from Debian on a
// single-node cluster on loopback (one mon, one memstore OSD, msgr2 only), in
// a fresh temporary directory, with ports it picks itself, one user with the
// chosen keys and one bucket. Test-only; not thread-safe.
//
// Start returns once a signed PUT into the bucket has succeeded (about 15-25 s
// here; Radosgw::start_time() says how long it took). The daemons run in the
// foreground as children of the test (ChildProcess, die_with_parent), so
// they never re-parent to PID 1: the harness reaps them itself, and the
// kernel kills them if the test process dies (a Bazel timeout's SIGTERM and
// SIGKILL included). The destructor stops whatever still runs.
//
// The daemons are stopped one at a time, gateway, OSD, monitor (all at once
// takes 6-7 s: each waits for the others). The OSD keeps the objects in
// memory: stopping it loses them, stopping the gateway alone does not
// (StopGateway / StartGateway, for outage tests).
//
// What made radosgw work on these machines: /work/shared/BUILDING.md,
// "Object storage (S3)".
#ifndef KEYTRAIL_TESTING_RADOSGW_H_
#define KEYTRAIL_TESTING_RADOSGW_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "testing/process.h"

namespace keytrail::test {

struct RadosgwOptions {
  std::string access_key = "keytrail-test-access";
  std::string secret_key = "keytrail-test-secret-0123456789";
  // S3 bucket names are 3-63 characters (radosgw refuses "b").
  std::string bucket = "keytrail-tiles";
  // The whole start, PUT included.
  absl::Duration start_timeout = absl::Seconds(120);
};

class Radosgw {
 public:
  // "" when radosgw and its tools are installed (ceph-mon ceph-osd radosgw
  // ceph-common, and curl), else one line naming what is missing and the
  // packages to install: tests skip with it (see KEYTRAIL_SKIP_WITHOUT_RADOSGW).
  static std::string MissingReason();

  // Makes a temporary directory under TEST_TMPDIR named after `name` and
  // starts the cluster there. FailedPrecondition when not installed;
  // Unavailable (with the end of the failing daemon's log) when a daemon
  // exits or a step fails; DeadlineExceeded when no PUT succeeds in time.
  // Nothing is left running on failure.
  static absl::StatusOr<std::unique_ptr<Radosgw>> Start(const std::string& name,
                                                        const RadosgwOptions& options = {});
  ~Radosgw();  // Stop()
  Radosgw(const Radosgw&) = delete;
  Radosgw& operator=(const Radosgw&) = delete;

  // "http://127.0.0.1:PORT": path-style, http://127.0.0.1:PORT/BUCKET/KEY.
  std::string endpoint() const;
  int port() const { return rgw_port_; }
  const std::string& bucket() const { return options_.bucket; }
  const std::string& access_key() const { return options_.access_key; }
  const std::string& secret_key() const { return options_.secret_key; }
  const std::string& dir() const { return dir_; }
  // From Start's call until its first successful PUT.
  absl::Duration start_time() const { return start_time_; }

  // Stops the gateway only (SIGTERM, then SIGKILL after 10 s): the port then
  // refuses connections; objects stay in the OSD.
  absl::Status StopGateway();
  // Starts the gateway again on the same port and waits for a PUT.
  absl::Status StartGateway(absl::Duration timeout = absl::Seconds(60));
  // Stops gateway, OSD, monitor in that order. Idempotent.
  void Stop();

  // Runs curl with the user's SigV4 credentials against endpoint() + path
  // ("/bucket/key"); `curl_args` go before the URL. Returns the HTTP status
  // (0 when no response). For the harness itself and for smoke tests.
  absl::StatusOr<int> Curl(const std::vector<std::string>& curl_args, const std::string& path,
                           std::string* body = nullptr);

 private:
  Radosgw(std::string dir, RadosgwOptions options)
      : dir_(std::move(dir)), options_(std::move(options)) {}
  absl::Status Bootstrap(absl::Time deadline);
  absl::Status StartDaemon(const std::string& program, const std::vector<std::string>& args,
                           const std::string& log, std::optional<ChildProcess>* slot);
  absl::Status RunTool(const std::string& program, const std::vector<std::string>& args,
                       absl::Time deadline, std::string* output = nullptr);
  absl::Status WaitForPut(absl::Time deadline);
  absl::Status Alive(std::optional<ChildProcess>& daemon, const std::string& what,
                     const std::string& log);
  // The daemons' process ids (0 when not running), for tests that check
  // nothing is left behind.
 public:
  std::vector<int> pids() const;

 private:
  std::string conf() const { return dir_ + "/ceph.conf"; }

  const std::string dir_;
  const RadosgwOptions options_;
  int mon_port_ = 0;
  int rgw_port_ = 0;
  absl::Duration start_time_;
  bool user_made_ = false;
  std::optional<ChildProcess> mon_;
  std::optional<ChildProcess> osd_;
  std::optional<ChildProcess> rgw_;
};

// A test fixture that shares one radosgw among the tests of its suite:
// started before the first test (where radosgw is installed), stopped after
// the last; each test skips, with the reason, where it is not installed.
class RadosgwTest : public testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  static inline Radosgw* gw_ = nullptr;
};

}  // namespace keytrail::test

// In a test body: skips the test, with the reason, where radosgw is not
// installed.
#define KEYTRAIL_SKIP_WITHOUT_RADOSGW()                                                \
  do {                                                                                 \
    std::string keytrail_radosgw_missing = ::keytrail::test::Radosgw::MissingReason(); \
    if (!keytrail_radosgw_missing.empty()) GTEST_SKIP() << keytrail_radosgw_missing;   \
  } while (0)

#endif  // KEYTRAIL_TESTING_RADOSGW_H_
