// keytrail: the command-line tool. `keytrail help` lists the commands.
// Exits 0 on success; otherwise prints one line "keytrail: <why>" (plus
// usage for a wrong command line) and exits 2 when the request itself was
// invalid (a usage error, or INVALID_ARGUMENT from the server or the
// verifier), 1 for anything else (the server refused or failed).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cli/client_commands.h"
#include "cli/evidence_command.h"
#include "cli/keygen.h"
#include "cli/monitor_status_command.h"

namespace {

constexpr char kHelp[] =
    "keytrail: key transparency for contact key verification\n"
    "\n"
    "  keytrail keygen note|vrf|cosigner NAME PRIVATE_FILE PUBLIC_FILE\n"
    "  keytrail keygen account PRIVATE_FILE PUBLIC_FILE\n"
    "  keytrail keygen token FILE\n"
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
  if (s.ok()) return 0;
  std::fprintf(stderr, "keytrail: %s\n", std::string(s.message()).c_str());
  return s.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kHelp, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "keygen") {
    return Exit(keytrail::cli::RunKeygen(std::vector<std::string>(args.begin() + 1, args.end())));
  }
  if (args[0] == "evidence") {
    return Exit(keytrail::cli::RunEvidenceCommand(std::vector<std::string>(args.begin() + 1, args.end())));
  }
  if (args[0] == "monitor") {
    return Exit(keytrail::cli::RunMonitorCommand(std::vector<std::string>(args.begin() + 1, args.end())));
  }
  return Exit(keytrail::cli::RunClientCommand(argc, argv));
}
