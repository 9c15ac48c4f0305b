#include "verifier/account_index.h"

#include "core/crypto/ecvrf.h"
#include "core/protocol/limits.h"
#include "verifier/status_util.h"

namespace keytrail {
namespace verifier {

absl::StatusOr<Hash> VerifyAccountIndex(const LogTrust& trust, absl::string_view account,
                                        absl::string_view vrf_proof) {
  absl::Status s = ValidateAccountId(account);  // "account id: ..."
  if (!s.ok()) return s;
  auto index = trust.vrf_key.Verify(account, vrf_proof);
  if (!index.ok()) return Annotate(index.status(), "vrf proof");
  return *index;
}

}  // namespace verifier
}  // namespace keytrail
