// `keytrail demo`: the rogue-device story, told against a running
// deployment (docs: README.md, "The story").
//
//   keytrail demo --server=HOST:PORT --token_file=F --note_key=F
//                 --monitors=GRPC=URL=VKEY[,GRPC=URL=VKEY...]
//                 [--work_dir=DIR] [--json]
//
// Alice and Bob are two apps (cli/app.h, each a directory under work_dir)
// on the verifier library, pinned to the log and to every listed monitor
// (policy: all of them must cosign). The steps, each checked:
//   1-2  Alice enrolls phone and laptop under her account key; Bob his.
//   3    Bob looks Alice up (and Alice Bob): verified in full.
//   4    They compare verification codes and mark each other verified.
//   5    "The server" publishes a device for Alice with the write token and
//        no account-key signature.
//   6    Alice's self-monitoring raises unenrolled-device, with evidence.
//   7    Bob's next lookup raises identity-changed (the account key he
//        verified is gone), with evidence.
//   8    The first monitor is shown a forked checkpoint (same size as the
//        one it cosigned, another root, signed with the log's note key)
//        and flags the log MISBEHAVING; its evidence verifies.
// Account names carry a random suffix so the story can be told again
// against the same log.
#ifndef KEYTRAIL_CLI_DEMO_H_
#define KEYTRAIL_CLI_DEMO_H_

#include "absl/status/status.h"

namespace keytrail::cli {

// Runs the story with the flags parsed from argv (argv[1] is "demo"). OK
// when every step came out as the story says; Aborted naming the first step
// that did not (the steps after it are not run); InvalidArgument for a
// wrong command line; the error of a call the story could not make.
// With --json one document is printed on stdout (also on failure).
absl::Status RunDemo(int argc, char** argv);

}  // namespace keytrail::cli

#endif  // KEYTRAIL_CLI_DEMO_H_
