// The verifier library's saved state (proto/verifier_state.proto): decoding
// with every field checked, and the encoding the app stores.
//
// Pure functions; thread-safe. The app's storage is outside the library, but
// the bytes are the library's own: a blob that does not decode is DataLoss.
//
// Format 2 (docs/VERIFIER.md, "State"), all of it covered by the trailing
// hash so that any damage -- one flipped bit, a cut -- is found before a
// field is believed:
//   saved_state = "KTVS" || u32 format_version (2, big-endian) ||
//                 [n] VerifierState (deterministic protobuf, its own
//                     format_version field 2) ||
//                 [32] SHA-256 of every byte before it
// The hash detects damage, not an attacker: whoever can write the app's
// storage can recompute it (the app's storage is trusted; see VERIFIER.md).
// Format 1 was the bare VerifierState message (format_version 1, no
// integrity check); it is recognised and refused, not read.
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
constexpr uint32_t kStateFormatVersion = 2;
// The envelope's first four bytes.
inline constexpr absl::string_view kStateMagic = "KTVS";

struct LoadedState {
  vstate::VerifierState state;
  // The stored checkpoint, as its note says (size 0 when none is stored).
  TrustedCheckpoint checkpoint;
};

// Decodes `bytes` for the log `trust` describes. Empty bytes are a fresh
// state (no checkpoint, no accounts). Otherwise:
//   DataLoss "state: ..."           the bytes are damaged: too short, no
//                                   magic, the integrity hash does not match
//                                   ("state: integrity check failed ..."),
//                                   or (with a matching hash, i.e. written
//                                   wrong) the message does not parse or a
//                                   field is malformed (a head not 32 bytes,
//                                   a key set that does not decode, contacts
//                                   not sorted or repeated, a checkpoint note
//                                   the log's key did not sign, a verified
//                                   contact without its code);
//   FailedPrecondition "state: format version 1 ..." a format-1 blob (an
//                                   older library wrote it; it has no
//                                   integrity check and is not migrated: the
//                                   app starts from a fresh state);
//   FailedPrecondition "state: format version N ..." an intact envelope of a
//                                   newer format (N > kStateFormatVersion);
//   FailedPrecondition "state: belongs to the log ..." another log's state
//                                   (origin).
absl::StatusOr<LoadedState> DecodeState(absl::string_view bytes, const LogTrust& trust);

// Deterministic format-2 bytes for `state` (its format_version set to
// kStateFormatVersion), which DecodeState reads back.
std::string EncodeState(vstate::VerifierState state);

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_VERIFIER_STATE_H_
