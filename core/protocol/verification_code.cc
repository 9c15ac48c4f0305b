#include "core/protocol/verification_code.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/bytes/reader.h"
#include "core/crypto/sha256.h"
#include "core/protocol/limits.h"

namespace keytrail {
namespace {

// NUL-terminated like every keytrail context string, so no context is a
// prefix of another.
constexpr absl::string_view kContext("keytrail verification code v1\0", 30);
constexpr uint8_t kIdentityAccountKey = 1;
constexpr uint8_t kIdentityKeySet = 2;
constexpr size_t kGroupBytes = 5;
constexpr uint64_t kGroupModulus = 100000;  // 10^kVerificationCodeGroupDigits

std::string Half(const Hash& digest) {
  std::string digits;
  digits.reserve(kAccountCodeDigits);
  for (size_t g = 0; g < kAccountCodeDigits / kVerificationCodeGroupDigits; ++g) {
    uint64_t v = 0;
    for (size_t i = 0; i < kGroupBytes; ++i) {
      v = (v << 8) | digest[g * kGroupBytes + i];
    }
    v %= kGroupModulus;
    // Written out digit by digit, most significant first: zero-padded.
    char group[kVerificationCodeGroupDigits];
    for (size_t i = kVerificationCodeGroupDigits; i-- > 0;) {
      group[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    digits.append(group, kVerificationCodeGroupDigits);
  }
  return digits;
}

absl::Status Prefixed(absl::string_view which, const absl::Status& status) {
  return absl::Status(status.code(),
                      absl::StrCat("verification code: account ", which, ": ", status.message()));
}

}  // namespace

absl::StatusOr<std::string> VerificationIdentity(absl::string_view account, const KeySet& key_set) {
  absl::Status status = ValidateAccountId(account);
  if (!status.ok()) return status;
  absl::StatusOr<std::string> encoded = EncodeKeySet(key_set);
  if (!encoded.ok()) return encoded.status();
  if (IsEmpty(key_set)) {
    return absl::FailedPreconditionError(
        "the account is deactivated (empty key set): no identity to verify");
  }
  std::string identity;
  ByteWriter w(&identity);
  if (key_set.account_key.has_value()) {
    w.U8(kIdentityAccountKey);
    w.Bytes(*key_set.account_key);
  } else {
    w.U8(kIdentityKeySet);
    w.Bytes(*encoded);
  }
  return identity;
}

absl::StatusOr<std::string> AccountVerificationCode(absl::string_view account,
                                                    const KeySet& key_set) {
  absl::StatusOr<std::string> identity = VerificationIdentity(account, key_set);
  if (!identity.ok()) return identity.status();
  std::string prefix;
  ByteWriter w(&prefix);
  w.Bytes(kContext);
  w.U16Prefixed(account);  // at most 256 bytes: checked above
  const Hash seed = Sha256().Update(prefix).Update(*identity).Finish();
  // Iterated so that searching for an identity whose code matches a victim's
  // in the groups a hurried user compares costs 5,200 times more.
  Hash h = seed;
  for (int i = 0; i < kVerificationCodeIterations; ++i) {
    h = Sha256().Update(h).Update(seed).Finish();
  }
  return Half(h);
}

absl::StatusOr<std::string> ContactVerificationCode(absl::string_view account_a,
                                                    const KeySet& key_set_a,
                                                    absl::string_view account_b,
                                                    const KeySet& key_set_b) {
  absl::StatusOr<std::string> a = AccountVerificationCode(account_a, key_set_a);
  if (!a.ok()) return Prefixed("a", a.status());
  absl::StatusOr<std::string> b = AccountVerificationCode(account_b, key_set_b);
  if (!b.ok()) return Prefixed("b", b.status());
  // Equal-length digit strings: string order is numeric order.
  if (*b < *a) std::swap(*a, *b);
  return absl::StrCat(*a, *b);
}

std::string FormatVerificationCode(absl::string_view digits) {
  std::string out;
  for (size_t i = 0; i < digits.size(); i += kVerificationCodeGroupDigits) {
    if (i > 0) out.push_back(' ');
    out.append(digits.substr(i, kVerificationCodeGroupDigits).data(),
               digits.substr(i, kVerificationCodeGroupDigits).size());
  }
  return out;
}

}  // namespace keytrail
