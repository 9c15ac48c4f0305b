// `keytrail app ...`: the app side of keytrail as commands, each a call on
// cli/app.h (and so on the verifier library). docs/VERIFIER.md, "The
// app-side CLI", is the worked example; `keytrail help` the summary.
#ifndef KEYTRAIL_CLI_APP_COMMANDS_H_
#define KEYTRAIL_CLI_APP_COMMANDS_H_

#include "absl/status/statusor.h"

namespace keytrail::cli {

// Parses flags from argv (argv[1] is "app", argv[2] the subcommand) and
// runs it. Returns whether an alert was raised (the caller exits 3), or the
// error: InvalidArgument for a wrong command line or an answer that does
// not verify (its alerts are printed and stored first), App's errors
// otherwise.
absl::StatusOr<bool> RunAppCommand(int argc, char** argv);

}  // namespace keytrail::cli

#endif  // KEYTRAIL_CLI_APP_COMMANDS_H_
