#include "verifier/log_trust.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/protocol/commitment.h"
#include "verifier/status_util.h"

namespace keytrail {
namespace verifier {
namespace {

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("log info: ", what));
}

}  // namespace

absl::StatusOr<LogTrust> LogTrust::FromLogInfo(const v1::GetLogInfoResponse& info) {
  // The version first: a log speaking another protocol may fill the other
  // fields with other meanings.
  if (info.protocol_version() != kProtocolVersion) {
    return Invalid(absl::StrCat("protocol_version ", info.protocol_version(),
                                " is not supported (want ", kProtocolVersion, ")"));
  }
  if (info.origin().empty()) return Invalid("origin is empty");
  auto log_key = note::ParseVerifierKey(info.note_verifier_key());
  if (!log_key.ok()) return Annotate(log_key.status(), "log info");
  // A checkpoint's signature is looked up by key name, and the checkpoint
  // says its origin: the two must be the same string (PROTOCOL.md).
  if (log_key->name() != info.origin()) {
    return Invalid(absl::StrCat("note key name \"", log_key->name(), "\" differs from origin \"",
                                info.origin(), "\""));
  }
  auto vrf_key = VrfPublicKey::FromBytes(info.vrf_public_key());
  if (!vrf_key.ok()) return Annotate(vrf_key.status(), "log info: vrf_public_key");
  // The commitment key is fixed by the protocol; a log reporting another one
  // computes commitments this library cannot check.
  if (info.commitment_key() != CommitmentKey()) {
    return Invalid("commitment_key differs from the protocol's fixed key");
  }
  return LogTrust{info.origin(), *std::move(log_key), *std::move(vrf_key), {}, 0, 0};
}

}  // namespace verifier
}  // namespace keytrail
