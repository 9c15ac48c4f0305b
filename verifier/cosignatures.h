// Counts a checkpoint's cosignatures by trusted monitors
// (docs/DESIGN-NOTES.md, "Cosignatures"): each monitor counts once if any of
// its lines verifies; a line by an unknown key, or a trusted monitor's line
// that is malformed or does not verify, is ignored, never fatal. One mangled
// cosignature must not make every answer fail for a client that trusts its
// monitor: it only fails to count.
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

// The number of distinct `monitors` (by public key: one key listed under two
// names counts once) with a line in `lines` whose name and key hash are the
// monitor's and whose signature verifies over `checkpoint_text` (the note
// text). `lines` are a parsed note's signature lines, e.g. OpenedNote's
// `unverified` when the note was opened with the log key alone.
size_t CountCosignatures(absl::string_view checkpoint_text,
                         const std::vector<note::NoteSignature>& lines,
                         const std::vector<note::CosignatureVerifier>& monitors);

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_VERIFIER_COSIGNATURES_H_
