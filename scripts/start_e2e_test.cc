// scripts/start.sh as a newcomer runs it: a fresh HOME, an empty
// KEYTRAIL_HOME, free loopback ports, and the built binaries given through
// KEYTRAIL_BIN_DIR (bazel can't run inside a test; README.md says how to
// use it). Checked:
//   - the first start makes keys, starts the log server (with its tiles
//     served over HTTP), two monitors (B reading the log from its tiles
//     alone) and a read replica, each serving on its port, and tells the
//     story: every step's verdict and both alerts are printed (step 8 needs
//     the monitor to turn a same-size fork into evidence: branch `monitor`),
//     then a new app's verified lookup of Alice and Bob through the replica
//     (one BatchLookup);
//   - the replica serves the log's checkpoint (GetCheckpoint, once caught
//     up), refuses an Update with FAILED_PRECONDITION and answers /metrics
//     (curl);
//   - Ctrl-C (SIGINT to the script) stops every service, the script exits
//     0 and no service process is left;
//   - a second start reuses the keys and data (the replica serves the
//     log's checkpoint again) and does not tell the story again; Ctrl-C
//     stops it cleanly too.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "testing/process.h"

namespace keytrail {
namespace {

using test::ChildProcess;
using test::ReadFile;
using test::Runfile;
using test::TempDir;

// `n` ports free right now (bound together, then released).
std::vector<int> FreePorts(int n) {
  std::vector<int> fds, ports;
  for (int i = 0; i < n; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
    fds.push_back(fd);
    ports.push_back(ntohs(a.sin_port));
  }
  for (int fd : fds) ::close(fd);
  return ports;
}

bool Serves(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  ::close(fd);
  return ok;
}

// A checkpoint note's body: its text up to the blank line (the signatures
// follow it).
std::string NoteBody(const std::string& note) { return note.substr(0, note.find("\n\n")); }

bool Alive(pid_t pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

class StartE2eTest : public testing::Test {
 protected:
  void SetUp() override {
    home_ = TempDir("newcomer_home");
    data_ = home_ + "/keytrail-home";
    bin_ = TempDir("bin");
    for (const char* b : {"cli/keytrail", "log_server/log_server", "monitor/monitor"}) {
      const std::string target = Runfile(b);
      const std::string name = std::string(b).substr(std::string(b).find('/') + 1);
      ASSERT_EQ(::symlink(target.c_str(), (bin_ + "/" + name).c_str()), 0) << target;
    }
    // The sixth: the log's tiles over HTTP; the seventh and eighth: the
    // replica's gRPC and /metrics.
    ports_ = FreePorts(8);
  }

  // Starts the script; returns once it says the services run (or fails).
  void Start(const std::vector<std::string>& flags) {
    ++starts_;
    out_ = absl::StrCat(home_, "/start.", starts_, ".out");
    std::vector<std::string> args = {"-i",
                                     "HOME=" + home_,
                                     "PATH=/usr/bin:/bin",
                                     "KEYTRAIL_HOME=" + data_,
                                     "KEYTRAIL_BIN_DIR=" + bin_,
                                     "KEYTRAIL_PORTS=" + absl::StrJoin(ports_, ","),
                                     "/bin/bash",
                                     Runfile("scripts/start.sh")};
    args.insert(args.end(), flags.begin(), flags.end());
    auto p = ChildProcess::Start("/usr/bin/env", args, out_);
    ASSERT_TRUE(p.ok()) << p.status();
    script_.emplace(*std::move(p));
    const absl::Time end = absl::Now() + absl::Seconds(300);
    while (!absl::StrContains(ReadFile(out_), "services running; Ctrl-C stops them")) {
      ASSERT_FALSE(script_->ExitedStatus().has_value()) << ReadFile(out_);
      ASSERT_LT(absl::Now(), end) << ReadFile(out_);
      absl::SleepFor(absl::Milliseconds(200));
    }
  }

  std::vector<pid_t> ServicePids() {
    std::vector<pid_t> pids;
    for (const char* name : {"log_server", "monitor-a", "monitor-b", "replica"}) {
      int pid = 0;
      EXPECT_TRUE(absl::SimpleAtoi(
          absl::StripAsciiWhitespace(ReadFile(absl::StrCat(data_, "/run/", name, ".pid"))), &pid))
          << name;
      pids.push_back(pid);
    }
    return pids;
  }

  // `keytrail ARGS...`: its exit code and output (stdout and stderr).
  std::pair<int, std::string> Keytrail(const std::vector<std::string>& args) {
    const std::string out = absl::StrCat(home_, "/keytrail.", ++runs_, ".out");
    auto rc = test::RunProgram(bin_ + "/keytrail", args, out);
    EXPECT_TRUE(rc.ok()) << rc.status();
    return {rc.ok() ? *rc : -1, ReadFile(out)};
  }

  std::string Server(int port) { return absl::StrCat("--server=127.0.0.1:", port); }

  // The replica serves the checkpoint the log serves (it polls the tiles
  // every second: waited for, up to a minute), and returns the replica's
  // note. Compared are the notes' bodies (origin, size, root): the
  // cosignatures may differ, as a restarted log gathers a fresh one from
  // monitor B for a size the replica already serves.
  std::string ReplicaCaughtUp() {
    const absl::Time end = absl::Now() + absl::Seconds(60);
    while (true) {
      auto [log_rc, log_cp] = Keytrail({"checkpoint", Server(ports_[0])});
      auto [replica_rc, replica_cp] = Keytrail({"checkpoint", Server(ports_[6])});
      if (log_rc == 0 && replica_rc == 0 && NoteBody(log_cp) == NoteBody(replica_cp)) {
        return replica_cp;
      }
      if (absl::Now() > end) {
        ADD_FAILURE() << "the replica did not catch up: log " << log_cp << "\nreplica "
                      << replica_cp;
        return "";
      }
      absl::SleepFor(absl::Milliseconds(500));
    }
  }

  // Ctrl-C: the script stops everything and exits 0; nothing is left.
  void CtrlC() {
    const std::vector<pid_t> pids = ServicePids();
    for (pid_t pid : pids) EXPECT_TRUE(Alive(pid)) << pid;
    script_->Signal(SIGINT);
    auto rc = script_->Wait(absl::Seconds(60));
    ASSERT_TRUE(rc.ok()) << rc.status() << ReadFile(out_);
    EXPECT_EQ(*rc, 0) << ReadFile(out_);
    script_.reset();
    EXPECT_TRUE(absl::StrContains(ReadFile(out_), "start: all stopped")) << ReadFile(out_);
    for (pid_t pid : pids) EXPECT_FALSE(Alive(pid)) << "left running: " << pid;
    for (int port : ports_) EXPECT_FALSE(Serves(port)) << "still served: " << port;
  }

  std::string home_, data_, bin_, out_;
  std::vector<int> ports_;
  std::optional<ChildProcess> script_;
  int starts_ = 0;
  int runs_ = 0;
};

TEST_F(StartE2eTest, FirstStartTellsTheStoryCtrlCStopsAllSecondStartReuses) {
  ASSERT_NO_FATAL_FAILURE(Start({}));
  for (int port : ports_) EXPECT_TRUE(Serves(port)) << port;
  const std::string out = ReadFile(out_);
  for (const char* want : {
           "start: keytrail is running on loopback",
           "start: telling the story",
           "1. Alice enrolls phone and laptop under an account key",
           "Alice's app checks its own account: version 1",
           "2. Bob enrolls phone under an account key",
           "3. Bob looks Alice up",
           "verified: the log's signature, 2 of 2 monitor cosignatures",
           "they match: each marks the other verified",
           "5. Whoever controls the server slips a device into Alice's account",
           "ALERT on Alice's phone [unenrolled-device]",
           "ALERT on Bob's phone [identity-changed]",
           "8. A monitor is shown a forked checkpoint",
       }) {
    EXPECT_TRUE(absl::StrContains(out, want)) << want << "\n" << out;
  }
  EXPECT_FALSE(absl::StrContains(out, "FAILED: ")) << out;  // step 8: branch `monitor`
  EXPECT_TRUE(absl::StrContains(out, "the monitor now reports the log MISBEHAVING")) << out;
  const std::string note_pub = ReadFile(data_ + "/keys/note.pub");
  ASSERT_FALSE(note_pub.empty());

  // The replica: serves the log's checkpoint (cosigned by both monitors:
  // it requires them), the story's reader looked Alice up through it at
  // that checkpoint (with Bob, in one BatchLookup) and saw the rogue tablet
  // (version 2).
  const std::string served = ReplicaCaughtUp();
  // A checkpoint note: origin, size, root hash, blank line, signatures.
  const std::vector<std::string> lines = absl::StrSplit(served, '\n');
  ASSERT_GE(lines.size(), 2u) << served;
  const std::string size = lines[1];
  int64_t size_value = 0;
  ASSERT_TRUE(absl::SimpleAtoi(size, &size_value)) << served;
  EXPECT_TRUE(absl::StrContains(served, "— monitor.localhost/a ")) << served;
  EXPECT_TRUE(absl::StrContains(served, "— monitor.localhost/b ")) << served;
  for (const std::string& want : {
           absl::StrCat("a new app reads Alice's and Bob's accounts through the replica in one "
                        "BatchLookup (127.0.0.1:",
                        ports_[6], ")"),
           absl::StrCat("pinned log ", std::string(absl::StripAsciiWhitespace(note_pub)),
                        " at 127.0.0.1:", ports_[6]),
           std::string("policy: 2 of 2 monitors must cosign"),
           absl::StrCat("verified against checkpoint ", size), std::string(": version 2"),
           std::string("device tablet: key"),
           std::string("\n  bob."),  // Bob's account, in the same answer
       }) {
    EXPECT_TRUE(absl::StrContains(out, want)) << want << "\n" << out;
  }
  // Updates go to the log: the replica refuses them.
  auto [update_rc, update_out] = Keytrail({"update", "--json", Server(ports_[6]),
                                           "--token_file=" + data_ + "/keys/write.token",
                                           "--account=carol", "--device=phone=0a0b0c"});
  EXPECT_NE(update_rc, 0) << update_out;
  EXPECT_TRUE(absl::StrContains(update_out, "\"FAILED_PRECONDITION\"")) << update_out;
  EXPECT_TRUE(absl::StrContains(update_out, absl::StrCat("127.0.0.1:", ports_[0])))
      << update_out;  // names the primary
  const std::string metrics_out = home_ + "/metrics.out";
  auto curl = test::RunProgram(
      "/usr/bin/curl", {"-sS", "-f", absl::StrCat("http://127.0.0.1:", ports_[7], "/metrics")},
      metrics_out);
  ASSERT_TRUE(curl.ok()) << curl.status();
  EXPECT_EQ(*curl, 0) << ReadFile(metrics_out);
  EXPECT_TRUE(absl::StrContains(ReadFile(metrics_out),
                                absl::StrCat("keytrail_replica_served_size ", size, "\n")))
      << ReadFile(metrics_out);
  // Monitor B followed the log from its tiles (and cosigned: the story's
  // 2 of 2 cosignatures above).
  const std::string b_log = ReadFile(data_ + "/logs/monitor-b.log");
  EXPECT_TRUE(
      absl::StrContains(b_log, absl::StrCat("following tiles at http://127.0.0.1:", ports_[5])))
      << b_log;
  ASSERT_NO_FATAL_FAILURE(CtrlC());

  // Again: same keys and data, no story.
  ASSERT_NO_FATAL_FAILURE(Start({}));
  const std::string second = ReadFile(out_);
  EXPECT_FALSE(absl::StrContains(second, "telling the story")) << second;
  EXPECT_EQ(ReadFile(data_ + "/keys/note.pub"), note_pub);
  EXPECT_TRUE(absl::StrContains(second, absl::StrCat("127.0.0.1:", ports_[0]))) << second;
  // Its data reused: the same checkpoint.
  EXPECT_EQ(NoteBody(ReplicaCaughtUp()), NoteBody(served));
  ASSERT_NO_FATAL_FAILURE(CtrlC());
}

TEST_F(StartE2eTest, BadArgumentsAreOneLineAndExit2) {
  auto rc = test::RunProgram("/bin/bash", {Runfile("scripts/start.sh"), "--frobnicate"},
                             home_ + "/bad.out");
  ASSERT_TRUE(rc.ok());
  EXPECT_EQ(*rc, 2);
  EXPECT_EQ(ReadFile(home_ + "/bad.out"), "start: unknown argument --frobnicate (see --help)\n");
}

}  // namespace
}  // namespace keytrail
