#include "core/crypto/ed25519.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "core/crypto/random.h"

namespace keytrail {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

std::shared_ptr<EVP_PKEY> Share(EVP_PKEY* p) { return std::shared_ptr<EVP_PKEY>(p, EVP_PKEY_free); }

const unsigned char* U8(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// ---- Strict encodings (docs/PROTOCOL.md, "Ed25519 keys and signatures") ----
//
// Why this is our own code: OpenSSL 3 and BoringSSL take any 32 bytes as an
// Ed25519 public key (EVP_PKEY_new_raw_public_key checks only the length)
// and expose no point validation, so neither rejects the small-order points
// (a key that "signs" every message with one fixed signature) or
// non-canonical encodings. We add the checks libsodium and ed25519-dalek's
// verify_strict make, using only what both libraries share: BIGNUM for the
// field arithmetic of the on-curve test, and libsodium's approach for small
// order (a list of the eight small-order points' encodings; every other
// encoding of them is non-canonical and rejected before the list is looked
// at). The library still does the signature arithmetic itself.

// p = 2^255 - 19, little-endian.
constexpr std::array<uint8_t, 32> kFieldPrime = {
    0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};

// L = 2^252 + 27742317777372353535851937790883648493, the group order,
// little-endian.
constexpr std::array<uint8_t, 32> kGroupOrder = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

// The canonical encodings of the eight points of order 1, 2, 4 and 8 (the
// same list as libsodium's ge25519_has_small_order, canonical entries only).
constexpr const char* kSmallOrderHex[8] = {
    // order 1 (the identity, x = 0, y = 1)
    "0100000000000000000000000000000000000000000000000000000000000000",
    // order 2 (x = 0, y = -1)
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    // order 4 (y = 0, x = +-sqrt(-1))
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    // order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
};

int HexNibble(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

bool IsSmallOrderEncoding(const unsigned char* enc) {
  for (const char* hex : kSmallOrderHex) {
    bool equal = true;
    for (size_t i = 0; i < 32 && equal; ++i) {
      equal = enc[i] == ((HexNibble(hex[2 * i]) << 4) | HexNibble(hex[2 * i + 1]));
    }
    if (equal) return true;
  }
  return false;
}

// Little-endian comparison of 32-byte integers: a < b.
bool LessThan(const unsigned char* a, const std::array<uint8_t, 32>& b) {
  for (int i = 31; i >= 0; --i) {
    if (a[i] != b[i]) return a[i] < b[i];
  }
  return false;
}

struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct BnCtxFree {
  void operator()(BN_CTX* p) const { BN_CTX_free(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

BnPtr BnFromLittleEndian(const unsigned char* le, size_t n) {
  unsigned char be[32];
  for (size_t i = 0; i < n; ++i) be[i] = le[n - 1 - i];
  return BnPtr(BN_bin2bn(be, static_cast<int>(n), nullptr));
}

enum class PointCheck { kValid, kNonCanonical, kNotOnCurve, kSmallOrder };

// Canonical encoding (RFC 8032 section 5.1.3, strictly): y < p, and not
// x = 0 with the sign bit set (a second encoding of the same point). x = 0
// exactly when y^2 = 1, i.e. y = 1 or y = p - 1.
bool IsCanonicalPointEncoding(const unsigned char* enc) {
  unsigned char y[32];
  std::memcpy(y, enc, 32);
  const bool x_sign = (y[31] & 0x80) != 0;
  y[31] &= 0x7f;
  if (!LessThan(y, kFieldPrime)) return false;
  if (x_sign) {
    std::array<uint8_t, 32> p_minus_1 = kFieldPrime;
    p_minus_1[0] -= 1;
    const bool y_is_1 =
        y[0] == 1 && std::all_of(y + 1, y + 32, [](unsigned char c) { return c == 0; });
    const bool y_is_p_minus_1 = std::equal(y, y + 32, p_minus_1.begin());
    if (y_is_1 || y_is_p_minus_1) return false;
  }
  return true;
}

// The field constants IsOnCurve needs, computed once (read-only afterwards,
// so calls on several threads may share them).
struct CurveConstants {
  BnPtr p;  // 2^255 - 19
  BnPtr d;  // -121665 / 121666 mod p
  BnPtr e;  // (p - 1) / 2, Euler's criterion exponent
};

const CurveConstants& Curve() {
  static const CurveConstants* const kCurve = [] {
    auto* c = new CurveConstants;
    std::unique_ptr<BN_CTX, BnCtxFree> ctx(BN_CTX_new());
    c->p = BnFromLittleEndian(kFieldPrime.data(), 32);
    c->d.reset(BN_new());
    c->e.reset(BN_new());
    BnPtr t(BN_new());
    if (!ctx || !c->p || !c->d || !c->e || !t) std::abort();  // out of memory
    const bool ok = BN_set_word(t.get(), 121666) &&
                    BN_mod_inverse(c->d.get(), t.get(), c->p.get(), ctx.get()) != nullptr &&
                    BN_set_word(t.get(), 121665) &&
                    BN_mod_mul(c->d.get(), c->d.get(), t.get(), c->p.get(), ctx.get()) &&
                    BN_mod_sub(c->d.get(), c->p.get(), c->d.get(), c->p.get(), ctx.get()) &&
                    BN_sub(c->e.get(), c->p.get(), BN_value_one()) &&
                    BN_rshift1(c->e.get(), c->e.get());
    if (!ok) std::abort();
    return c;
  }();
  return *kCurve;
}

// True iff the canonical encoding `enc` decodes to a curve point: x^2 =
// u / v with u = y^2 - 1, v = d y^2 + 1 must be a square mod p. v is never
// 0 (that would need y^2 = -1/d, and -1/d is not a square), so u / v is a
// square exactly when u * v = (u / v) * v^2 is: one Euler's-criterion
// exponentiation, no inversion (public keys are parsed often: every policy,
// note verifier and cosigner key).
bool IsOnCurve(const unsigned char* enc) {
  const CurveConstants& c = Curve();
  unsigned char y_bytes[32];
  std::memcpy(y_bytes, enc, 32);
  y_bytes[31] &= 0x7f;
  std::unique_ptr<BN_CTX, BnCtxFree> ctx(BN_CTX_new());
  BnPtr y = BnFromLittleEndian(y_bytes, 32);
  BnPtr t(BN_new()), u(BN_new()), v(BN_new());
  if (!ctx || !y || !t || !u || !v) std::abort();  // out of memory
  bool ok = BN_mod_sqr(t.get(), y.get(), c.p.get(), ctx.get()) &&
            BN_mod_sub(u.get(), t.get(), BN_value_one(), c.p.get(), ctx.get()) &&
            BN_mod_mul(v.get(), c.d.get(), t.get(), c.p.get(), ctx.get()) &&
            BN_mod_add(v.get(), v.get(), BN_value_one(), c.p.get(), ctx.get()) &&
            BN_mod_mul(t.get(), u.get(), v.get(), c.p.get(), ctx.get());
  if (!ok) std::abort();
  if (BN_is_zero(t.get())) return true;  // u = 0: x = 0
  ok = BN_mod_exp(t.get(), t.get(), c.e.get(), c.p.get(), ctx.get());
  if (!ok) std::abort();
  return BN_is_one(t.get());
}

// A public key: canonical, on the curve, not of small order.
PointCheck CheckPublicKeyPoint(const unsigned char* enc) {
  if (!IsCanonicalPointEncoding(enc)) return PointCheck::kNonCanonical;
  if (!IsOnCurve(enc)) return PointCheck::kNotOnCurve;
  if (IsSmallOrderEncoding(enc)) return PointCheck::kSmallOrder;
  return PointCheck::kValid;
}

}  // namespace

absl::Status CheckEd25519PublicKeyEncoding(absl::string_view raw) {
  if (raw.size() != kEd25519PublicKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("Ed25519 public key must be 32 bytes, got ", raw.size()));
  }
  switch (CheckPublicKeyPoint(U8(raw))) {
    case PointCheck::kValid:
      return absl::OkStatus();
    case PointCheck::kNonCanonical:
      return absl::InvalidArgumentError("Ed25519 public key is not canonically encoded");
    case PointCheck::kNotOnCurve:
      return absl::InvalidArgumentError("Ed25519 public key is not a point on the curve");
    case PointCheck::kSmallOrder:
      return absl::InvalidArgumentError(
          "Ed25519 public key is a small-order point (it would accept forged "
          "signatures)");
  }
  return absl::InternalError("unreachable");
}

bool IsStrictEd25519SignatureEncoding(absl::string_view signature) {
  if (signature.size() != kEd25519SignatureSize) return false;
  const unsigned char* sig = U8(signature);
  // S (the second half) must be reduced: S < L.
  if (!LessThan(sig + 32, kGroupOrder)) return false;
  // R must be a canonical encoding of a point that is not of small order.
  // (Whether it is on the curve needs no check: verification compares R
  // with the canonical encoding of a computed point, which never matches an
  // encoding that decodes to no point.)
  return IsCanonicalPointEncoding(sig) && !IsSmallOrderEncoding(sig);
}

absl::StatusOr<Ed25519PublicKey> Ed25519PublicKey::FromBytes(absl::string_view raw) {
  absl::Status strict = CheckEd25519PublicKeyEncoding(raw);
  if (!strict.ok()) return strict;
  auto pkey = Share(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, U8(raw), raw.size()));
  if (pkey == nullptr) {
    return absl::InvalidArgumentError("Ed25519 public key rejected");
  }
  return Ed25519PublicKey(std::string(raw), std::move(pkey));
}

bool Ed25519PublicKey::Verify(absl::string_view message, absl::string_view signature) const {
  if (!IsStrictEd25519SignatureEncoding(signature)) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (pkey_ == nullptr || ctx == nullptr) return false;
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey_.get()) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), U8(signature), signature.size(), U8(message),
                          message.size()) == 1;
}

