#include "testing/radosgw.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace keytrail::test {
namespace {

constexpr char kGatewayName[] = "client.rgw.keytrail";

// A port the kernel considers free now. The daemon binds it a moment later;
// another process could take it in between, which Start reports as a daemon
// that exited (rare; a retry picks new ports).
int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::string NewUuid() {
  return std::string(absl::StripAsciiWhitespace(ReadFile("/proc/sys/kernel/random/uuid")));
}

std::string Tail(const std::string& path, size_t bytes = 1500) {
  std::string text = ReadFile(path);
  if (text.size() > bytes) text = "..." + text.substr(text.size() - bytes);
  return text;
}

bool WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

// SIGTERM, then SIGKILL after `grace`; reaps the child. The daemons are our
// own children, so a zombie is reaped here rather than left in state Z.
void StopChild(std::optional<ChildProcess>* child, absl::Duration grace) {
  if (!child->has_value()) return;
  (*child)->Signal(SIGTERM);
  if (!(*child)->Wait(grace).ok()) {
    (*child)->Signal(SIGKILL);
    (void)(*child)->Wait(absl::Seconds(10));
  }
  child->reset();
}

}  // namespace

std::string Radosgw::MissingReason() {
  std::vector<std::string> missing;
  for (const char* tool :
       {"/usr/bin/ceph-mon", "/usr/bin/ceph-osd", "/usr/bin/radosgw", "/usr/bin/radosgw-admin",
        "/usr/bin/ceph", "/usr/bin/ceph-authtool", "/usr/bin/monmaptool", "/usr/bin/curl"}) {
    if (::access(tool, X_OK) != 0) missing.push_back(tool);
  }
  if (missing.empty()) return "";
  return absl::StrCat("radosgw is not installed (missing ", absl::StrJoin(missing, ", "),
                      "): run scripts/install_deps.sh --with-s3-tests, or apt-get install "
                      "--no-install-recommends ceph-mon ceph-osd radosgw ceph-common curl");
}

absl::StatusOr<std::unique_ptr<Radosgw>> Radosgw::Start(const std::string& name,
                                                        const RadosgwOptions& options) {
  if (std::string missing = MissingReason(); !missing.empty()) {
    return absl::FailedPreconditionError(missing);
  }
  absl::Time start = absl::Now();
  absl::Time deadline = start + options.start_timeout;
  absl::Status last;
  // A port taken between FreeLoopbackPort and the daemon's bind fails one
  // attempt; a new cluster with new ports is the simplest retry.
  for (int attempt = 0; attempt < 2 && absl::Now() < deadline; ++attempt) {
    std::unique_ptr<Radosgw> gw(new Radosgw(TempDir(name), options));
    last = gw->Bootstrap(deadline);
    if (last.ok()) {
      gw->start_time_ = absl::Now() - start;
      return gw;
    }
    if (absl::IsDeadlineExceeded(last)) break;
  }
  return last;
}

Radosgw::~Radosgw() { Stop(); }

std::string Radosgw::endpoint() const { return absl::StrCat("http://127.0.0.1:", rgw_port_); }

absl::Status Radosgw::Alive(std::optional<ChildProcess>& daemon, const std::string& what,
                            const std::string& log) {
  if (daemon.has_value() && daemon->running()) {
    std::optional<int> status = daemon->ExitedStatus();
    if (!status.has_value()) return absl::OkStatus();
    return absl::UnavailableError(
        absl::StrCat(what, " exited with status ", *status, ": ", Tail(log)));
  }
  return absl::UnavailableError(absl::StrCat(what, " is not running"));
}

absl::Status Radosgw::StartDaemon(const std::string& program, const std::vector<std::string>& args,
                                  const std::string& log, std::optional<ChildProcess>* slot) {
  absl::StatusOr<ChildProcess> child =
      ChildProcess::Start(program, args, log, /*die_with_parent=*/true);
  if (!child.ok()) return child.status();
  slot->emplace(*std::move(child));
  return absl::OkStatus();
}

