// End to end with the real binaries: a log server requiring the
// cosignatures of two real monitors (which gossip with each other).
//   TheStory: `keytrail demo --json` tells the rogue-device story; each
//     step's outcome is checked from the JSON document, every alert included
//     (kind, account, who raised it, evidence file on disk), the fork's
//     evidence with `keytrail evidence verify`; then `keytrail app` reads the
//     state the demo's apps left (alerts, contact).
//   TheAppCli: an app from the command line on a fresh deployment: pin,
//     account, enroll, lookup (exit 0), a device the user did not enroll
//     (exit 3, the alert on stdout and stored), codes, observe; errors are
//     one line on stderr with a non-zero exit and, with --json, an error
//     document on stdout.
//
// Step 8: a monitor shown a same-size forked checkpoint flags the log with
// split-view evidence (issue 13.1).
#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "proto/log_service.grpc.pb.h"
#include "testing/deployment.h"
#include "testing/log_server_harness.h"
#include "testing/process.h"

namespace keytrail::cli {
namespace {

using keytrail::test::Deployment;
using keytrail::test::LogServerHarness;
using keytrail::test::ReadFile;
using keytrail::test::Runfile;
using keytrail::test::RunProgram;
using keytrail::test::TempDir;
using nlohmann::json;

struct CliRun {
  int rc = -1;
  std::string out;  // stdout
  std::string err;  // stderr
  json doc;         // stdout parsed (discarded if not JSON)
};

// Runs keytrail with `args`; stdout and stderr kept apart (through sh).
CliRun Keytrail(const std::vector<std::string>& args, absl::Duration timeout = absl::Seconds(60)) {
  static int n = 0;
  const std::string dir = TempDir(absl::StrCat("keytrail_run_", ++n));
  std::string cmd = "exec \"$0\"";
  for (size_t i = 0; i < args.size(); ++i) absl::StrAppend(&cmd, " \"$", i + 1, "\"");
  absl::StrAppend(&cmd, " 2>", dir, "/err");
  std::vector<std::string> sh_args = {"-c", cmd, Runfile("cli/keytrail")};
  sh_args.insert(sh_args.end(), args.begin(), args.end());
  CliRun r;
  r.rc = RunProgram("/bin/sh", sh_args, dir + "/out", timeout).value_or(-1);
  r.out = ReadFile(dir + "/out");
  r.err = ReadFile(dir + "/err");
  r.doc = json::parse(r.out, nullptr, false);
  return r;
}

class DemoE2eTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(deployment_.Start());
    log_ = &deployment_.log();
    info_ = deployment_.info();
    server_ = deployment_.log_address();
  }

  std::string MonitorsFlag() const {
    std::vector<std::string> specs;
    for (const auto& m : deployment_.monitors()) {
      specs.push_back(absl::StrCat("127.0.0.1:", m->grpc_port(),
                                   "=http://127.0.0.1:", m->http_port(), "=", m->cosigner_key()));
    }
    return "--monitors=" + absl::StrJoin(specs, ",");
  }

  // The alerts of step `n` (1-based) of the story's document.
  static json StepAlerts(const json& doc, size_t n) {
    return doc["steps"].size() >= n ? doc["steps"][n - 1]["alerts"] : json::array();
  }

  Deployment deployment_{"demo"};
  LogServerHarness* log_ = nullptr;
  v1::GetLogInfoResponse info_;
  std::string server_;
};

