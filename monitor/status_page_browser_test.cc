// The status page in a real browser: headless Chromium (Debian's
// /usr/bin/chromium) loads "/" from the real monitor binary following a fake
// log server, first while the log is honest (OK), then after the log serves
// a fork of the checkpoint it audited (MISBEHAVING, with evidence). The test
// reads the DOM Chromium built (--dump-dom), downloads the evidence through
// the page's link and proves it with `keytrail evidence verify`, and keeps a
// screenshot of the MISBEHAVING page in the test outputs
// ($TEST_UNDECLARED_OUTPUTS_DIR/status_page.png).
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "testing/fake_log.h"
#include "testing/fake_log_server.h"
#include "testing/monitor_harness.h"
#include "testing/process.h"

namespace keytrail::monitor {
namespace {

using fakes::FakeLog;
using fakes::FakeLogServer;
using fakes::PlainKeySet;
using keytrail::test::MonitorHarness;
using keytrail::test::ReadFile;
using keytrail::test::Runfile;
using keytrail::test::RunProgram;
using keytrail::test::TempDir;

constexpr char kChromium[] = "/usr/bin/chromium";

uint64_t NowMs() { return static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())); }

// Chromium with a fresh profile, nothing fetched but the page.
std::vector<std::string> ChromiumArgs(const std::string& dir) {
  return {"--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--user-data-dir=" + TempDir("chromium_profile"),
          "--window-size=1200,1400"};
}

// The DOM Chromium built from `url`.
std::string DumpDom(const std::string& url) {
  const std::string dir = TempDir("chromium");
  std::vector<std::string> args = ChromiumArgs(dir);
  args.push_back("--dump-dom");
  args.push_back(url);
  auto rc = RunProgram(kChromium, args, dir + "/dom.html", absl::Seconds(120));
  EXPECT_TRUE(rc.ok() && *rc == 0) << rc.status() << " " << rc.value_or(-1) << "\n"
                                   << ReadFile(dir + "/dom.html");
  return ReadFile(dir + "/dom.html");
}

class StatusPageBrowserTest : public testing::Test {
 protected:
  void SetUp() override {
    if (::access(kChromium, X_OK) != 0) {
      GTEST_FAIL() << kChromium << " is missing (scripts/install_deps.sh installs chromium)";
    }
    FakeLog log("status-page.example/log", NowMs() - 5000);
    for (int e = 1; e <= 2; ++e) {
      for (int i = 0; i < 5; ++i) log.Update(absl::StrCat("account ", i), PlainKeySet({"phone"}));
      log.CloseEpoch(NowMs() - 3000 + e);
    }
    server_ = FakeLogServer::Start(log).value();
    monitor_ =
        std::make_unique<MonitorHarness>(TempDir("status_page_monitor"), "monitor.example/status");
    monitor_->AddLog(log.signer().name(), log.signer().VerifierKey(), server_->address(), 50);
    // A peer that is not there: the page lists it as never reached.
    const std::string peer = TempDir("status_page_peer");
    ASSERT_EQ(RunProgram(Runfile("cli/keytrail"),
                         {"keygen", "cosigner", "monitor.example/absent", peer + "/c.key",
                          peer + "/c.pub"},
                         peer + "/keygen.log")
                  .value_or(-1),
              0);
    monitor_->AddPeer("monitor.example/absent",
                      std::string(absl::StripAsciiWhitespace(ReadFile(peer + "/c.pub"))),
                      "http://127.0.0.1:1/");
    ASSERT_NO_FATAL_FAILURE(monitor_->Start());
  }

  v1::LogStatus WaitFor(v1::LogStatus::State state) {
    v1::LogStatus s;
    for (int i = 0; i < 600; ++i) {
      s = monitor_->Status().logs(0);
      if (s.state() == state) return s;
      absl::SleepFor(absl::Milliseconds(50));
    }
    ADD_FAILURE() << "never " << v1::LogStatus::State_Name(state) << ": " << s.DebugString()
                  << monitor_->log();
    return s;
  }

  std::unique_ptr<FakeLogServer> server_;
  std::unique_ptr<MonitorHarness> monitor_;
};

TEST_F(StatusPageBrowserTest, ShowsAnHonestLogThenAMisbehavingOneWithEvidence) {
  const v1::LogStatus ok = WaitFor(v1::LogStatus::OK);
  ASSERT_EQ(ok.verified_size(), server_->Snapshot().size());
  std::string dom = DumpDom(monitor_->url());
  for (const std::string& want :
       {std::string("keytrail monitor monitor.example/status"),
        std::string("status-page.example/log"), std::string("state OK"),
        absl::StrCat("<th>Verified size</th><td>", ok.verified_size(), "</td>"),
        std::string("monitor.example/absent"), std::string("never"),
        std::string("cosignatures issued")}) {
    EXPECT_TRUE(absl::StrContains(dom, want)) << want << "\n" << dom;
  }

  // The log serves another tree of the same size: a split view.
  FakeLog other = server_->Snapshot().Fork();
  server_->Mutate([](FakeLog& l) {
    l.Update("alice", PlainKeySet({"alice's phone"}));
    l.CloseEpoch(NowMs());
  });
  for (int i = 0;
       i < 600 && monitor_->Status().logs(0).verified_size() != server_->Snapshot().size(); ++i) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_EQ(monitor_->Status().logs(0).verified_size(), server_->Snapshot().size());
  other.Update("alice", PlainKeySet({"the attacker's phone"}));
  other.CloseEpoch(NowMs());
  server_->Replace(other);
  const v1::LogStatus bad = WaitFor(v1::LogStatus::MISBEHAVING);
  ASSERT_EQ(bad.evidence_size(), 1) << bad.DebugString();

  const std::string shots = TempDir("chromium_shot");
  const char* outputs = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
  const std::string png = absl::StrCat(outputs ? outputs : shots.c_str(), "/status_page.png");
  std::vector<std::string> args = ChromiumArgs(shots);
  args.push_back("--screenshot=" + png);
  args.push_back(monitor_->url());
  auto rc = RunProgram(kChromium, args, shots + "/chromium.log", absl::Seconds(120));
  EXPECT_TRUE(rc.ok() && *rc == 0) << ReadFile(shots + "/chromium.log");
  EXPECT_GT(ReadFile(png).size(), 1000u) << "no screenshot at " << png;

  dom = DumpDom(monitor_->url());
  const std::string name = bad.evidence(0).file().substr(bad.evidence(0).file().rfind('/') + 1);
  for (const std::string& want :
       {std::string("state MISBEHAVING"), std::string("Evidence (1)"), std::string("split view"),
        absl::StrCat("href=\"/evidence/"), name}) {
    EXPECT_TRUE(absl::StrContains(dom, want)) << want << "\n" << dom;
  }

  // The link downloads exactly the evidence, which proves the split view.
  httplib::Client http("127.0.0.1", monitor_->http_port());
  auto res = http.Get(("/evidence/" + name).c_str());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->body, bad.evidence(0).evidence());
  const std::string file = shots + "/downloaded.evidence";
  { std::ofstream(file, std::ios::binary) << res->body; }
  EXPECT_EQ(RunProgram(Runfile("cli/keytrail"), {"evidence", "verify", file}, shots + "/verify.log")
                .value_or(-1),
            0)
      << ReadFile(shots + "/verify.log");
  EXPECT_TRUE(absl::StrContains(ReadFile(shots + "/verify.log"), "PROVEN"));
  // Only what the page lists is served.
  auto missing = http.Get("/evidence/..%2Fmonitor.textproto");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  missing = http.Get("/evidence/no-such-file");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

}  // namespace
}  // namespace keytrail::monitor
