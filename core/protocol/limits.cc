#include "core/protocol/limits.h"

#include "absl/strings/str_cat.h"

namespace keytrail {

absl::Status ValidateAccountId(absl::string_view account) {
  if (account.empty() || account.size() > kMaxAccountIdSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("account id: must be 1..", kMaxAccountIdSize, " bytes, got ", account.size()));
  }
  return absl::OkStatus();
}

}  // namespace keytrail