absl::Status Radosgw::RunTool(const std::string& program, const std::vector<std::string>& args,
                              absl::Time deadline, std::string* output) {
  std::string log = absl::StrCat(dir_, "/tools.out");
  std::string own_log = absl::StrCat(dir_, "/tool-", absl::ToUnixNanos(absl::Now()), ".out");
  absl::StatusOr<ChildProcess> child =
      ChildProcess::Start(program, args, own_log, /*die_with_parent=*/true);
  if (!child.ok()) return child.status();
  absl::Time began = absl::Now();
  absl::StatusOr<int> status = child->Wait(std::max(deadline - absl::Now(), absl::Seconds(1)));
  std::string text = ReadFile(own_log);
  ::unlink(own_log.c_str());
  {
    std::ofstream all(log, std::ios::app);
    all << absl::FormatTime("%H:%M:%E3S", began, absl::UTCTimeZone()) << " (" << absl::Now() - began
        << ") $ " << program << " " << absl::StrJoin(args, " ") << "\n"
        << text;
  }
  if (output != nullptr) *output = text;
  if (!status.ok()) {
    return absl::DeadlineExceededError(absl::StrCat(program, " did not finish in time"));
  }
  if (*status != 0) {
    return absl::UnavailableError(
        absl::StrCat(program, " ", absl::StrJoin(args, " "), " exited with ", *status, ": ",
                     text.size() > 1500 ? text.substr(text.size() - 1500) : text));
  }
  return absl::OkStatus();
}

