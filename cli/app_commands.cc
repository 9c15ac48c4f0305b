#include "cli/app_commands.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/app.h"
#include "cli/output.h"
#include "core/bytes/encoding.h"
#include "core/protocol/verification_code.h"
#include "core/util/file.h"

ABSL_DECLARE_FLAG(std::string, server);
ABSL_DECLARE_FLAG(std::string, account);
ABSL_DECLARE_FLAG(std::vector<std::string>, device);
ABSL_DECLARE_FLAG(absl::Duration, timeout);
ABSL_FLAG(std::string, dir, "", "the app's state directory (app)");
ABSL_FLAG(std::vector<std::string>, monitor_keys, {},
          "monitors' cosignature verifier keys, comma-separated (app pin)");
ABSL_FLAG(int64_t, min_cosignatures, -1,
          "how many of --monitor_keys must have cosigned (app pin; default: all)");
ABSL_FLAG(absl::Duration, max_age, absl::Minutes(10),
          "the oldest acceptable checkpoint epoch (app pin; 0: no check)");
ABSL_FLAG(std::string, own_account_key, "",
          "the own account's public account key, hex (app account): a key set of the own "
          "account with any other account key, or none, raises an alert");
ABSL_FLAG(std::vector<std::string>, accounts, {},
          "several accounts to look up at once, comma-separated, with BatchLookup (app lookup; "
          "instead of --account)");
ABSL_FLAG(std::string, code, "", "the verification code the contact's phone shows (app verify)");
ABSL_FLAG(std::string, checkpoint_file, "", "a signed checkpoint note (app observe)");
ABSL_FLAG(std::string, proof_file, "",
          "encoded consistency proof for --checkpoint_file (app observe; default: ask the log)");

