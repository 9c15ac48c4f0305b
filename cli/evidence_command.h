// `keytrail evidence verify FILE`: checks a monitor's evidence file with
// nothing but its own bytes (core/evidence) and says what it proves.
#ifndef KEYTRAIL_CLI_EVIDENCE_COMMAND_H_
#define KEYTRAIL_CLI_EVIDENCE_COMMAND_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace keytrail::cli {

// Runs `evidence` with the arguments after the word "evidence". On success
// prints what the evidence proves, the log's origin and key to stdout.
// InvalidArgument when the evidence proves nothing (or decodes badly) or
// for a wrong command line; NotFound when the file can't be read.
absl::Status RunEvidenceCommand(const std::vector<std::string>& args);

}  // namespace keytrail::cli

#endif  // KEYTRAIL_CLI_EVIDENCE_COMMAND_H_