Ed25519PrivateKey Ed25519PrivateKey::Generate() {
  std::string seed = RandomString(kEd25519SeedSize);
  auto key = FromSeed(seed);
  OPENSSL_cleanse(&seed[0], seed.size());
  if (!key.ok()) std::abort();  // a 32-byte seed is always accepted
  return *std::move(key);
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::FromSeed(absl::string_view seed) {
  if (seed.size() != kEd25519SeedSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("Ed25519 private key seed must be 32 bytes, got ", seed.size()));
  }
  auto pkey = Share(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, U8(seed), seed.size()));
  if (pkey == nullptr) {
    return absl::InternalError("Ed25519 key construction failed");
  }
  unsigned char pub[kEd25519PublicKeySize];
  size_t pub_len = sizeof(pub);
  if (EVP_PKEY_get_raw_public_key(pkey.get(), pub, &pub_len) != 1 || pub_len != sizeof(pub)) {
    return absl::InternalError("Ed25519 public key derivation failed");
  }
  auto public_key =
      Ed25519PublicKey::FromBytes(absl::string_view(reinterpret_cast<char*>(pub), pub_len));
  if (!public_key.ok()) return public_key.status();
  return Ed25519PrivateKey(std::string(seed), std::move(pkey), *std::move(public_key));
}

Ed25519PrivateKey::~Ed25519PrivateKey() {
  if (!seed_.empty()) OPENSSL_cleanse(&seed_[0], seed_.size());
}

std::string Ed25519PrivateKey::Sign(absl::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string sig(kEd25519SignatureSize, '\0');
  size_t sig_len = sig.size();
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(&sig[0]), &sig_len, U8(message),
                     message.size()) != 1 ||
      sig_len != kEd25519SignatureSize) {
    // Signing with a valid key cannot fail short of memory exhaustion.
    std::abort();
  }
  return sig;
}

}  // namespace keytrail
