// Comparison of secrets (bearer tokens, MACs) in time independent of where
// they differ. Part of the crypto module. Thread-safe.
#ifndef KEYTRAIL_CORE_CRYPTO_CONSTANT_TIME_H_
#define KEYTRAIL_CORE_CRYPTO_CONSTANT_TIME_H_

#include "absl/strings/string_view.h"

namespace keytrail {

// True iff a == b. The lengths are not secret (a length mismatch returns
// early); the contents are compared with CRYPTO_memcmp.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_CRYPTO_CONSTANT_TIME_H_
