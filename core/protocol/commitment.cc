#include "core/protocol/commitment.h"

#include "absl/strings/str_cat.h"
#include "core/bytes/reader.h"
#include "core/crypto/constant_time.h"
#include "core/crypto/hmac.h"
#include "core/protocol/limits.h"

namespace keytrail {
namespace {

// SHA-256("keytrail commitment key v1"); commitment_test checks both.
constexpr char kCommitmentKey[] =
    "\xdd\xbf\xa8\xee\x9a\xbf\x43\xbc\x65\x62\xfa\x88\xc8\x97\x7c\x29"
    "\x5b\xe5\xdb\xff\x0a\x0b\xd5\x28\x79\x5b\xd7\xfe\x62\x4d\x9f\xa0";

// The pads are derived once: every commitment of every log uses this key.
// Leaked on purpose (never destroyed) so it is safe during static teardown.
const HmacSha256Key& CommitmentMacKey() {
  static const HmacSha256Key* key = new HmacSha256Key(CommitmentKey());
  return *key;
}

}  // namespace

const std::string& CommitmentKey() {
  static const std::string* key = new std::string(kCommitmentKey, sizeof(kCommitmentKey) - 1);
  return *key;
}

absl::StatusOr<Hash> CommitKeySet(absl::string_view opening, absl::string_view account,
                                  uint64_t version, absl::string_view key_set_encoding) {
  if (opening.size() < kMinOpeningSize || opening.size() > kMaxOpeningSize) {
    return absl::InvalidArgumentError(absl::StrCat("commitment: opening must be ", kMinOpeningSize,
                                                   "..", kMaxOpeningSize, " bytes, got ",
                                                   opening.size()));
  }
  absl::Status status = ValidateAccountId(account);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("commitment: ", status.message()));
  }
  if (version == 0) {
    return absl::InvalidArgumentError("commitment: version must be >= 1, got 0");
  }
  if (key_set_encoding.size() > kMaxKeySetSize) {
    return absl::InvalidArgumentError(absl::StrCat("commitment: key set must be at most ",
                                                   kMaxKeySetSize, " bytes, got ",
                                                   key_set_encoding.size()));
  }
  // The fixed-size head is built apart and the key set streamed after it,
  // so a large key set is not copied.
  std::string head;
  head.reserve(1 + kMaxOpeningSize + 2 + kMaxAccountIdSize + 8);
  ByteWriter w(&head);
  w.U8Prefixed(opening);
  w.U16Prefixed(account);
  w.U64(version);
  const HmacSha256Key& key = CommitmentMacKey();
  Sha256 inner = key.Begin();
  inner.Update(head).Update(key_set_encoding);
  return key.FinishMac(inner);
}

absl::Status VerifyCommitment(const Hash& commitment, absl::string_view opening,
                              absl::string_view account, uint64_t version,
                              absl::string_view key_set_encoding) {
  absl::StatusOr<Hash> want = CommitKeySet(opening, account, version, key_set_encoding);
  if (!want.ok()) return want.status();
  if (!ConstantTimeEquals(HashView(commitment), HashView(*want))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "commitment: does not match the opening, account, version ", version, " and key set"));
  }
  return absl::OkStatus();
}

}  // namespace keytrail
