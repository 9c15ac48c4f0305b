// keytrail: the command-line tool. `keytrail help` lists the commands.
// Exits 0 on success, 3 when a verified answer raised an alert (app
// commands), otherwise prints one line "keytrail: <why>" and exits 2 when
// the request itself was invalid (a usage error, or INVALID_ARGUMENT from
// the server or the verifier), 1 for anything else (the server refused or
// failed). --json anywhere: one JSON document on stdout (cli/output.h).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cli/app_commands.h"
#include "cli/client_commands.h"
#include "cli/demo.h"
#include "cli/evidence_command.h"
#include "cli/keygen.h"
#include "cli/monitor_status_command.h"
#include "cli/output.h"

namespace {

constexpr char kHelp[] =
    "keytrail: key transparency for contact key verification\n"
    "\n"
    "  keytrail keygen note|vrf|cosigner NAME PRIVATE_FILE PUBLIC_FILE\n"
    "  keytrail keygen account PRIVATE_FILE PUBLIC_FILE\n"
    "  keytrail keygen token FILE\n"
    "  keytrail keygen replica FILE\n"
    "  keytrail info       --server=HOST:PORT\n"
    "  keytrail checkpoint --server=HOST:PORT\n"
    "  keytrail update     --server=HOST:PORT --token_file=F --account=A\n"
    "                      --device=ID=HEXKEY ... [--account_key=F] [--expected_version=N]\n"
    "                      [--state_dir=DIR] [--allow_insecure_key_permissions]\n"
    "  keytrail lookup     --server=HOST:PORT --account=A [--state_dir=DIR]\n"
    "  keytrail history    --server=HOST:PORT --account=A [--since=N] [--state_dir=DIR]\n"
    "  keytrail entries    --server=HOST:PORT --start=N [--count=N]\n"
    "  keytrail monitor status --server=HOST:PORT\n"
    "  keytrail evidence verify FILE\n"
    "  keytrail demo       --server=HOST:PORT --token_file=F --note_key=F\n"
    "                      --monitors=GRPC=URL=VKEY,... [--work_dir=DIR]\n"
    "\n"
    "The app side (state in --dir; docs/VERIFIER.md):\n"
    "  keytrail app pin     --dir=D --server=HOST:PORT --monitor_keys=VKEY,...\n"
    "                       [--min_cosignatures=N] [--max_age=10m]\n"
    "  keytrail app account --dir=D --account=A      (the own account)\n"
    "  keytrail app enroll  --dir=D --device=ID=HEXKEY,...\n"
    "  keytrail app lookup  --dir=D --account=A      (own account or a contact)\n"
    "  keytrail app lookup  --dir=D --accounts=A,B,C (several at once: BatchLookup)\n"
    "  keytrail app watch   --dir=D --account=A      (every version since the last)\n"
    "  keytrail app code    --dir=D [--account=CONTACT]\n"
    "  keytrail app verify  --dir=D --account=CONTACT --code=DIGITS\n"
    "  keytrail app contact --dir=D --account=CONTACT\n"
    "  keytrail app alerts  --dir=D\n"
    "  keytrail app observe --dir=D --checkpoint_file=F [--proof_file=F]\n"
    "\n"
    "Every command takes --json: one JSON document on stdout instead of text.\n"
    "Exit codes: 0 ok; 1 failed (server, network, storage); 2 invalid (command\n"
    "line, or an answer that does not verify); 3 verified, but an alert was\n"
    "raised (app lookup/watch/observe). Errors are one line on stderr.\n"
    "\n"
    "lookup and history verify every proof in the answer against the log's\n"
    "keys (fetched once and pinned in --state_dir) and the last checkpoint\n"
    "this client verified. update --account_key signs the key set as the\n"
    "account's next version: it learns the current one from a verified lookup\n"
    "(or --expected_version) and updates only if the account is still there.\n"
    "update refuses a --token_file or --account_key that group or others can\n"
    "read (chmod 600 it), as the log server and the monitor do, unless\n"
    "--allow_insecure_key_permissions (then it warns).\n"
    "evidence verify checks a monitor's evidence file and exits non-zero if\n"
    "it proves nothing.\n";

int Exit(const absl::Status& s) {
  using namespace keytrail::cli;
  if (s.ok()) return kExitOk;
  std::fprintf(stderr, "keytrail: %s\n", std::string(s.message()).c_str());
  if (JsonOutput() && !JsonPrinted()) {
    PrintJson(
        {{"error", {{"code", StatusCodeName(s.code())}, {"message", std::string(s.message())}}}});
  }
  return s.code() == absl::StatusCode::kInvalidArgument ? kExitInvalid : kExitError;
}

}  // namespace

int main(int argc, char** argv) {
  // --json applies to every command: take it out before a command parses.
  std::vector<char*> kept;
  for (int i = 0; i < argc; ++i) {
    if (i > 0 && (std::string(argv[i]) == "--json" || std::string(argv[i]) == "-json")) {
      keytrail::cli::SetJsonOutput(true);
    } else {
      kept.push_back(argv[i]);
    }
  }
  argc = static_cast<int>(kept.size());
  kept.push_back(nullptr);
  argv = kept.data();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kHelp, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "keygen") {
    return Exit(keytrail::cli::RunKeygen(std::vector<std::string>(args.begin() + 1, args.end())));
  }
  if (args[0] == "evidence") {
    return Exit(
        keytrail::cli::RunEvidenceCommand(std::vector<std::string>(args.begin() + 1, args.end())));
  }
  if (args[0] == "monitor") {
    return Exit(
        keytrail::cli::RunMonitorCommand(std::vector<std::string>(args.begin() + 1, args.end())));
  }
  if (args[0] == "demo") return Exit(keytrail::cli::RunDemo(argc, argv));
  if (args[0] == "app") {
    auto alert = keytrail::cli::RunAppCommand(argc, argv);
    if (!alert.ok()) return Exit(alert.status());
    return *alert ? keytrail::cli::kExitAlert : keytrail::cli::kExitOk;
  }
  return Exit(keytrail::cli::RunClientCommand(argc, argv));
}
