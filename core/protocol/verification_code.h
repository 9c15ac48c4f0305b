// Contact verification codes (docs/PROTOCOL.md, "Verification codes"): a
// short decimal code two people compare in person or on a call to check that
// their apps see the same identities for both accounts.
//
// An account's identity is its account key when the key set has one (device
// changes the account key signs leave the code unchanged), and otherwise its
// whole key set (every device id and key):
//
//   identity = u8 1 || [32] account_key        with an account key
//            = u8 2 || key_set                 without (canonical encoding)
//   seed     = SHA-256("keytrail verification code v1" || 0x00 ||
//                      opaque16 account || identity)
//   h_0 = seed,  h_i = SHA-256(h_{i-1} || seed)  for i = 1..5200
//   half     = h_5200's first 30 bytes, as 6 groups of 5 bytes; each group a
//              u40 big-endian, mod 100000, written as 5 decimal digits
//
// An account's code is its 30-digit half. A pair's code is the two halves'
// 60 digits, the smaller half (as a digit string) first, so both phones show
// the same code whichever account is "mine". Codes are digit strings without
// separators; FormatVerificationCode groups them for display.
//
// Inputs are the account id and the key set the caller's verifier has
// verified for it; nothing here checks signatures or proofs.
//
// Errors: InvalidArgument for an account id outside 1..256 bytes or a key set
// EncodeKeySet rejects (its message); FailedPrecondition for an empty key set
// (a deactivated account has no identity to verify).
//
// All functions are pure and thread-safe. Each code costs 5,201 SHA-256 calls
// on 64-byte inputs per account (about a millisecond).
#ifndef KEYTRAIL_CORE_PROTOCOL_VERIFICATION_CODE_H_
#define KEYTRAIL_CORE_PROTOCOL_VERIFICATION_CODE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/protocol/key_set.h"

namespace keytrail {

// Iterations of SHA-256 after the seed (see above).
constexpr int kVerificationCodeIterations = 5200;
// Digits in one account's code (its half of a pair's code).
constexpr size_t kAccountCodeDigits = 30;
// Digits in a pair's code.
constexpr size_t kContactCodeDigits = 60;
// Digits per displayed group.
constexpr size_t kVerificationCodeGroupDigits = 5;

// The identity bytes above, or the errors listed above.
absl::StatusOr<std::string> VerificationIdentity(absl::string_view account, const KeySet& key_set);

// One account's 30-digit code: the public code a user may publish, and its
// half of every pair's code.
absl::StatusOr<std::string> AccountVerificationCode(absl::string_view account,
                                                    const KeySet& key_set);

// The 60-digit code for a pair of accounts; equal for (a, b) and (b, a).
// Errors name which account ("verification code: account a: ...").
absl::StatusOr<std::string> ContactVerificationCode(absl::string_view account_a,
                                                    const KeySet& key_set_a,
                                                    absl::string_view account_b,
                                                    const KeySet& key_set_b);

// `digits` in groups of 5 separated by single spaces ("01234 56789 ..."); a
// last group may be shorter when the length is not a multiple of 5.
std::string FormatVerificationCode(absl::string_view digits);

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_PROTOCOL_VERIFICATION_CODE_H_
