// Text encodings of bytes: hex and standard base64 (RFC 4648 section 4, with
// padding, as C2SP signed notes use). Decoders are strict: they accept only
// the one canonical encoding of a value (hex: lowercase or uppercase digits,
// even length; base64: padding present, no whitespace, unused bits zero) and
// return InvalidArgument naming `what` otherwise. Thread-compatible, no state.
#ifndef KEYTRAIL_CORE_BYTES_ENCODING_H_
#define KEYTRAIL_CORE_BYTES_ENCODING_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace keytrail {

std::string HexEncode(absl::string_view bytes);  // lowercase
absl::StatusOr<std::string> HexDecode(absl::string_view hex, absl::string_view what = "hex");

std::string Base64Encode(absl::string_view bytes);
absl::StatusOr<std::string> Base64Decode(absl::string_view b64, absl::string_view what = "base64");

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_BYTES_ENCODING_H_