absl::Status Radosgw::Bootstrap(absl::Time deadline) {
  mon_port_ = FreeLoopbackPort();
  rgw_port_ = FreeLoopbackPort();
  if (mon_port_ == 0 || rgw_port_ == 0 || mon_port_ == rgw_port_) {
    return absl::UnavailableError("no free loopback port");
  }
  const std::string fsid = NewUuid();
  const std::string& d = dir_;
  for (const char* sub : {"/mon", "/osd", "/run", "/rgw"}) {
    if (::mkdir((d + sub).c_str(), 0700) != 0) {
      return absl::UnavailableError(absl::StrCat("can't make ", d, sub));
    }
  }
  // msgr2 only, one replica, few placement groups (radosgw makes six pools),
  // objects in memory; every path inside the temporary directory.
  std::string conf_text = absl::StrCat(
      "[global]\n"
      "fsid = ",
      fsid,
      "\n"
      "mon host = v2:127.0.0.1:",
      mon_port_,
      "\n"
      "public addr = 127.0.0.1\n"
      "ms bind msgr1 = false\n"
      "ms bind msgr2 = true\n"
      "auth cluster required = cephx\n"
      "auth service required = cephx\n"
      "auth client required = cephx\n"
      "keyring = ",
      d,
      "/keyring\n"
      "osd pool default size = 1\n"
      "osd pool default min size = 1\n"
      "osd pool default pg num = 8\n"
      "osd pool default pgp num = 8\n"
      "osd crush chooseleaf type = 0\n"
      "osd objectstore = memstore\n"
      "mon data = ",
      d,
      "/mon\n"
      "osd data = ",
      d,
      "/osd\n"
      "run dir = ",
      d,
      "/run\n"
      "admin socket = ",
      d,
      "/run/$name.asok\n"
      "log file = ",
      d,
      "/$name.log\n"
      "pid file = ",
      d,
      "/run/$name.pid\n"
      "[",
      kGatewayName,
      "]\n"
      "rgw frontends = beast endpoint=127.0.0.1:",
      rgw_port_,
      " tcp_nodelay=1\n"
      "rgw data = ",
      d, "/rgw\n");
  if (!WriteText(conf(), conf_text)) return absl::UnavailableError("can't write ceph.conf");

  const std::string keyring = d + "/keyring";
  struct Key {
    const char* name;
    std::vector<std::string> caps;
  };
  const std::vector<Key> keys = {
      {"mon.", {"--cap", "mon", "allow *"}},
      {"client.admin",
       {"--cap", "mon", "allow *", "--cap", "osd", "allow *", "--cap", "mgr", "allow *"}},
      {"osd.0", {"--cap", "mon", "allow profile osd", "--cap", "osd", "allow *"}},
      {kGatewayName, {"--cap", "mon", "allow rw", "--cap", "osd", "allow rwx"}},
  };
  bool first = true;
  for (const Key& key : keys) {
    std::vector<std::string> args = {keyring};
    if (first) args.insert(args.begin(), "--create-keyring");
    args.insert(args.end(), {"--gen-key", "-n", key.name});
    args.insert(args.end(), key.caps.begin(), key.caps.end());
    if (absl::Status s = RunTool("/usr/bin/ceph-authtool", args, deadline); !s.ok()) return s;
    first = false;
  }
  const std::string monmap = d + "/monmap";
  if (absl::Status s = RunTool("/usr/bin/monmaptool",
                               {"--create", "--fsid", fsid, "--addv", "a",
                                absl::StrCat("[v2:127.0.0.1:", mon_port_, "]"), monmap},
                               deadline);
      !s.ok()) {
    return s;
  }
  const std::vector<std::string> c = {"-c", conf()};
  auto with_conf = [&c](std::vector<std::string> args) {
    args.insert(args.begin(), c.begin(), c.end());
    return args;
  };
  if (absl::Status s = RunTool(
          "/usr/bin/ceph-mon",
          with_conf({"--mkfs", "-i", "a", "--monmap", monmap, "--keyring", keyring}), deadline);
      !s.ok()) {
    return s;
  }
  const std::string mon_log = d + "/mon.out";
  if (absl::Status s =
          StartDaemon("/usr/bin/ceph-mon", with_conf({"-f", "-i", "a"}), mon_log, &mon_);
      !s.ok()) {
    return s;
  }

  // `ceph` waits for the monitor to answer.
  const std::string osd_uuid = NewUuid();
  if (absl::Status s =
          RunTool("/usr/bin/ceph", with_conf({"--connect-timeout", "30", "osd", "new", osd_uuid}),
                  deadline);
      !s.ok()) {
    if (absl::Status alive = Alive(mon_, "ceph-mon", mon_log); !alive.ok()) return alive;
    return s;
  }
  if (absl::Status s = RunTool("/usr/bin/ceph-osd",
                               with_conf({"-i", "0", "--mkfs", "--osd-uuid", osd_uuid}), deadline);
      !s.ok()) {
    return s;
  }
  const std::string osd_log = d + "/osd.out";
  if (absl::Status s =
          StartDaemon("/usr/bin/ceph-osd", with_conf({"-f", "-i", "0"}), osd_log, &osd_);
      !s.ok()) {
    return s;
  }
  // Wait for "1 up" before anything writes to a pool.
  for (;;) {
    if (absl::Status s = Alive(osd_, "ceph-osd", osd_log); !s.ok()) return s;
    if (absl::Now() > deadline) return absl::DeadlineExceededError("the OSD never came up");
    std::string out;
    if (RunTool("/usr/bin/ceph", with_conf({"--connect-timeout", "10", "osd", "stat"}), deadline,
                &out)
            .ok() &&
        out.find("1 up") != std::string::npos) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(300));
  }
  if (absl::Status s = StartGateway(deadline - absl::Now()); !s.ok()) return s;
  return absl::OkStatus();
}

