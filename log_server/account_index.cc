#include "log_server/account_index.h"

namespace keytrail {

absl::StatusOr<AccountIndex> FindAccountIndex(const LogReader& reader, const VrfPrivateKey& vrf_key,
                                              absl::string_view account, VrfProofCache* cache) {
  auto stored = reader.GetAccount(account);
  if (!stored.ok()) return stored.status();
  AccountIndex out;
  if (stored->has_value()) {
    out.record = **std::move(stored);
    out.stored = true;
    return out;
  }
  if (cache != nullptr) {
    if (auto cached = cache->Get(account)) {
      out.record = *std::move(cached);
      return out;
    }
  }
  out.record.vrf_proof = vrf_key.Prove(account);
  auto beta = VrfProofToHash(out.record.vrf_proof);
  if (!beta.ok()) return absl::InternalError("VRF proof of our own key does not decode");
  out.record.index = *beta;
  if (cache != nullptr) cache->Put(account, out.record);
  return out;
}

}  // namespace keytrail
