// The canonical unsigned decimal of C2SP text formats (checkpoint tree sizes,
// tlog-witness "old <size>" lines and bodies): ASCII digits only, no sign, no
// leading zero except "0" itself, no whitespace, value below 2^64. Written out
// because absl::SimpleAtoi also accepts a '+' sign, leading zeros and
// surrounding whitespace, and a second spelling of one size would be a second
// encoding of one signed note. Thread-compatible, no state.
#ifndef KEYTRAIL_CORE_BYTES_DECIMAL_H_
#define KEYTRAIL_CORE_BYTES_DECIMAL_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace keytrail {

// True and sets *out when `s` is the canonical decimal of a uint64_t; false
// (and *out untouched) for empty input, a sign, a leading zero, any non-digit,
// or a value of 2^64 or more.
bool ParseCanonicalDecimal(absl::string_view s, uint64_t* out);

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_BYTES_DECIMAL_H_
