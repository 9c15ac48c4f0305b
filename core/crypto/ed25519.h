// Ed25519 (RFC 8032) signing and verification through the EVP interface that
// OpenSSL 3 and BoringSSL share. Part of the crypto module.
//
// Verification is strict, as libsodium's and ed25519-dalek's verify_strict
// (docs/PROTOCOL.md, "Ed25519 keys and signatures"): a public key must be the
// canonical encoding of a curve point that is not of small order, and a
// signature's R must be such an encoding too, with S < L. Every key and
// signature keytrail checks (account keys, device signatures, note and
// cosignature keys) goes through here, so every caller gets these rules.
//
// Keys are value types. Both classes are immutable after construction and
// safe to use from several threads at once. A private key's seed is never
// printed by anything in keytrail; callers must not log it either.
#ifndef KEYTRAIL_CORE_CRYPTO_ED25519_H_
#define KEYTRAIL_CORE_CRYPTO_ED25519_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// The library's key object (EVP_PKEY in OpenSSL and BoringSSL alike).
struct evp_pkey_st;

namespace keytrail {

constexpr size_t kEd25519PublicKeySize = 32;
constexpr size_t kEd25519SeedSize = 32;
constexpr size_t kEd25519SignatureSize = 64;

// OK iff `raw` is a strict Ed25519 public key encoding: 32 bytes, y < p,
// not x = 0 with the sign bit set, on the curve, and not one of the eight
// small-order points. Otherwise InvalidArgument saying which rule failed.
absl::Status CheckEd25519PublicKeyEncoding(absl::string_view raw);

// True iff `signature` is 64 bytes whose R half is a canonical encoding of
// no small-order point and whose S half, little-endian, is below the group
// order L.
// Says nothing about whether it verifies.
bool IsStrictEd25519SignatureEncoding(absl::string_view signature);

class Ed25519PublicKey {
 public:
  // InvalidArgument unless `raw` passes CheckEd25519PublicKeyEncoding (and
  // the library accepts it).
  static absl::StatusOr<Ed25519PublicKey> FromBytes(absl::string_view raw);

  // True iff `signature` is a valid signature of `message` under this key.
  // Signatures that are not IsStrictEd25519SignatureEncoding (wrong length,
  // S >= L, non-canonical or small-order R) are simply invalid.
  bool Verify(absl::string_view message, absl::string_view signature) const;

  const std::string& bytes() const { return raw_; }
  friend bool operator==(const Ed25519PublicKey& a, const Ed25519PublicKey& b) {
    return a.raw_ == b.raw_;
  }

 private:
  Ed25519PublicKey(std::string raw, std::shared_ptr<evp_pkey_st> pkey)
      : raw_(std::move(raw)), pkey_(std::move(pkey)) {}
  friend class Ed25519PrivateKey;
  std::string raw_;
  std::shared_ptr<evp_pkey_st> pkey_;  // parsed once, shared by copies
};

class Ed25519PrivateKey {
 public:
  // A fresh key from the library's DRBG.
  static Ed25519PrivateKey Generate();
  // InvalidArgument unless `seed` is 32 bytes.
  static absl::StatusOr<Ed25519PrivateKey> FromSeed(absl::string_view seed);

  // The deterministic RFC 8032 signature (64 bytes).
  std::string Sign(absl::string_view message) const;
  const Ed25519PublicKey& public_key() const { return public_key_; }
  // The 32-byte secret seed: for writing key files only.
  const std::string& seed() const { return seed_; }

  ~Ed25519PrivateKey();
  Ed25519PrivateKey(const Ed25519PrivateKey&) = default;
  Ed25519PrivateKey& operator=(const Ed25519PrivateKey&) = default;

 private:
  Ed25519PrivateKey(std::string seed, std::shared_ptr<evp_pkey_st> pkey, Ed25519PublicKey pub)
      : seed_(std::move(seed)), pkey_(std::move(pkey)), public_key_(std::move(pub)) {}
  std::string seed_;
  std::shared_ptr<evp_pkey_st> pkey_;
  Ed25519PublicKey public_key_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_CRYPTO_ED25519_H_
