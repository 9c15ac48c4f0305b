// `keytrail keygen`: makes the key files the log server and monitors run
// with. Private files are created mode 0600 and never overwritten; nothing
// secret is printed.
//
//   keytrail keygen note NAME PRIVATE_FILE PUBLIC_FILE      log note key (NAME = origin)
//   keytrail keygen vrf NAME PRIVATE_FILE PUBLIC_FILE       log VRF key
//   keytrail keygen cosigner NAME PRIVATE_FILE PUBLIC_FILE  monitor cosigning key
//   keytrail keygen account PRIVATE_FILE PUBLIC_FILE        a user's account key
//   keytrail keygen token FILE                              a random write token
#ifndef KEYTRAIL_CLI_KEYGEN_H_
#define KEYTRAIL_CLI_KEYGEN_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace keytrail::cli {

// Runs `keygen` with the arguments after the word "keygen". On success
// prints one line naming what was written (and the public key string) to
// stdout. InvalidArgument for a wrong command line, AlreadyExists when a
// file is in the way, the key-file errors otherwise.
absl::Status RunKeygen(const std::vector<std::string>& args);

}  // namespace keytrail::cli

#endif  // KEYTRAIL_CLI_KEYGEN_H_
