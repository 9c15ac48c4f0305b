// The verifier library's saved state (proto/verifier_state.proto): decoding
// with every field checked, and the encoding the app stores.
//
// Pure functions; thread-safe. The app's storage is outside the library, but
// the bytes are the library's own: a blob that does not decode is DataLoss.
#ifndef KEYTRAIL_VERIFIER_STATE_H_
#define KEYTRAIL_VERIFIER_STATE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/verifier_state.pb.h"
#include "verifier/log_proof.h"
#include "verifier/log_trust.h"

namespace keytrail {
namespace verifier {

// The state format this library writes and reads.
constexpr uint32_t kStateFormatVersion = 1;

struct LoadedState {
  vstate::VerifierState state;
  // The stored checkpoint, as its note says (size 0 when none is stored).
  TrustedCheckpoint checkpoint;
};

// Decodes `bytes` for the log `trust` describes. Empty bytes are a fresh
// state (no checkpoint, no accounts). Otherwise:
//   DataLoss "state: ..."           the bytes do not parse, or a field is
//                                   malformed (a head not 32 bytes, a key set
//                                   that does not decode, contacts not sorted
//                                   or repeated, a checkpoint note the log's
//                                   key did not sign, a verified contact
//                                   without its code);
//   FailedPrecondition "state: ..." format_version is not
//                                   kStateFormatVersion (an older or newer
//                                   library wrote it; there is no migration
//                                   yet), or the state belongs to another log
//                                   (origin).
absl::StatusOr<LoadedState> DecodeState(absl::string_view bytes, const LogTrust& trust);

// Deterministic bytes for `state` (format_version set to
// kStateFormatVersion), which DecodeState reads back.
std::string EncodeState(vstate::VerifierState state);

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_VERIFIER_STATE_H_
