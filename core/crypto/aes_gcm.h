// AES-256-GCM (NIST SP 800-38D) with a 96-bit nonce and a 128-bit tag,
// through the EVP cipher API OpenSSL 3 and BoringSSL share. Part of the
// crypto module. Pure functions; thread-safe.
//
// The caller owns nonce uniqueness: a (key, nonce) pair must never seal two
// different messages (docs/REPLICAS.md derives the nonce from the message,
// so a repeated nonce means a repeated message).
#ifndef KEYTRAIL_CORE_CRYPTO_AES_GCM_H_
#define KEYTRAIL_CORE_CRYPTO_AES_GCM_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace keytrail {

inline constexpr size_t kAes256GcmKeySize = 32;
inline constexpr size_t kAesGcmNonceSize = 12;
inline constexpr size_t kAesGcmTagSize = 16;
// The longest plaintext either function takes (the EVP API counts in int).
inline constexpr size_t kAesGcmMaxMessage = 1u << 30;

// ciphertext || tag (plaintext.size() + 16 bytes). REQUIRES: a 32-byte key,
// a 12-byte nonce, plaintext and aad of at most kAesGcmMaxMessage bytes
// (anything else is a programming error and aborts, as does a failure of
// the library).
std::string Aes256GcmSeal(absl::string_view key, absl::string_view nonce,
                          absl::string_view plaintext, absl::string_view aad);

// The plaintext of `sealed` (ciphertext || tag). InvalidArgument "AES-GCM:
// authentication failed" when the tag does not verify (another key, nonce
// or aad; any changed byte), InvalidArgument when `sealed` is shorter than
// a tag or longer than kAesGcmMaxMessage + 16. Nothing of an unauthenticated
// plaintext is ever returned. REQUIRES as for Seal (key, nonce sizes).
absl::StatusOr<std::string> Aes256GcmOpen(absl::string_view key, absl::string_view nonce,
                                          absl::string_view sealed, absl::string_view aad);

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_CRYPTO_AES_GCM_H_
