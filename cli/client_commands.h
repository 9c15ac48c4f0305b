// The keytrail tool's client commands (info, checkpoint, update, lookup,
// history, entries): a gRPC client of the log server that verifies what it
// is told with //verifier. See `keytrail help`.
#ifndef KEYTRAIL_CLI_CLIENT_COMMANDS_H_
#define KEYTRAIL_CLI_CLIENT_COMMANDS_H_

#include "absl/status/status.h"

namespace keytrail::cli {

// Parses flags from argv (argv[1] is the command) and runs the command.
// Returns the first error: the server's status (code and message unchanged),
// a verification failure (InvalidArgument naming the failed check), or a
// usage error (InvalidArgument).
absl::Status RunClientCommand(int argc, char** argv);

}  // namespace keytrail::cli

#endif  // KEYTRAIL_CLI_CLIENT_COMMANDS_H_
