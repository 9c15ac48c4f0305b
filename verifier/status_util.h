// Error helpers shared by the verifier's checks (internal to //verifier).
//
// Every check the verifier makes reports its failure as InvalidArgument whose
// message starts with the name of the check ("epoch inclusion proof: ...",
// "vrf proof: ...") so an app can tell the user, and a test can assert, which
// check failed. Errors from core/ are passed on with that prefix added and
// their code kept (core reports bad input as InvalidArgument; any other code
// would be a bug there, which relabelling must not hide).
//
// Pure functions; thread-safe.
#ifndef KEYTRAIL_VERIFIER_STATUS_UTIL_H_
#define KEYTRAIL_VERIFIER_STATUS_UTIL_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/crypto/sha256.h"

namespace keytrail {
namespace verifier {

// `status` with its message prefixed by "<what>: ", same code and payloads.
// OK stays OK.
absl::Status Annotate(const absl::Status& status, absl::string_view what);

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_VERIFIER_STATUS_UTIL_H_
