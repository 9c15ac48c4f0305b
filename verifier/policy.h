// Policy: what an app pins about the log it uses and how much it demands of
// each answer (docs/VERIFIER.md, "Policy"). The app ships it or takes it once
// from a configuration it trusts; nothing in an answer can change it.
//
// Plain value; TrustFromPolicy is pure and thread-safe.
#ifndef KEYTRAIL_VERIFIER_POLICY_H_
#define KEYTRAIL_VERIFIER_POLICY_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "verifier/log_trust.h"

namespace keytrail {
namespace verifier {

struct Policy {
  // The log's checkpoint key as a C2SP verifier key string
  // ("<origin>+<hash>+<base64>"); its name is the log's origin.
  std::string log_note_key;
  // The log's VRF public key: 33 bytes, compressed P-256.
  std::string vrf_public_key;
  // The commitment key (GetLogInfo's commitment_key). Fixed by protocol
  // version 1; pinned so that a log using another one is refused up front.
  std::string commitment_key;
  // The monitors the app trusts, as C2SP cosignature verifier keys.
  std::vector<std::string> monitor_keys;
  // How many distinct trusted monitors must have cosigned a checkpoint.
  size_t min_cosignatures = 0;
  // The largest acceptable age of the log's newest epoch, in milliseconds
  // (0 = no freshness check; not recommended).
  uint64_t max_checkpoint_age_ms = 0;
};

// The LogTrust the checks below the library take. InvalidArgument "policy:
// ..." when the note key or a monitor key does not parse, the VRF key is not
// a valid point, the commitment key is not the protocol's, one monitor key
// is listed twice, or min_cosignatures exceeds the number of monitors (a
// policy no checkpoint could meet).
absl::StatusOr<LogTrust> TrustFromPolicy(const Policy& policy);

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_VERIFIER_POLICY_H_