namespace keytrail::cli {
namespace {

using nlohmann::json;

void Human(const std::string& line) {
  if (!JsonOutput()) std::printf("%s\n", line.c_str());
}

std::string Printable(const std::string& s) { return absl::CEscape(s); }

void PrintAccount(const verifier::VerifiedAccount& a) {
  if (a.version == 0) {
    Human(absl::StrCat(Printable(a.account), ": no keys in the log (proven absent)"));
    return;
  }
  Human(absl::StrCat(Printable(a.account), ": version ", a.version,
                     a.verified ? " (you verified this contact)" : ""));
  if (a.key_set.devices.empty()) Human("  no devices (account deactivated)");
  if (a.key_set.account_key) {
    Human(absl::StrCat("  account key ", HexEncode(*a.key_set.account_key)));
  }
  for (const Device& d : a.key_set.devices) {
    Human(absl::StrCat("  device ", Printable(d.device_id), ": key ", HexEncode(d.device_key)));
  }
}

void PrintAlerts(const std::vector<SavedAlert>& alerts) {
  for (const SavedAlert& a : alerts) {
    Human(absl::StrCat("ALERT ", a.number, " [", verifier::AlertName(a.alert.kind), "] ",
                       a.alert.explanation));
    if (!a.evidence_file.empty()) Human(absl::StrCat("  evidence: ", a.evidence_file));
  }
}

// One outcome's --json document.
json OutcomeDocument(const Outcome& o, uint64_t checkpoint_size) {
  json j = OutcomeJson(o);
  j["checkpoint_size"] = checkpoint_size;
  return j;
}

// The error main reports for a rejected answer; OK for one that verified.
absl::Status Rejection(const Outcome& o) {
  if (o.result.status.ok()) return absl::OkStatus();
  return absl::Status(o.result.status.code(), absl::StrCat("the log's answer does not verify: ",
                                                           o.result.status.message()));
}

// Prints an outcome; the verdict for main.
absl::StatusOr<bool> Report(const Outcome& o, uint64_t checkpoint_size) {
  if (JsonOutput()) {
    PrintJson(OutcomeDocument(o, checkpoint_size));
  } else {
    if (o.result.status.ok()) {
      Human(absl::StrCat("verified against checkpoint ", checkpoint_size));
      if (o.result.account) PrintAccount(*o.result.account);
    }
    PrintAlerts(o.alerts);
  }
  absl::Status rejected = Rejection(o);
  if (!rejected.ok()) return rejected;
  return !o.alerts.empty();
}

// A group lookup's outcomes, each as Report shows one (JSON: {"answers":
// [...]}), under one checkpoint line when any verified; the verdict is the
// first rejection, else whether any alert was raised.
absl::StatusOr<bool> ReportGroup(const std::vector<Outcome>& outcomes, uint64_t checkpoint_size) {
  if (JsonOutput()) {
    json answers = json::array();
    for (const Outcome& o : outcomes) answers.push_back(OutcomeDocument(o, checkpoint_size));
    PrintJson({{"answers", answers}});
  } else {
    if (std::any_of(outcomes.begin(), outcomes.end(),
                    [](const Outcome& o) { return o.result.status.ok(); })) {
      Human(absl::StrCat("verified against checkpoint ", checkpoint_size));
    }
    for (const Outcome& o : outcomes) {
      if (o.result.status.ok() && o.result.account) PrintAccount(*o.result.account);
      PrintAlerts(o.alerts);
    }
  }
  bool alerts = false;
  for (const Outcome& o : outcomes) {
    absl::Status rejected = Rejection(o);
    if (!rejected.ok()) return rejected;
    alerts = alerts || !o.alerts.empty();
  }
  return alerts;
}

absl::StatusOr<std::string> ReadInput(const std::string& path, const char* what) {
  if (path.empty()) return absl::InvalidArgumentError(absl::StrCat("app: ", what, " is required"));
  return ReadFileToString(path, 1 << 20);
}

}  // namespace

absl::StatusOr<bool> RunAppCommand(int argc, char** argv) {
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() != 3) {
    return absl::InvalidArgumentError(
        "usage: keytrail app COMMAND --dir=DIR ...; see `keytrail help`");
  }
  const std::string command = rest[2];
  const std::string dir = absl::GetFlag(FLAGS_dir);
  const absl::Duration timeout = absl::GetFlag(FLAGS_timeout);
  const std::string account = absl::GetFlag(FLAGS_account);
  if (command == "pin") {
    std::vector<std::string> keys = absl::GetFlag(FLAGS_monitor_keys);
    int64_t min = absl::GetFlag(FLAGS_min_cosignatures);
    auto app = App::Pin(dir, absl::GetFlag(FLAGS_server), keys,
                        min < 0 ? keys.size() : static_cast<size_t>(min),
                        absl::GetFlag(FLAGS_max_age), timeout);
    if (!app.ok()) return app.status();
    const verifier::Policy& p = (*app)->policy();
    if (JsonOutput()) {
      PrintJson({{"dir", dir},
                 {"server", (*app)->server()},
                 {"log_note_key", p.log_note_key},
                 {"monitor_keys", p.monitor_keys},
                 {"min_cosignatures", p.min_cosignatures},
                 {"max_checkpoint_age_ms", p.max_checkpoint_age_ms}});
    } else {
      Human(absl::StrCat("pinned log ", p.log_note_key, " at ", (*app)->server(), " in ", dir));
      Human(absl::StrCat("policy: ", p.min_cosignatures, " of ", p.monitor_keys.size(),
                         " monitors must cosign; checkpoints at most ",
                         p.max_checkpoint_age_ms / 1000, " s old"));
    }
    return false;
  }
  auto app = App::Open(dir, timeout);
  if (!app.ok()) return app.status();
  App& a = **app;
  if (command == "account") {
    absl::Status s = a.SetOwnAccount(account);
    if (!s.ok()) return s;
    if (!absl::GetFlag(FLAGS_own_account_key).empty()) {
      auto key = HexDecode(absl::GetFlag(FLAGS_own_account_key), "--own_account_key");
      if (!key.ok()) return key.status();
      s = a.SetOwnAccountKey(*key);
      if (!s.ok()) return s;
    }
    if (JsonOutput()) PrintJson({{"account", account}});
    Human(absl::StrCat("this app is signed in to ", Printable(account)));
    return false;
  }
  if (command == "enroll") {
    json devices = json::array();
    for (const std::string& spec : absl::GetFlag(FLAGS_device)) {
      std::pair<std::string, std::string> parts = absl::StrSplit(spec, absl::MaxSplits('=', 1));
      auto key = HexDecode(parts.second, "--device key");
      if (parts.first.empty() || !key.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("app enroll: --device must be ID=HEXKEY, got \"", spec, "\""));
      }
      absl::Status s = a.EnrollDevice(parts.first, *key);
      if (!s.ok()) return s;
      devices.push_back({{"id", parts.first}, {"key", parts.second}});
      Human(absl::StrCat("enrolled ", Printable(parts.first)));
    }
    if (devices.empty()) return absl::InvalidArgumentError("app enroll: --device is required");
    if (JsonOutput()) PrintJson({{"enrolled", devices}});
    return false;
  }
  if (command == "lookup" && !absl::GetFlag(FLAGS_accounts).empty()) {
    if (!account.empty()) {
      return absl::InvalidArgumentError("app lookup: give --account or --accounts, not both");
    }
    auto outcomes = a.LookupGroup(absl::GetFlag(FLAGS_accounts));
    if (!outcomes.ok()) return outcomes.status();
    return ReportGroup(*outcomes, a.verifier().last_verified_size());
  }
  if (command == "lookup" || command == "watch") {
    if (account.empty()) return absl::InvalidArgumentError("app: --account is required");
    auto o = command == "lookup" ? a.Lookup(account) : a.Watch(account);
    if (!o.ok()) return o.status();
    return Report(*o, a.verifier().last_verified_size());
  }
  if (command == "observe") {
    auto note = ReadInput(absl::GetFlag(FLAGS_checkpoint_file), "--checkpoint_file");
    if (!note.ok()) return note.status();
    std::string proof;
    if (!absl::GetFlag(FLAGS_proof_file).empty()) {
      auto p = ReadInput(absl::GetFlag(FLAGS_proof_file), "--proof_file");
      if (!p.ok()) return p.status();
      proof = *p;
    }
    auto o = a.Observe(*note, proof);
    if (!o.ok()) return o.status();
    return Report(*o, a.verifier().last_verified_size());
  }
  if (command == "code") {
    auto code = account.empty() ? a.verifier().OwnCode() : a.verifier().ContactCode(account);
    if (!code.ok()) return code.status();
    if (JsonOutput()) {
      PrintJson({{"contact", account.empty() ? json(nullptr) : json(account)},
                 {"code", *code},
                 {"formatted", FormatVerificationCode(*code)}});
    }
    Human(FormatVerificationCode(*code));
    return false;
  }
  if (command == "verify") {
    if (account.empty()) return absl::InvalidArgumentError("app verify: --account is required");
    absl::Status s = a.MarkVerified(account, absl::GetFlag(FLAGS_code));
    if (!s.ok()) return s;
    if (JsonOutput()) PrintJson({{"contact", account}, {"verified", true}});
    Human(absl::StrCat(Printable(account), " is now a verified contact"));
    return false;
  }
  if (command == "contact") {
    auto c = a.verifier().Contact(account);
    if (!c) return absl::NotFoundError(absl::StrCat("app: no contact ", Printable(account)));
    if (JsonOutput()) PrintJson(AccountJson(*c));
    PrintAccount(*c);
    return false;
  }
  if (command == "alerts") {
    auto alerts = a.Alerts();
    if (!alerts.ok()) return alerts.status();
    if (JsonOutput()) {
      json list = json::array();
      for (const SavedAlert& s : *alerts) list.push_back(AlertJson(s));
      PrintJson({{"alerts", list}});
    } else if (alerts->empty()) {
      Human("no alerts");
    }
    PrintAlerts(*alerts);
    return false;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown command \"app ", command, "\"; see `keytrail help`"));
}

}  // namespace keytrail::cli
