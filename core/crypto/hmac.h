// HMAC-SHA-256 (RFC 2104). Part of the crypto module. Thread-safe.
#ifndef KEYTRAIL_CORE_CRYPTO_HMAC_H_
#define KEYTRAIL_CORE_CRYPTO_HMAC_H_

#include "absl/strings/string_view.h"
#include "core/crypto/sha256.h"

namespace keytrail {

// HMAC-SHA-256 of `data` under `key` (any length; keys longer than the
// 64-byte block are hashed first, as RFC 2104 says).
Hash HmacSha256(absl::string_view key, absl::string_view data);

// Precomputed inner/outer pads for one key, for hot paths that MAC many
// messages under the same key (the commitment key is fixed per log).
class HmacSha256Key {
 public:
  explicit HmacSha256Key(absl::string_view key);
  Hash Mac(absl::string_view data) const;
  // Starts a MAC whose message the caller appends; FinishMac() completes it.
  Sha256 Begin() const { return inner_; }
  Hash FinishMac(Sha256 inner) const;

 private:
  Sha256 inner_;  // state after absorbing key ^ ipad
  Sha256 outer_;  // state after absorbing key ^ opad
};

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_CRYPTO_HMAC_H_
