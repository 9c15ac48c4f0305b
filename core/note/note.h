// C2SP signed notes (c2sp.org/signed-note), compatible with Go's
// golang.org/x/mod/sumdb/note.
//
// A signed note is UTF-8 text ending in "\n", a blank line, and one or more
// signature lines "— <key name> <base64(key hash (u32, big-endian) ||
// signature)>\n" (U+2014 EM DASH, then a space). The whole message must be
// valid UTF-8 with no control character but newline. The text may contain
// blank lines: the last blank line separates it from the signatures.
//
// This header also brings in the Ed25519 note keys (ed25519_note.h) and the
// signer/verifier interfaces (verifier.h), so //core/note is the one
// dependency most code needs.
//
// Choices where the spec is silent or leaves room:
//  - More than kMaxNoteSignatures (100, Go's limit) signature lines: rejected.
//    The whole message size is not capped here; transports bound it.
//  - A signature must hold at least one byte after the key hash (as Go).
//  - Base64 must be canonical (unused bits zero); Go is lenient there.
//  - Every signature line by a known key (name and key hash both match) is
//    verified, duplicates included (Go skips repeated lines by one key); any
//    failure rejects the note. A known key that signed several times is
//    reported once, with its first line.
//  - Identical repeated lines by unknown keys are reported once (as Go).
//  - Two verifiers with the same name and key hash make OpenNote fail (Go
//    reports "ambiguous key" only when a line hits them; we check up front).
//
// All functions are stateless and thread-safe.
#ifndef KEYTRAIL_CORE_NOTE_NOTE_H_
#define KEYTRAIL_CORE_NOTE_NOTE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/note/ed25519_note.h"
#include "core/note/verifier.h"

namespace keytrail {
namespace note {

constexpr size_t kMaxNoteSignatures = 100;

struct NoteSignature {
  std::string name;
  uint32_t key_hash = 0;
  std::string signature;  // the decoded bytes after the 4-byte key hash
};

struct Note {
  std::string text;  // ends in "\n"; excludes the separating blank line
  std::vector<NoteSignature> signatures;
};

// Splits a signed note into text and signatures, checking structure only
// (no signature is verified: the text must not be trusted). InvalidArgument
// "note: ..." for: invalid UTF-8 or a control character, no blank line, no
// signature lines, a line not starting with "— ", an invalid key name, bad
// base64, a signature of fewer than 5 bytes, more than 100 signatures, or a
// block not ending in "\n".
absl::StatusOr<Note> ParseNote(absl::string_view message);

// The encoded message. REQUIRES: a note ParseNote would accept (text ends in
// "\n", valid names, 1..100 signatures each non-empty), e.g. one from
// ParseNote with signatures added from signers.
std::string FormatNote(const Note& note);

// Signs `text` with each signer and returns the encoded message, signatures
// in the signers' order. InvalidArgument if the text does not end in "\n",
// is not valid UTF-8 or has a control character other than newline, if there
// are no signers or more than 100, if a signer's name is invalid, or if two
// signers share a name and key hash. Internal if a signer returns an empty
// signature (a broken NoteSigner). REQUIRES: no null signer.
absl::StatusOr<std::string> SignNote(absl::string_view text,
                                     absl::Span<const NoteSigner* const> signers);

struct VerifiedSignature {
  const NoteVerifier* verifier;  // one of the verifiers passed to OpenNote
  NoteSignature signature;
};

struct OpenedNote {
  std::string text;
  // One entry per known key whose signature verified, in line order.
  std::vector<VerifiedSignature> verified;
  // Signatures by keys not among the verifiers; not checked.
  std::vector<NoteSignature> unverified;
};

// Parses `message` (as ParseNote) and verifies it. Lines by keys not among
// `verifiers` are ignored (reported in `unverified`). Returns the note when
// at least one known key's signature verifies and none fails.
// InvalidArgument:
//  - any ParseNote error;
//  - "note: invalid signature by known key <name>+<hash>" when a line whose
//    name and key hash match a verifier does not verify;
//  - "note: not signed by any known key (...)" listing the known keys;
//  - two verifiers with the same name and key hash.
// REQUIRES: no null verifier. The returned pointers point to the caller's
// verifiers, which must outlive their use.
absl::StatusOr<OpenedNote> OpenNote(absl::string_view message,
                                    absl::Span<const NoteVerifier* const> verifiers);

}  // namespace note
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_NOTE_NOTE_H_
