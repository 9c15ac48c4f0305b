#include "verifier/lookup.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/map/proof.h"
#include "verifier/account_proof.h"

namespace keytrail {
namespace verifier {

absl::StatusOr<VerifiedLookup> VerifyLookup(const LogTrust& trust, absl::string_view account,
                                            const v1::LookupResponse& response,
                                            const TrustedCheckpoint& last, uint64_t now_ms,
                                            SignatureCheck signatures,
                                            CheckpointCache* checkpoints) {
  auto answer = VerifyAccountAnswer(trust, account, response.log(), response.vrf_proof(),
                                    response.map_proof(), last, now_ms, checkpoints);
  if (!answer.ok()) return answer.status();
  VerifiedLookup out;
  out.log = std::move(answer->log);
  out.index = answer->index;
  const map::MapProof* proof = &answer->proof;
  const Hash& map_root = out.log.epoch.map_root;

  if (!response.has_current()) {
    // An absent account has no previous head to give; one given anyway means
    // the server and this client disagree about what the answer is.
    if (!response.previous_head().empty()) {
      return absl::InvalidArgumentError(
          "previous_head: given, but the answer has no current version");
    }
    absl::Status s =
        VerifyAccountAbsent(map_root, out.index, *proof, "the answer has no current version");
    if (!s.ok()) return s;
    return out;
  }

  Hash previous_head;
  if (!HashFromBytes(response.previous_head(), &previous_head)) {
    return absl::InvalidArgumentError(
        absl::StrCat("previous_head: must be 32 bytes, got ", response.previous_head().size()));
  }
  auto state = VerifyAccountVersion(account, response.current(), previous_head, out.log.epoch.epoch,
                                    out.log.checkpoint.size);
  if (!state.ok()) return state.status();
  absl::Status s = VerifyAccountInMap(map_root, out.index, state->version, state->head, *proof);
  if (!s.ok()) return s;
  // Last: only a key set the log has proven is worth a signature alert.
  s = VerifyAccountVersionSignature(account, *state);
  if (!s.ok()) {
    if (signatures == SignatureCheck::kRequire) return s;
    state->signatures = s;
  }
  out.current = *std::move(state);
  return out;
}

}  // namespace verifier
}  // namespace keytrail
