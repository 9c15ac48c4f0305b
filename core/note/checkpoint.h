// Transparency-log checkpoints (c2sp.org/tlog-checkpoint): the text of a
// signed note (note.h) that states a log's tree head.
//
//   <origin>\n
//   <tree size, ASCII decimal>\n
//   <base64 of the 32-byte RFC 6962 root hash>\n
//   [<extension line>\n]...
//
// Parsing is strict:
//  - the text must end in "\n" and be note text (valid UTF-8, no control
//    character but newline; ParseNote has checked this for an opened note);
//  - the origin must be non-empty; it is otherwise opaque (the spec says
//    clients MUST NOT assume it is a URL without spaces or '+');
//  - the size is canonical: digits only, no sign, no leading zero (except
//    "0" itself), at most 2^64 - 1. (Go's sumdb/tlog stops at 2^63 - 1; the
//    spec sets no bound, so we take the full uint64.)
//  - the root hash is canonical base64 of exactly 32 bytes;
//  - extension lines, if any, are non-empty and kept verbatim.
// Stateless and thread-safe.
#ifndef KEYTRAIL_CORE_NOTE_CHECKPOINT_H_
#define KEYTRAIL_CORE_NOTE_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/sha256.h"

namespace keytrail {
namespace note {

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;  // without their newlines

  friend bool operator==(const Checkpoint& a, const Checkpoint& b) {
    return a.origin == b.origin && a.size == b.size && a.root == b.root &&
           a.extensions == b.extensions;
  }
};

// Parses checkpoint note text (a note's text, not the signed message).
// InvalidArgument "checkpoint: <what is wrong>" otherwise.
absl::StatusOr<Checkpoint> ParseCheckpoint(absl::string_view text);

// The note text. REQUIRES: origin and extensions non-empty and without '\n'
// (or other control characters); every Checkpoint from ParseCheckpoint
// qualifies.
std::string FormatCheckpoint(const Checkpoint& checkpoint);

}  // namespace note
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_NOTE_CHECKPOINT_H_