TEST_F(DemoE2eTest, TheStory) {
  const std::string work = TempDir("demo_work");
  CliRun demo = Keytrail(
      {"demo", "--json", "--server=" + server_, "--token_file=" + log_->path("token"),
       "--note_key=" + log_->path("note.key"), MonitorsFlag(), "--work_dir=" + work, "--wait=20s"},
      absl::Seconds(240));
  ASSERT_FALSE(demo.doc.is_discarded()) << demo.out << demo.err;
  const json& steps = demo.doc["steps"];
  ASSERT_GE(steps.size(), 7u) << demo.out << demo.err;
  const std::vector<std::string> titles = {"Alice enrolls phone and laptop",
                                           "Bob enrolls phone",
                                           "Bob looks Alice up",
                                           "compare verification codes",
                                           "slips a device into Alice's account",
                                           "Alice's phone checks her own account",
                                           "Bob's next lookup of Alice",
                                           "A monitor is shown a forked checkpoint"};
  for (size_t i = 0; i < steps.size(); ++i) {
    EXPECT_EQ(steps[i]["step"], i + 1);
    EXPECT_TRUE(absl::StrContains(steps[i]["title"].get<std::string>(), titles[i]))
        << steps[i]["title"];
  }
  // Steps 1-7: each as the story says; no alert before the rogue device.
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_TRUE(steps[i]["ok"].get<bool>()) << steps[i].dump(2);
  }
  for (size_t n = 1; n <= 5; ++n) EXPECT_TRUE(StepAlerts(demo.doc, n).empty()) << n;
  const json& looked_up = steps[2]["looked_up"];
  EXPECT_EQ(looked_up["version"], 1);
  EXPECT_EQ(looked_up["devices"].size(), 2u);
  EXPECT_FALSE(looked_up["account_key"].is_null());
  const std::string alice = looked_up["account"];
  ASSERT_TRUE(absl::StartsWith(alice, "alice.")) << alice;
  EXPECT_EQ(steps[3]["codes"]["Alice"], steps[3]["codes"]["Bob"]);
  EXPECT_EQ(steps[3]["codes"]["Alice"].get<std::string>().size(), 60u);

  // Step 6: Alice's own phone raises unenrolled-device (the tablet) and
  // identity-changed (her account key is gone: the owner is told of every
  // change to her identity she did not make); step 7: Bob's raises
  // identity-changed (the account key he verified is gone). Each with the
  // log's answer as evidence, on disk.
  const json a6 = StepAlerts(demo.doc, 6);
  ASSERT_EQ(a6.size(), 2u) << steps[5].dump(2);
  std::map<std::string, json> by_name;
  for (const json& a : a6) by_name[a["name"].get<std::string>()] = a;
  ASSERT_EQ(by_name.count("unenrolled-device"), 1u) << steps[5].dump(2);
  ASSERT_EQ(by_name.count("identity-changed"), 1u) << steps[5].dump(2);
  const json& device = by_name["unenrolled-device"];
  EXPECT_EQ(device["kind"], 1);
  EXPECT_EQ(device["account"], alice);
  EXPECT_EQ(device["raised_by"], "Alice");
  EXPECT_TRUE(absl::StrContains(device["explanation"].get<std::string>(), "tablet"));
  EXPECT_FALSE(ReadFile(device["evidence_file"]).empty());
  const json& identity = by_name["identity-changed"];
  EXPECT_EQ(identity["account"], alice);
  EXPECT_EQ(identity["raised_by"], "Alice");
  EXPECT_FALSE(ReadFile(identity["evidence_file"]).empty());
  const json a7 = StepAlerts(demo.doc, 7);
  ASSERT_EQ(a7.size(), 1u) << steps[6].dump(2);
  EXPECT_EQ(a7[0]["name"], "identity-changed");
  EXPECT_EQ(a7[0]["account"], alice);
  EXPECT_EQ(a7[0]["raised_by"], "Bob");
  EXPECT_FALSE(ReadFile(a7[0]["evidence_file"]).empty());

  // Step 8: the monitor flags the log and its evidence proves the split
  // view.
  ASSERT_EQ(steps.size(), 8u);
  EXPECT_TRUE(steps[7]["ok"].get<bool>()) << "step 8: " << steps[7].dump(2);
  EXPECT_EQ(demo.rc, 0) << demo.err;
  EXPECT_EQ(demo.doc["ok"], demo.rc == 0);
  if (steps[7]["ok"].get<bool>()) {
    CliRun verify = Keytrail({"evidence", "verify", steps[7]["evidence_file"]});
    EXPECT_EQ(verify.rc, 0) << verify.out << verify.err;
    EXPECT_TRUE(absl::StrContains(verify.out, "PROVEN: split view"));
    EXPECT_EQ(deployment_.monitor(0).Status().logs(0).state(), v1::LogStatus::MISBEHAVING);
  } else {
    EXPECT_EQ(demo.rc, 1);
    EXPECT_TRUE(absl::StartsWith(demo.err, "keytrail: step 8")) << demo.err;
  }

  // ---- The app-side CLI on the apps the story left ----
  CliRun alerts = Keytrail({"app", "alerts", "--json", "--dir=" + work + "/alice"});
  ASSERT_EQ(alerts.rc, 0) << alerts.err;
  ASSERT_EQ(alerts.doc["alerts"].size(), 2u) << alerts.out;
  for (const json& a : alerts.doc["alerts"]) {
    const std::string name = a["name"];
    ASSERT_EQ(by_name.count(name), 1u) << alerts.out;
    EXPECT_EQ(a["evidence_file"], by_name[name]["evidence_file"]);
  }
  EXPECT_NE(alerts.doc["alerts"][0]["name"], alerts.doc["alerts"][1]["name"]);
  CliRun human = Keytrail({"app", "alerts", "--dir=" + work + "/bob"});
  EXPECT_EQ(human.rc, 0);
  EXPECT_TRUE(absl::StrContains(human.out, "ALERT 1 [identity-changed]")) << human.out;

  CliRun contact =
      Keytrail({"app", "contact", "--json", "--dir=" + work + "/bob", "--account=" + alice});
  ASSERT_EQ(contact.rc, 0) << contact.err;
  EXPECT_EQ(contact.doc["version"], 2);
  EXPECT_EQ(contact.doc["devices"].size(), 3u);
  EXPECT_TRUE(contact.doc["account_key"].is_null());

  // A newcomer's app sees Alice as the log serves her now, without alerts
  // (nothing was verified before).
  const std::string dave = TempDir("dave") + "/app";
  ASSERT_EQ(Keytrail({"app", "pin", "--dir=" + dave, "--server=" + server_,
                      "--monitor_keys=" + deployment_.monitor(0).cosigner_key() + "," +
                          deployment_.monitor(1).cosigner_key()})
                .rc,
            0);
  CliRun first = Keytrail({"app", "lookup", "--json", "--dir=" + dave, "--account=" + alice});
  EXPECT_EQ(first.rc, 0) << first.err;
  EXPECT_EQ(first.doc["account"]["version"], 2);
  EXPECT_TRUE(first.doc["alerts"].empty());
}

