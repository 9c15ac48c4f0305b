#include "verifier/policy.h"

#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/protocol/commitment.h"
#include "verifier/status_util.h"

namespace keytrail {
namespace verifier {

absl::StatusOr<LogTrust> TrustFromPolicy(const Policy& policy) {
  auto log_key = note::ParseVerifierKey(policy.log_note_key);
  if (!log_key.ok()) return Annotate(log_key.status(), "policy: log_note_key");
  auto vrf_key = VrfPublicKey::FromBytes(policy.vrf_public_key);
  if (!vrf_key.ok()) return Annotate(vrf_key.status(), "policy: vrf_public_key");
  if (policy.commitment_key != CommitmentKey()) {
    return absl::InvalidArgumentError(
        "policy: commitment_key differs from protocol version 1's fixed key");
  }
  std::vector<note::CosignatureVerifier> monitors;
  std::set<std::string> keys;
  for (size_t i = 0; i < policy.monitor_keys.size(); ++i) {
    auto m = note::ParseCosignatureVerifierKey(policy.monitor_keys[i]);
    if (!m.ok()) return Annotate(m.status(), absl::StrCat("policy: monitor_keys[", i, "]"));
    // A cosignature does not commit to its signer's name: one key listed
    // twice would count twice toward the policy.
    if (!keys.insert(m->public_key().bytes()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("policy: monitor_keys[", i, "] repeats a key listed before"));
    }
    monitors.push_back(*std::move(m));
  }
  if (policy.min_cosignatures > monitors.size()) {
    return absl::InvalidArgumentError(absl::StrCat("policy: min_cosignatures ",
                                                   policy.min_cosignatures, " exceeds the ",
                                                   monitors.size(), " trusted monitors"));
  }
  std::string origin = log_key->name();
  return LogTrust{std::move(origin),   *std::move(log_key),     *std::move(vrf_key),
                  std::move(monitors), policy.min_cosignatures, policy.max_checkpoint_age_ms};
}

}  // namespace verifier
}  // namespace keytrail
