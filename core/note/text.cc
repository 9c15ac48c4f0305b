#include "core/note/text.h"

#include <cstdint>

#include "absl/strings/str_cat.h"

namespace keytrail {
namespace note {
namespace {

// Decodes one UTF-8 sequence at s[i]. Returns its length and sets *cp, or
// returns 0 when the bytes there are not a well-formed sequence.
size_t DecodeRune(absl::string_view s, size_t i, uint32_t* cp) {
  const auto at = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t b0 = at(i);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  size_t len;
  uint32_t min;
  if ((b0 & 0xe0) == 0xc0) {
    len = 2, min = 0x80, *cp = b0 & 0x1f;
  } else if ((b0 & 0xf0) == 0xe0) {
    len = 3, min = 0x800, *cp = b0 & 0x0f;
  } else if ((b0 & 0xf8) == 0xf0) {
    len = 4, min = 0x10000, *cp = b0 & 0x07;
  } else {
    return 0;  // a continuation byte or 0xf8..0xff
  }
  if (s.size() - i < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    const uint8_t b = at(i + k);
    if ((b & 0xc0) != 0x80) return 0;
    *cp = (*cp << 6) | (b & 0x3f);
  }
  if (*cp < min || *cp > 0x10ffff) return 0;     // overlong or too large
  if (*cp >= 0xd800 && *cp <= 0xdfff) return 0;  // UTF-16 surrogate
  return len;
}

// Go's unicode.IsSpace: Latin-1 spaces plus the White_Space code points.
bool IsUnicodeSpace(uint32_t cp) {
  switch (cp) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xa0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202f:
    case 0x205f:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200a;
  }
}

}  // namespace

bool IsValidUtf8(absl::string_view s) {
  uint32_t cp;
  for (size_t i = 0; i < s.size();) {
    const size_t n = DecodeRune(s, i, &cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

absl::Status CheckNoteCharacters(absl::string_view s, absl::string_view what) {
  uint32_t cp;
  for (size_t i = 0; i < s.size();) {
    const size_t n = DecodeRune(s, i, &cp);
    if (n == 0) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": invalid UTF-8 at byte ", i));
    }
    if (cp < 0x20 && cp != '\n') {
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": control character 0x", absl::Hex(cp, absl::kZeroPad2), " at byte ", i));
    }
    i += n;
  }
  return absl::OkStatus();
}

bool IsValidKeyName(absl::string_view name) {
  if (name.empty()) return false;
  uint32_t cp;
  for (size_t i = 0; i < name.size();) {
    const size_t n = DecodeRune(name, i, &cp);
    if (n == 0 || cp < 0x20 || cp == '+' || IsUnicodeSpace(cp)) return false;
    i += n;
  }
  return true;
}

absl::Status CheckKeyName(absl::string_view name, absl::string_view what) {
  if (IsValidKeyName(name)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(what,
                   ": invalid key name (empty, or has a space, '+' or control "
                   "character, or is not UTF-8)"));
}

}  // namespace note
}  // namespace keytrail
