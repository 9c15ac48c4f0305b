// ECVRF-P256-SHA256-TAI: the elliptic-curve verifiable random function of
// RFC 9381 (suite_string 0x01) on NIST P-256 with SHA-256, hashing to the
// curve by try-and-increment. Part of the crypto module; written to the
// EC_POINT/BIGNUM API that OpenSSL 3 and BoringSSL share.
//
// The holder of a VrfPrivateKey maps an input alpha to an output beta
// (32 bytes) and a proof pi (81 bytes); anyone holding the VrfPublicKey
// checks pi and learns beta. Beta is unique per (key, alpha) and looks random
// to anyone without the private key.
//
// Encodings (the suite's parameters are in RFC 9381 section 5.5; the proof
// layout is section 5.4.4's decode_proof):
//   public key  33 bytes: SEC1 compressed point (0x02/0x03 || x), never the
//               identity.
//   private key 32 bytes: the secret scalar x, big-endian, in [1, n-1]
//               (n = order of P-256).
//   proof       81 bytes: Gamma (33, compressed point) || c (16, big-endian)
//               || s (32, big-endian, less than n).
//   output      32 bytes: SHA-256(0x01 || 0x03 || Gamma || 0x00).
//
// Verification always applies ECVRF_validate_key (RFC 9381 section 5.4.5):
// VrfPublicKey::FromBytes accepts only points on the curve other than the
// identity, so no VrfPublicKey can hold a bad key.
//
// Thread safety: VrfPublicKey and VrfPrivateKey are immutable after
// construction; any number of threads may call any method on one object (or
// on its copies) at once. Copies share the decoded key material. Every call
// allocates its own BN_CTX; the curve is set up once, on first use, and only
// read afterwards. The free function is thread-safe.
//
// Secrets: the scalar and each proof's nonce live in BIGNUMs that are freed
// with BN_clear_free (after the last copy of a key goes); the nonce
// derivation's HMAC state is wiped. Multiplications by the scalar and by the
// nonce go through EC_POINT_mul with one scalar at a time, which both
// libraries do in constant time. Callers must not log the private key.
//
// Timing: hashing to the curve takes a number of attempts that depends on
// alpha and the public key (about two on average). RFC 9381 notes that the
// TAI suites therefore leak timing about alpha; do not use this suite where
// alpha must stay secret from someone who can time the prover or verifier.
// Verify also multiplies in variable time where the library's own
// multiplication is slow (BoringSSL; see ecvrf.cc): everything it handles
// (key, alpha, proof) is public. Prove's multiplications stay constant-time.
//
// Memory (BoringSSL only, where Verify uses tables of its own): the curve's
// first use in a process builds tables of multiples of the base point
// (~130 KB, ~0.5 ms, kept for the process's life); each decoded public key
// holds ~16 KB of tables of its own (FromBytes ~70 us instead of ~17 us),
// shared by its copies. Under OpenSSL neither is built.
#ifndef KEYTRAIL_CORE_CRYPTO_ECVRF_H_
#define KEYTRAIL_CORE_CRYPTO_ECVRF_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/sha256.h"

namespace keytrail {

constexpr size_t kVrfPrivateKeySize = 32;
constexpr size_t kVrfPublicKeySize = 33;  // compressed SEC1 point
constexpr size_t kVrfProofSize = 81;      // Gamma (33) || c (16) || s (32)
constexpr size_t kVrfOutputSize = 32;     // beta

// Decoded key material, defined in ecvrf.cc (it holds library objects).
struct VrfPublicPoint;
struct VrfSecretScalar;

class VrfPublicKey {
 public:
  // The key encoded as `raw`. InvalidArgument unless `raw` is 33 bytes: a
  // prefix byte 0x02 or 0x03 and an x coordinate less than the field prime p
  // of a point on P-256. (The identity has no 33-byte encoding, so it is
  // rejected too.)
  static absl::StatusOr<VrfPublicKey> FromBytes(absl::string_view raw);