absl::Status Radosgw::StartGateway(absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  if (rgw_.has_value()) return absl::FailedPreconditionError("the gateway is running");
  const std::string rgw_log = dir_ + "/rgw.out";
  if (absl::Status s =
          StartDaemon("/usr/bin/radosgw", {"-c", conf(), "-f", "-n", kGatewayName}, rgw_log, &rgw_);
      !s.ok()) {
    return s;
  }
  // The user, once (radosgw-admin waits for the pools the gateway makes);
  // the bucket on every start (creating one's own bucket again is 200).
  if (!user_made_) {
    if (absl::Status s = RunTool(
            "/usr/bin/radosgw-admin",
            {"-c", conf(), "user", "create", "--uid=keytrail", "--display-name=keytrail tests",
             "--access-key=" + options_.access_key, "--secret=" + options_.secret_key},
            deadline);
        !s.ok()) {
      if (absl::Status alive = Alive(rgw_, "radosgw", rgw_log); !alive.ok()) return alive;
      return s;
    }
    user_made_ = true;
  }
  for (;;) {
    if (absl::Status s = Alive(rgw_, "radosgw", rgw_log); !s.ok()) return s;
    if (absl::Now() > deadline) return absl::DeadlineExceededError("the bucket could not be made");
    absl::StatusOr<int> code = Curl({"-X", "PUT"}, "/" + options_.bucket);
    if (code.ok() && *code == 200) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return WaitForPut(deadline);
}

absl::Status Radosgw::WaitForPut(absl::Time deadline) {
  const std::string probe = dir_ + "/probe";
  if (!WriteText(probe, "probe")) return absl::UnavailableError("can't write the probe");
  for (;;) {
    if (absl::Status s = Alive(rgw_, "radosgw", dir_ + "/rgw.out"); !s.ok()) return s;
    absl::StatusOr<int> code =
        Curl({"-T", probe}, "/" + options_.bucket + "/keytrail-harness-probe");
    if (code.ok() && *code == 200) return absl::OkStatus();
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("no PUT to radosgw succeeded (last: ",
                       code.ok() ? absl::StrCat(*code) : code.status().ToString(), ")"));
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
}

absl::StatusOr<int> Radosgw::Curl(const std::vector<std::string>& curl_args,
                                  const std::string& path, std::string* body) {
  const std::string body_file = absl::StrCat(dir_, "/curl-body");
  const std::string out_file = absl::StrCat(dir_, "/curl-out");
  ::unlink(out_file.c_str());
  ::unlink(body_file.c_str());
  // radosgw answers 403 SignatureDoesNotMatch without x-amz-content-sha256.
  std::vector<std::string> args = {"-s",
                                   "--max-time",
                                   "10",
                                   "-o",
                                   body_file,
                                   "-w",
                                   "%{http_code}",
                                   "--aws-sigv4",
                                   "aws:amz:us-east-1:s3",
                                   "--user",
                                   options_.access_key + ":" + options_.secret_key,
                                   "-H",
                                   "x-amz-content-sha256: UNSIGNED-PAYLOAD"};
  args.insert(args.end(), curl_args.begin(), curl_args.end());
  args.push_back(endpoint() + path);
  absl::StatusOr<ChildProcess> child =
      ChildProcess::Start("/usr/bin/curl", args, out_file, /*die_with_parent=*/true);
  if (!child.ok()) return child.status();
  absl::StatusOr<int> status = child->Wait(absl::Seconds(20));
  if (!status.ok()) return status.status();
  if (body != nullptr) *body = ReadFile(body_file);
  int code = 0;
  std::string text = ReadFile(out_file);
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &code)) {
    return absl::UnavailableError(absl::StrCat("curl printed no status: ", text));
  }
  return code;
}

absl::Status Radosgw::StopGateway() {
  if (!rgw_.has_value()) return absl::FailedPreconditionError("the gateway is not running");
  StopChild(&rgw_, absl::Seconds(10));
  return absl::OkStatus();
}

std::vector<int> Radosgw::pids() const {
  std::vector<int> pids;
  for (const std::optional<ChildProcess>* d : {&rgw_, &osd_, &mon_}) {
    if (d->has_value()) pids.push_back((*d)->pid());
  }
  return pids;
}

void Radosgw::Stop() {
  StopChild(&rgw_, absl::Seconds(10));
  StopChild(&osd_, absl::Seconds(10));
  StopChild(&mon_, absl::Seconds(10));
}

void RadosgwTest::SetUpTestSuite() {
  if (!Radosgw::MissingReason().empty()) return;
  auto gw = Radosgw::Start("radosgw");
  ASSERT_TRUE(gw.ok()) << gw.status();
  gw_ = gw->release();
  std::cerr << "radosgw started in " << gw_->start_time() << "\n";
}

void RadosgwTest::TearDownTestSuite() {
  delete gw_;
  gw_ = nullptr;
}

void RadosgwTest::SetUp() {
  KEYTRAIL_SKIP_WITHOUT_RADOSGW();
  ASSERT_NE(gw_, nullptr);
}

}  // namespace keytrail::test
