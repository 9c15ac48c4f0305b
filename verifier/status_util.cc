#include "verifier/status_util.h"

#include "absl/strings/str_cat.h"
#include "core/bytes/encoding.h"

namespace keytrail {
namespace verifier {

absl::Status Annotate(const absl::Status& status, absl::string_view what) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(what, ": ", status.message()));
}

std::string Hex(const Hash& hash) { return HexEncode(HashView(hash)); }

}  // namespace verifier
}  // namespace keytrail
