#include "log_server/account_index.h"

namespace keytrail {

absl::StatusOr<AccountIndex> FindAccountIndex(const LogReader& reader,
                                              const VrfPrivateKey& vrf_key,
                                              absl::string_view account) {
  auto stored = reader.GetAccount(account);
  if (!stored.ok()) return stored.status();
  AccountIndex out;
  if (stored->has_value()) {
    out.record = **std::move(stored);
    out.stored = true;
    return out;
  }
  out.record.vrf_proof = vrf_key.Prove(account);
  auto beta = VrfProofToHash(out.record.vrf_proof);
  if (!beta.ok()) return absl::InternalError("VRF proof of our own key does not decode");
  out.record.index = *beta;
  return out;
}

}  // namespace keytrail
