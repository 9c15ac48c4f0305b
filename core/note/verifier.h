// The two interfaces a signed note is made and opened with, so that one note
// can carry signatures of several kinds: Ed25519 note signatures
// (ed25519_note.h) and tlog-cosignature/v1 cosignatures (cosignature.h) today,
// others later. As in Go's sumdb/note, a key is identified on a signature line
// by its name and 32-bit key hash.
//
// Implementations must be immutable after construction and safe to call from
// several threads at once; everything in keytrail that implements them is.
#ifndef KEYTRAIL_CORE_NOTE_VERIFIER_H_
#define KEYTRAIL_CORE_NOTE_VERIFIER_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace keytrail {
namespace note {

class NoteVerifier {
 public:
  virtual ~NoteVerifier() = default;

  virtual const std::string& name() const = 0;
  virtual uint32_t key_hash() const = 0;

  // True iff `signature` (the bytes of a signature line after its 4-byte key
  // hash) is this key's valid signature of the note text `text` (which ends
  // in its final newline). Named apart from the concrete classes' Verify(),
  // whose results differ by kind (a cosignature also yields a timestamp).
  virtual bool VerifyNoteSignature(absl::string_view text, absl::string_view signature) const = 0;
};

class NoteSigner {
 public:
  virtual ~NoteSigner() = default;

  virtual const std::string& name() const = 0;
  virtual uint32_t key_hash() const = 0;

  // The signature of the note text `text`, without the key hash: what goes
  // on the signature line after it.
  virtual std::string Sign(absl::string_view text) const = 0;
};

}  // namespace note
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_NOTE_VERIFIER_H_
