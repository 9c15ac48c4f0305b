#include "verifier/account_version.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/protocol/chain.h"
#include "core/protocol/commitment.h"
#include "verifier/status_util.h"

namespace keytrail {
namespace verifier {

absl::StatusOr<AccountState> VerifyAccountVersion(absl::string_view account,
                                                  const v1::AccountVersion& v,
                                                  const Hash& previous_head, uint64_t log_epoch,
                                                  uint64_t log_size) {
  const std::string what = absl::StrCat("version ", v.version());
  auto invalid = [&what](absl::string_view message) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", message));
  };
  if (v.version() == 0) return invalid("versions start at 1");
  // The chain starts at head_0; a server claiming another start for version 1
  // would be describing a history no other client could reproduce.
  if (v.version() == 1 && previous_head != GenesisHead()) {
    return invalid("previous head of version 1 must be the genesis head");
  }
  // PROTOCOL.md: epoch 0 is the genesis epoch and holds no updates.
  if (v.epoch() == 0) return invalid("epoch 0 is the genesis epoch, which holds no updates");
  if (v.epoch() > log_epoch) {
    return invalid(
        absl::StrCat("epoch ", v.epoch(), " is after the checkpoint's epoch ", log_epoch));
  }
  // Leaf 0 is the genesis epoch entry and the checkpoint's last leaf is its
  // epoch entry, so an update entry sits strictly between them.
  if (v.log_index() == 0 || log_size == 0 || v.log_index() >= log_size - 1) {
    return invalid(absl::StrCat("log_index ", v.log_index(),
                                " is not between the genesis entry and the epoch entry at ",
                                log_size == 0 ? 0 : log_size - 1));
  }

  AccountState out;
  out.version = v.version();
  out.epoch = v.epoch();
  out.log_index = v.log_index();
  out.previous_head = previous_head;
  auto key_set = DecodeKeySet(v.key_set());  // "key set: ..."
  if (!key_set.ok()) return Annotate(key_set.status(), what);
  auto commitment = CommitKeySet(v.opening(), account, out.version, v.key_set());
  if (!commitment.ok()) return Annotate(commitment.status(), what);
  out.head = ChainHead(previous_head, out.version, out.epoch, *commitment);
  out.key_set = *std::move(key_set);
  out.key_set_bytes = v.key_set();
  return out;
}

absl::Status VerifyAccountVersionSignature(absl::string_view account, const AccountState& state) {
  // Only the user's devices hold the account key, and it signs the whole key
  // set at its version: a device the server added on its own, or a signed
  // key set replayed at another version, has no valid signature.
  return Annotate(VerifyKeySetSignature(account, state.version, state.key_set),
                  absl::StrCat("version ", state.version));
}

}  // namespace verifier
}  // namespace keytrail
