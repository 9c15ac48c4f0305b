// Character-level rules shared by signed notes, checkpoints and key strings
// (c2sp.org/signed-note): UTF-8 validity, the ban on control characters, and
// what makes a key name valid. Internal to //core/note. Stateless and
// thread-safe.
#ifndef KEYTRAIL_CORE_NOTE_TEXT_H_
#define KEYTRAIL_CORE_NOTE_TEXT_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace keytrail {
namespace note {

// True iff `s` is well-formed UTF-8: no overlong forms, no surrogates
// (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequences. This is
// the set Go's utf8.DecodeRune accepts without returning RuneError.
bool IsValidUtf8(absl::string_view s);

// OK iff `s` is valid UTF-8 and contains no ASCII control character
// (below U+0020) other than newline, as the signed-note spec demands of a
// whole note. Otherwise InvalidArgument "<what>: ..." naming the byte offset.
absl::Status CheckNoteCharacters(absl::string_view s, absl::string_view what);

// True iff `name` is a valid key name: non-empty, valid UTF-8, no Unicode
// space (Go's unicode.IsSpace: the White_Space property), no '+', and no
// ASCII control character. The last rule is ours: Go does not check it, but
// such a name could never appear on a signature line, so a key with it could
// never sign a note that opens.
bool IsValidKeyName(absl::string_view name);

// OK iff IsValidKeyName(name); otherwise InvalidArgument "<what>: invalid key
// name (...)". The message never quotes the name: in a damaged private key
// string the "name" may hold the secret.
absl::Status CheckKeyName(absl::string_view name, absl::string_view what);

}  // namespace note
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_NOTE_TEXT_H_