  // ECVRF_verify (RFC 9381 section 5.3): if `proof` is a valid proof for
  // `alpha` under this key, returns beta (kVrfOutputSize bytes), the same
  // value VrfProofToHash(proof) returns. Otherwise InvalidArgument, with a
  // message naming what was wrong:
  //  - the proof is not kVrfProofSize bytes;
  //  - Gamma is not a valid compressed point (bad prefix byte, x >= p, or no
  //    point with that x);
  //  - s >= n (c, 16 bytes, is always less than n);
  //  - the proof does not verify (the recomputed challenge differs from c).
  // (Also InvalidArgument, with probability about 2^-256 per alpha: alpha
  // does not hash to the curve within 256 attempts.)
  // Accepts exactly what section 5.3 accepts, including a proof whose U or V
  // is the identity (encoded in the challenge as SEC1's single 0x00 byte),
  // which only a prover using the nonce 0 makes; its beta is still the
  // unique one.
  absl::StatusOr<Hash> Verify(absl::string_view alpha, absl::string_view proof) const;

  // The point H = ECVRF_encode_to_curve(PK, alpha) (section 5.4.1.1,
  // try-and-increment, salted with this key) as 33 bytes compressed. Prove
  // and Verify compute it internally; it is exposed so that tests can check
  // the intermediate value of the reference vectors. Aborts in the 2^-256
  // case where no counter value works.
  std::string HashToCurveForTesting(absl::string_view alpha) const;

  // The 33-byte compressed encoding (as given to FromBytes, which accepts
  // only this canonical form).
  const std::string& bytes() const { return raw_; }

  friend bool operator==(const VrfPublicKey& a, const VrfPublicKey& b) { return a.raw_ == b.raw_; }
  friend bool operator!=(const VrfPublicKey& a, const VrfPublicKey& b) { return !(a == b); }

 private:
  VrfPublicKey(std::string raw, std::shared_ptr<const VrfPublicPoint> point)
      : raw_(std::move(raw)), point_(std::move(point)) {}
  friend class VrfPrivateKey;

  // Constant after construction.
  std::string raw_;
  std::shared_ptr<const VrfPublicPoint> point_;  // -Y, decoded once
};

class VrfPrivateKey {
 public:
  // A fresh key: a uniformly random scalar in [1, n-1] from the library's
  // DRBG (rejection sampling). Aborts only if the system has no randomness.
  static VrfPrivateKey Generate();

  // The key whose secret scalar is `raw`. InvalidArgument unless `raw` is 32
  // bytes encoding (big-endian) an integer in [1, n-1]; in particular 0, n
  // and anything above n are rejected, not reduced.
  static absl::StatusOr<VrfPrivateKey> FromBytes(absl::string_view raw);

  // ECVRF_prove (RFC 9381 section 5.1): the kVrfProofSize-byte proof pi for
  // `alpha`. Deterministic (the nonce comes from RFC 6979 section 3.2, as
  // section 5.4.2.1 specifies): the same key and alpha always give the same
  // proof. Beta is VrfProofToHash(pi). Aborts only if the library cannot
  // allocate memory, or in the 2^-256 case described at
  // HashToCurveForTesting.
  std::string Prove(absl::string_view alpha) const;

  const VrfPublicKey& public_key() const { return public_key_; }

  // The 32-byte secret scalar, as FromBytes takes it: for writing key files
  // only. Never log it; wipe the copy (OPENSSL_cleanse) when done with it.
  std::string bytes() const;

 private:
  VrfPrivateKey(std::shared_ptr<const VrfSecretScalar> secret, VrfPublicKey public_key)
      : secret_(std::move(secret)), public_key_(std::move(public_key)) {}

  // Constant after construction.
  std::shared_ptr<const VrfSecretScalar> secret_;
  VrfPublicKey public_key_;
};

// ECVRF_proof_to_hash (RFC 9381 section 5.2): beta for `proof`, WITHOUT
// checking that the proof is valid for any alpha or key. For the prover, who
// made the proof itself; anyone who received the proof must call
// VrfPublicKey::Verify instead. The proof is still decoded as section 5.4.4
// requires: InvalidArgument if it is not kVrfProofSize bytes, if Gamma is not
// a valid compressed point, or if s >= n.
absl::StatusOr<Hash> VrfProofToHash(absl::string_view proof);

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_CRYPTO_ECVRF_H_