// The app-side CLI from the command line, on a deployment that has not
// told the story (after it, the flagged log publishes nothing new).
TEST_F(DemoE2eTest, TheAppCli) {
  // A fresh app, from the command line: pin, sign in, enroll, look up.
  const std::string carol = TempDir("carol") + "/app";
  std::vector<std::string> keys_flag = {"--monitor_keys=" + deployment_.monitor(0).cosigner_key() +
                                        "," + deployment_.monitor(1).cosigner_key()};
  CliRun pin = Keytrail({"app", "pin", "--json", "--dir=" + carol, "--server=" + server_,
                         keys_flag[0], "--max_age=5m"});
  ASSERT_EQ(pin.rc, 0) << pin.err;
  EXPECT_EQ(pin.doc["min_cosignatures"], 2);
  EXPECT_EQ(pin.doc["log_note_key"], info_.note_verifier_key());
  CliRun again =
      Keytrail({"app", "pin", "--json", "--dir=" + carol, "--server=" + server_, keys_flag[0]});
  EXPECT_EQ(again.rc, 1);
  EXPECT_TRUE(absl::StrContains(again.err, "pinned already")) << again.err;
  EXPECT_EQ(again.doc["error"]["code"], "FAILED_PRECONDITION") << again.out;
  EXPECT_EQ(std::count(again.err.begin(), again.err.end(), '\n'), 1) << again.err;
  ASSERT_EQ(Keytrail({"app", "account", "--dir=" + carol, "--account=carol"}).rc, 0);
  ASSERT_EQ(Keytrail({"app", "enroll", "--dir=" + carol, "--device=phone=0a0b"}).rc, 0);
  // Carol's account is proven absent.
  CliRun own = Keytrail({"app", "lookup", "--json", "--dir=" + carol, "--account=carol"});
  EXPECT_EQ(own.rc, 0) << own.err;
  EXPECT_TRUE(own.doc["verified"].get<bool>()) << own.out;
  EXPECT_EQ(own.doc["account"]["version"], 0);
  CliRun code = Keytrail({"app", "code", "--json", "--dir=" + carol});
  // Carol has no verified key set of her own yet: no code.
  EXPECT_EQ(code.rc, 1) << code.out;
  EXPECT_EQ(code.doc["error"]["code"], "FAILED_PRECONDITION");

  // Publish Carol's phone; her app sees exactly it (exit 0), then a device
  // she did not enroll appears: exit 3, the alert on stdout and stored.
  CliRun update =
      Keytrail({"update", "--json", "--server=" + server_, "--token_file=" + log_->path("token"),
                "--account=carol", "--device=phone=0a0b"});
  ASSERT_EQ(update.rc, 0) << update.err;
  EXPECT_EQ(update.doc["version"], 1) << update.out;
  // (update returns once the epoch is sealed; the cosigned checkpoint that
  // serves it may follow a moment later)
  CliRun mine;
  for (int i = 0; i < 100; ++i) {
    mine = Keytrail({"app", "lookup", "--json", "--dir=" + carol, "--account=carol"});
    if (mine.rc != 0 || mine.doc["account"]["version"] == 1) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_EQ(mine.rc, 0) << mine.out << mine.err;
  EXPECT_EQ(mine.doc["account"]["version"], 1);
  ASSERT_EQ(Keytrail({"update", "--server=" + server_, "--token_file=" + log_->path("token"),
                      "--account=carol", "--device=phone=0a0b,watch=0c0d"})
                .rc,
            0);
  CliRun rogue;
  for (int i = 0; i < 100; ++i) {
    rogue = Keytrail({"app", "lookup", "--json", "--dir=" + carol, "--account=carol"});
    if (rogue.rc != 0) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_EQ(rogue.rc, 3) << rogue.out << rogue.err;
  ASSERT_EQ(rogue.doc["alerts"].size(), 1u) << rogue.out;
  EXPECT_EQ(rogue.doc["alerts"][0]["name"], "unenrolled-device");
  EXPECT_TRUE(absl::StrContains(rogue.doc["alerts"][0]["explanation"].get<std::string>(), "watch"));

  // Watching follows every version since the last verified one: nothing
  // new since the lookup above, so no second alert.
  CliRun watch = Keytrail({"app", "watch", "--json", "--dir=" + carol, "--account=carol"});
  EXPECT_EQ(watch.rc, 0) << watch.out << watch.err;
  EXPECT_TRUE(watch.doc["verified"].get<bool>()) << watch.out;
  EXPECT_EQ(watch.doc["account"]["version"], 2);
  EXPECT_TRUE(watch.doc["alerts"].empty()) << watch.out;
  // Her own code, now that her key set is verified; and a checkpoint
  // from elsewhere (here: the log's, through `keytrail checkpoint`).
  CliRun own_code = Keytrail({"app", "code", "--json", "--dir=" + carol});
  EXPECT_EQ(own_code.rc, 0) << own_code.err;
  EXPECT_EQ(own_code.doc["code"].get<std::string>().size(), 30u) << own_code.out;
  CliRun cp = Keytrail({"checkpoint", "--json", "--server=" + server_});
  ASSERT_EQ(cp.rc, 0) << cp.err;
  const std::string cp_file = TempDir("observed") + "/checkpoint";
  { std::ofstream(cp_file) << cp.doc["checkpoint"].get<std::string>(); }
  CliRun observed =
      Keytrail({"app", "observe", "--json", "--dir=" + carol, "--checkpoint_file=" + cp_file});
  EXPECT_EQ(observed.rc, 0) << observed.out << observed.err;
  EXPECT_TRUE(observed.doc["verified"].get<bool>()) << observed.out;
  CliRun stored = Keytrail({"app", "alerts", "--json", "--dir=" + carol});
  EXPECT_EQ(stored.doc["alerts"].size(), 1u) << stored.out;

  // A group chat's members at once (BatchLookup): more than one call holds
  // (128 accounts), each answer verified as a Lookup, in the given order.
  std::string members = "carol";
  for (int i = 0; i < 130; ++i) members += absl::StrCat(",member", i, "@example.org");
  CliRun group = Keytrail({"app", "lookup", "--json", "--dir=" + carol, "--accounts=" + members});
  EXPECT_EQ(group.rc, 0) << group.out << group.err;
  ASSERT_EQ(group.doc["answers"].size(), 131u) << group.out;
  EXPECT_EQ(group.doc["answers"][0]["account"]["account"], "carol");
  EXPECT_EQ(group.doc["answers"][0]["account"]["version"], 2);
  EXPECT_EQ(group.doc["answers"][130]["account"]["account"], "member129@example.org");
  for (const json& a : group.doc["answers"]) {
    EXPECT_TRUE(a["verified"].get<bool>()) << a;
    EXPECT_TRUE(a["alerts"].empty()) << a;
  }
  EXPECT_EQ(group.doc["answers"][130]["account"]["version"], 0);
  CliRun both =
      Keytrail({"app", "lookup", "--dir=" + carol, "--account=carol", "--accounts=carol,dan"});
  EXPECT_EQ(both.rc, 2) << both.err;
  EXPECT_TRUE(absl::StrContains(both.err, "not both")) << both.err;

  // Errors: one line, non-zero exit, and a JSON error document with --json.
  CliRun bad =
      Keytrail({"app", "lookup", "--json", "--dir=" + TempDir("never_pinned"), "--account=x"});
  EXPECT_EQ(bad.rc, 1);
  EXPECT_EQ(bad.doc["error"]["code"], "NOT_FOUND");
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
  CliRun usage = Keytrail({"app", "frobnicate", "--json", "--dir=" + carol});
  EXPECT_EQ(usage.rc, 2);
  EXPECT_EQ(usage.doc["error"]["code"], "INVALID_ARGUMENT");
}

}  // namespace
}  // namespace keytrail::cli
