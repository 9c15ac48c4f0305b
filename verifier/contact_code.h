// Contact verification codes, as the verifier library computes them: the
// one place it derives a code, so that the protocol's own definition
// (core/protocol/verification_code.h, being written on branch `protocol`)
// replaces this file's body alone once it lands on main.
//
// Interim definition (docs/VERIFIER.md, "Verification codes"):
//   identity(account, key set) = the account key when the key set has one,
//                                else the canonical key-set encoding
//   fingerprint = SHA-256("keytrail identity v1" || 0x00 ||
//                         u16 len || account || u32 len || identity)
//   pair code   = first 8 bytes of SHA-256("keytrail pair code v1" || 0x00 ||
//                 the two fingerprints, smaller first) as a big-endian u64,
//                 mod 10^12, 12 digits in three groups of four: "0123 4567 8901"
//   account code = the same over one fingerprint ("keytrail account code v1")
//
// Pure functions; thread-safe.
#ifndef KEYTRAIL_VERIFIER_CONTACT_CODE_H_
#define KEYTRAIL_VERIFIER_CONTACT_CODE_H_

#include <string>

#include "absl/strings/string_view.h"
#include "core/protocol/key_set.h"

namespace keytrail {
namespace verifier {

// What a code commits to for one account: its account key, or its whole
// canonical key set when it has none.
std::string CodeIdentity(const KeySet& key_set, absl::string_view key_set_bytes);

// The same on both phones, whichever account is `a`.
std::string PairCode(absl::string_view account_a, absl::string_view identity_a,
                     absl::string_view account_b, absl::string_view identity_b);

// The public code of one account (e.g. printed on a profile page).
std::string AccountCode(absl::string_view account, absl::string_view identity);

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_VERIFIER_CONTACT_CODE_H_
