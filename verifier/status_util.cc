#include "verifier/status_util.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace keytrail {
namespace verifier {

absl::Status Annotate(const absl::Status& status, absl::string_view what) {
  if (status.ok()) return status;
  absl::Status out(status.code(), absl::StrCat(what, ": ", status.message()));
  // Payloads say what kind of failure it was (e.g. IsKeySetSignatureError);
  // the prefix must not hide that.
  status.ForEachPayload(
      [&out](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

}  // namespace verifier
}  // namespace keytrail
