// How the keytrail tool prints: human-readable text by default, or, with
// --json anywhere on the command line, exactly one JSON document on stdout
// (field names documented per command in docs/; stable). Errors are one
// line "keytrail: <why>" on stderr either way; with --json stdout then
// carries {"error": {"code": "...", "message": "..."}} (docs/OPERATIONS.md,
// "The keytrail tool").
//
// The mode is set once by main before any command runs; reading it is
// thread-safe after that.
#ifndef KEYTRAIL_CLI_OUTPUT_H_
#define KEYTRAIL_CLI_OUTPUT_H_

#include <string>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace keytrail::cli {

// Exit codes of every keytrail command (documented in `keytrail help`).
constexpr int kExitOk = 0;
constexpr int kExitError = 1;    // the server, the network or storage failed
constexpr int kExitInvalid = 2;  // bad command line, or an answer that does not verify
constexpr int kExitAlert = 3;    // verified, and an alert was raised (app, demo steps)

void SetJsonOutput(bool json);
bool JsonOutput();

// Prints `j` (indented) and a newline on stdout; invalid UTF-8 is replaced.
void PrintJson(const nlohmann::json& j);
// Whether PrintJson ran (main prints an error document only if not).
bool JsonPrinted();

// "INVALID_ARGUMENT" etc.
std::string StatusCodeName(absl::StatusCode code);

}  // namespace keytrail::cli

#endif  // KEYTRAIL_CLI_OUTPUT_H_
