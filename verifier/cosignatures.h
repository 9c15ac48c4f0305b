// Counts a checkpoint's cosignatures by trusted monitors
// (docs/DESIGN-NOTES.md, "Cosignatures"): each monitor counts once if any of
// its lines verifies; a line by an unknown key, or a trusted monitor's line
// that is malformed or does not verify, is ignored, never fatal. One mangled
// cosignature must not make every answer fail for a client that trusts its
// monitor: it only fails to count. The function lives in core/note
// (cosignature.h), shared with the log server's replica, which checks the
// same cosignatures a verifier demands.
//
// Pure function; thread-safe.
#ifndef KEYTRAIL_VERIFIER_COSIGNATURES_H_
#define KEYTRAIL_VERIFIER_COSIGNATURES_H_

#include <cstddef>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/note/cosignature.h"
#include "core/note/note.h"

namespace keytrail {
namespace verifier {

using note::CountCosignatures;

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_VERIFIER_COSIGNATURES_H_
