// ECVRF-P256-SHA256-TAI (RFC 9381). Section numbers below are RFC 9381's
// unless another RFC is named.
#include "core/crypto/ecvrf.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "core/crypto/ec_public_mul.h"
#include "core/crypto/hmac.h"
#include "core/crypto/random.h"

namespace keytrail {
namespace {

// Small owners for the library's objects.
struct BnCtxFree {
  void operator()(BN_CTX* p) const { BN_CTX_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct BnClearFree {  // for secrets: zeroes the limbs before freeing
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
};
using ec_public_mul::ChunkedOddMultiples;
using ec_public_mul::OddMultiples;
using ec_public_mul::PointPtr;
using CtxPtr = std::unique_ptr<BN_CTX, BnCtxFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using SecretBnPtr = std::unique_ptr<BIGNUM, BnClearFree>;

// The suite (section 5.5): suite_string, and the lengths fLen = qLen = 32,
// ptLen = 33 (compressed), cLen = 16.
constexpr uint8_t kSuite = 0x01;
constexpr size_t kScalarSize = 32;
constexpr size_t kPointSize = 33;
constexpr size_t kChallengeSize = 16;
static_assert(kVrfProofSize == kPointSize + kChallengeSize + kScalarSize, "proof layout");
static_assert(kVrfPublicKeySize == kPointSize, "public key layout");
static_assert(kVrfPrivateKeySize == kScalarSize, "private key layout");

// P-256's field prime p and group order n, big-endian (SEC 2 section 2.4.2).
// Checked against the library's group when the curve is first set up.
constexpr uint8_t kP[kScalarSize] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
constexpr uint8_t kN[kScalarSize] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

[[noreturn]] void Fatal(const char* what) {
  std::fprintf(stderr, "keytrail: ECVRF: %s\n", what);
  std::abort();
}

// For library calls that fail only on memory exhaustion or a broken library.
void Check(bool ok, const char* what) {
  if (!ok) Fatal(what);
}

const uint8_t* U8(absl::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }
absl::string_view View(const uint8_t* p, size_t n) {
  return absl::string_view(reinterpret_cast<const char*>(p), n);
}

// a < b for 32-byte big-endian integers, in time independent of the values
// (used on secret scalars and nonces).
bool LessThan(const uint8_t* a, const uint8_t* b) {
  uint32_t borrow = 0;
  for (int i = kScalarSize - 1; i >= 0; --i) {
    uint32_t diff = uint32_t{a[i]} - uint32_t{b[i]} - borrow;
    borrow = diff >> 31;  // diff is in [-256, 255]: negative iff it wrapped
  }
  return borrow != 0;
}

// a == 0 for a 32-byte integer, in time independent of the value.
bool IsZero(const uint8_t* a) {
  uint8_t acc = 0;
  for (size_t i = 0; i < kScalarSize; ++i) acc |= a[i];
  return acc == 0;
}

// a -= n, for a public 32-byte integer a >= n.
void SubtractOrder(uint8_t* a) {
  int borrow = 0;
  for (int i = kScalarSize - 1; i >= 0; --i) {
    int diff = int{a[i]} - int{kN[i]} - borrow;
    borrow = diff < 0;
    a[i] = static_cast<uint8_t>(diff + (borrow << 8));
  }
}

// OpenSSL's constant-time flag on BIGNUMs that hold secrets. BoringSSL has
// removed the flag (its header omits it on purpose): the functions used here
// on secrets (EC_POINT_mul, Montgomery multiplication, BN_mod_add_quick) are
// constant-time there without it.
void MarkSecret(BIGNUM* b) {
#if !defined(OPENSSL_IS_BORINGSSL)
  BN_set_flags(b, BN_FLG_CONSTTIME);
#else
  (void)b;
#endif
}

// How Verify computes U = s*B - c*Y and V = s*H - c*Gamma. Verification
// handles only public values (the public key, alpha, the proof), so it may
// use variable-time arithmetic; Prove never does (it multiplies by the
// secret scalar and nonce with EC_POINT_mul, one scalar at a time).
//  - Library (OpenSSL 3): three EC_POINT_mul calls. OpenSSL's P-256 code
//    (nistz256) multiplies several times faster than the generic
//    EC_POINT_add/EC_POINT_dbl that our own loop would have to call.
//  - Own (BoringSSL): ec_public_mul's variable-time Straus/wNAF on
//    EC_POINT_add/EC_POINT_dbl. Debian's Android BoringSSL has no P-256
//    specific code: EC_POINT_mul of an arbitrary point is a constant-time
//    generic ladder, about 3.5x slower than OpenSSL's (and with both scalars
//    set it runs a comb for B and then that ladder). Sharing the doublings,
//    adding about once per 6 bits, and precomputing tables for B and for
//    each key's -Y more than halves the time of Verify (BENCHMARKS.md,
//    "Verifier library"). The tables of B and -Y are chunked
//    (ChunkedOddMultiples: of B, 2^32 B, ..., 2^224 B and of -Y, ...,
//    2^96 (-Y)), so U's sum needs 32 doublings instead of 128; V's s*H
//    needs all 256, as H is new each time (BENCHMARKS.md, "Issue 17, the
//    client side under BoringSSL"). There a doubling costs ~0.31 us and an
//    addition ~0.54 us whether or not a point is affine, so mixed additions
//    with affine tables would gain nothing.
#if defined(OPENSSL_IS_BORINGSSL)
constexpr bool kOwnPublicMultiply = true;
#else
constexpr bool kOwnPublicMultiply = false;
#endif

// Window widths for ec_public_mul's tables: a table of width w holds
// 2^(w-2) odd multiples. The base point's 8 tables are built once per
// process (64 points each: ~0.5 ms, ~130 KB under BoringSSL); a public
// key's 4 when it is decoded (16 points each: ~70 us, ~16 KB); a proof's
// Gamma and H per Verify (8 points each, about 1/30 of a verification's
// point operations). Wider tables for B and -Y cut U's additions (a digit
// per w + 1 bits); measured: 7 -> 8 for B and 5 -> 6 for -Y took ~2.5% off
// Verify.
constexpr int kBaseWindow = 8;
constexpr int kPointWindow = 5;
constexpr int kKeyWindow = 6;
// U = s*B + c*(-Y) is summed from chunks of this many bytes of s and c, each
// with its own table (kBaseChunks of B, kKeyChunks of each key's -Y), so
// its Straus loop runs 8 * kUChunkBytes doublings. The key's chunked tables
// cost (kKeyChunks - 1) * 8 * kUChunkBytes doublings once, when it is
// decoded; B's once per process.
constexpr size_t kUChunkBytes = 4;
constexpr size_t kBaseChunks = 32 / kUChunkBytes;
constexpr size_t kKeyChunks = 16 / kUChunkBytes;

// The group and the constants derived from it, set up once and only read
// afterwards (EC_POINT_mul and friends take the group const; the BIGNUMs and
// Montgomery contexts are only read by the BN functions used here), so they
// are shared by all threads. Never freed.
struct Curve {
  EC_GROUP* group;
  const BIGNUM* order;      // n
  BN_MONT_CTX* order_mont;  // for arithmetic mod n
  BIGNUM* p;                // the field prime
  BIGNUM* a_mont;           // a = -3 mod p, times R mod p (Montgomery form)
  BIGNUM* b_mont;           // b, times R mod p
  BIGNUM* sqrt_exponent;    // (p + 1) / 4, as p = 3 (mod 4)
  BN_MONT_CTX* field_mont;  // for arithmetic mod p
  // Only when kOwnPublicMultiply: odd multiples of B, 2^32 B, ...,
  // 2^224 B, so that s*B is eight 32-bit multiplications sharing 32
  // doublings with c*(-Y)'s chunks.
  ChunkedOddMultiples* base_tables;
};

const Curve& P256() {
  static const Curve* const curve = [] {
    Curve* c = new Curve;
    c->group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    Check(c->group != nullptr, "no P-256 group");
    c->order = EC_GROUP_get0_order(c->group);
    Check(c->order != nullptr, "P-256 incomplete");
    CtxPtr ctx(BN_CTX_new());
    c->p = BN_new();
    c->a_mont = BN_new();
    c->b_mont = BN_new();
    c->sqrt_exponent = BN_new();
    BnPtr want_p(BN_bin2bn(kP, sizeof(kP), nullptr));
    BnPtr want_n(BN_bin2bn(kN, sizeof(kN), nullptr));
    Check(ctx && c->p && c->a_mont && c->b_mont && c->sqrt_exponent && want_p && want_n &&
              EC_GROUP_get_curve_GFp(c->group, c->p, c->a_mont, c->b_mont, ctx.get()) == 1,
          "P-256 parameters unavailable");
    Check(BN_cmp(c->p, want_p.get()) == 0 && BN_cmp(c->order, want_n.get()) == 0 &&
              BN_mod_word(c->p, 4) == 3,
          "P-256 parameters differ from SEC 2");
    Check(BN_copy(c->sqrt_exponent, c->p) != nullptr && BN_add_word(c->sqrt_exponent, 1) == 1 &&
              BN_rshift(c->sqrt_exponent, c->sqrt_exponent, 2) == 1,
          "square root exponent");
    c->order_mont = BN_MONT_CTX_new();
    c->field_mont = BN_MONT_CTX_new();
    Check(c->order_mont != nullptr && c->field_mont != nullptr &&
              BN_MONT_CTX_set(c->order_mont, c->order, ctx.get()) == 1 &&
              BN_MONT_CTX_set(c->field_mont, c->p, ctx.get()) == 1 &&
              BN_to_montgomery(c->a_mont, c->a_mont, c->field_mont, ctx.get()) == 1 &&
              BN_to_montgomery(c->b_mont, c->b_mont, c->field_mont, ctx.get()) == 1,
          "Montgomery contexts");
    c->base_tables = nullptr;
    if (kOwnPublicMultiply) {
      const EC_POINT* base = EC_GROUP_get0_generator(c->group);
      Check(base != nullptr, "P-256 generator");
      c->base_tables = new ChunkedOddMultiples(c->group, base, kBaseWindow, kUChunkBytes,
                                               kBaseChunks, ctx.get());
    }
    return c;
  }();
  return *curve;
}

CtxPtr NewCtx() {
  CtxPtr ctx(BN_CTX_new());
  Check(ctx != nullptr, "out of memory");
  return ctx;
}

PointPtr NewPoint() {
  PointPtr p(EC_POINT_new(P256().group));
  Check(p != nullptr, "out of memory");
  return p;
}

// SEC1 section 2.3.4 step 2.4: sets *out to the point with x coordinate
// x_octets (32 bytes; the caller has checked x < p) whose y has parity y_bit.
// False if there is none (x^3 - 3x + b is not a square mod p).
//
// This is what EC_POINT_oct2point does for compressed points, done here
// because it is on the hot path (about two attempts per hash to the curve):
// with P-256's p = 3 (mod 4) the root is one exponentiation, and a cached
// Montgomery context makes it about a third cheaper than the library decoders
// in both OpenSSL 3 and BoringSSL. Not constant-time: x is public (it comes
// from alpha and the public key, or from a proof).
bool Decompress(const uint8_t* x_octets, int y_bit, EC_POINT* out, BN_CTX* ctx) {
  const Curve& c = P256();
  BN_CTX_start(ctx);
  BIGNUM* x = BN_CTX_get(ctx);
  BIGNUM* rhs = BN_CTX_get(ctx);
  BIGNUM* y = BN_CTX_get(ctx);
  BIGNUM* t = BN_CTX_get(ctx);
  BIGNUM* x_mont = BN_CTX_get(ctx);
  BIGNUM* rhs_mont = BN_CTX_get(ctx);
  // In Montgomery form (v * R mod p), where every product is one
  // Montgomery multiplication and no step divides; x < p and the curve's
  // constants are reduced, so the modular additions need no division either.
  Check(rhs_mont != nullptr && BN_bin2bn(x_octets, kScalarSize, x) != nullptr &&
            // rhs = (x^2 + a) * x + b
            BN_to_montgomery(x_mont, x, c.field_mont, ctx) == 1 &&
            BN_mod_mul_montgomery(t, x_mont, x_mont, c.field_mont, ctx) == 1 &&
            BN_mod_add_quick(t, t, c.a_mont, c.p) == 1 &&
            BN_mod_mul_montgomery(t, t, x_mont, c.field_mont, ctx) == 1 &&
            BN_mod_add_quick(rhs_mont, t, c.b_mont, c.p) == 1 &&
            BN_from_montgomery(rhs, rhs_mont, c.field_mont, ctx) == 1 &&
            // y = rhs^((p+1)/4), a root of rhs iff rhs is a square:
            // (y R)^2 R^-1 = y^2 R against rhs R
            BN_mod_exp_mont(y, rhs, c.sqrt_exponent, c.p, ctx, c.field_mont) == 1 &&
            BN_to_montgomery(t, y, c.field_mont, ctx) == 1 &&
            BN_mod_mul_montgomery(t, t, t, c.field_mont, ctx) == 1,
        "field arithmetic failed");
  bool ok = BN_cmp(t, rhs_mont) == 0;
  // y = 0 has no negative to switch to (it cannot occur: P-256 has no point
  // of order 2; checked anyway, as SEC1 says).
  if (ok && BN_is_odd(y) != y_bit) {
    ok = !BN_is_zero(y) && BN_sub(y, c.p, y) == 1;
  }
  // The library checks again that the point is on the curve.
  ok = ok && EC_POINT_set_affine_coordinates(c.group, out, x, y, ctx) == 1;
  BN_CTX_end(ctx);
  return ok;
}

// string_to_point (section 5.5: SEC1 section 2.3.4) for the only form this
// suite produces: 33 bytes, 0x02 or 0x03, then x < p such that x^3 - 3x + b
// is a square mod p.
absl::Status DecodePoint(absl::string_view s, absl::string_view what, EC_POINT* out, BN_CTX* ctx) {
  if (s.size() != kPointSize) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": wrong size ", s.size(), ", want ", kPointSize));
  }
  const uint8_t* b = U8(s);
  if (b[0] != 0x02 && b[0] != 0x03) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": prefix byte 0x",
                                                   absl::Hex(b[0], absl::kZeroPad2),
                                                   ", want 0x02 or 0x03 (compressed point)"));
  }
  if (!LessThan(b + 1, kP)) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": x coordinate is not less than p"));
  }
  if (!Decompress(b + 1, b[0] & 1, out, ctx)) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": x coordinate of no point on P-256"));
  }
  return absl::OkStatus();
}

// point_to_string (section 5.5: SEC1 section 2.3.3, compressed): 33 bytes, or
// the single byte 0x00 for the identity. Only Verify can meet the identity
// (U or V of a proof no honest prover makes); it is encoded as SEC1 says so
// that verification is exactly section 5.3's. Returns the length written.
size_t EncodePoint(const EC_POINT* p, uint8_t out[kPointSize], BN_CTX* ctx) {
  const EC_GROUP* group = P256().group;
  if (EC_POINT_is_at_infinity(group, p) == 1) {
    out[0] = 0x00;
    return 1;
  }
  size_t n = EC_POINT_point2oct(group, p, POINT_CONVERSION_COMPRESSED, out, kPointSize, ctx);
  Check(n == kPointSize, "point encoding failed");
  return n;
}

// ECVRF_encode_to_curve_try_and_increment (section 5.4.1.1) with
// encode_to_curve_salt = PK_string (section 5.5). For ctr = 0, 1, ...:
// hash_string = SHA-256(suite || 0x01 || salt || alpha || ctr || 0x00), and
// interpret_hash_value_as_a_point(hash_string) = string_to_point(0x02 ||
// hash_string). On success sets *h and h_string = point_to_string(H) (which
// is exactly the accepted candidate: prefix 0x02 and x < p). False if all
// 256 one-byte counters fail (probability about 2^-256).
bool EncodeToCurve(absl::string_view salt, absl::string_view alpha, EC_POINT* h,
                   uint8_t h_string[kPointSize], BN_CTX* ctx) {
  Sha256 prefix;
  prefix.UpdateU8(kSuite).UpdateU8(0x01).Update(salt).Update(alpha);
  for (int ctr = 0; ctr < 256; ++ctr) {
    Sha256 attempt = prefix;
    attempt.UpdateU8(static_cast<uint8_t>(ctr)).UpdateU8(0x00);
    Hash x = attempt.Finish();
    if (!LessThan(x.data(), kP)) continue;  // not a field element
    if (Decompress(x.data(), /*y_bit=*/0, h, ctx)) {
      h_string[0] = 0x02;
      std::memcpy(h_string + 1, x.data(), x.size());
      return true;
    }
  }
  return false;
}

// ECVRF_challenge_generation (section 5.4.3): the first cLen bytes of
// SHA-256(suite || 0x02 || P1 || ... || P5 || 0x00).
void Challenge(absl::string_view y, absl::string_view h, absl::string_view gamma,
               absl::string_view u, absl::string_view v, uint8_t c[kChallengeSize]) {
  Sha256 hash;
  hash.UpdateU8(kSuite).UpdateU8(0x02);
  hash.Update(y).Update(h).Update(gamma).Update(u).Update(v);
  Hash digest = hash.UpdateU8(0x00).Finish();
  std::memcpy(c, digest.data(), kChallengeSize);
}

// ECVRF_proof_to_hash (section 5.2) from a decoded Gamma's encoding: the
// cofactor is 1, so point_to_string(cofactor * Gamma) is gamma_string.
Hash GammaToBeta(absl::string_view gamma_string) {
  return Sha256().UpdateU8(kSuite).UpdateU8(0x03).Update(gamma_string).UpdateU8(0x00).Finish();
}

// ECVRF_decode_proof (section 5.4.4): checks the length, that s < n, and
// that Gamma is a point (the cheap checks first), setting *gamma. c is 16
// bytes and so always less than n.
absl::Status DecodeProof(absl::string_view proof, EC_POINT* gamma, BN_CTX* ctx) {
  if (proof.size() != kVrfProofSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("VRF proof: wrong size ", proof.size(), ", want ", kVrfProofSize));
  }
  if (!LessThan(U8(proof) + kPointSize + kChallengeSize, kN)) {
    return absl::InvalidArgumentError("VRF proof: s is not less than the group order");
  }
  return DecodePoint(proof.substr(0, kPointSize), "VRF proof: Gamma", gamma, ctx);
}

// HMAC-SHA-256 under a secret key (RFC 6979's K): the key schedule is wiped
// when this goes out of scope.
class SecretMac {
 public:
  explicit SecretMac(const Hash& key) : key_(HashView(key)) {}
  ~SecretMac() { OPENSSL_cleanse(&key_, sizeof(key_)); }
  SecretMac(const SecretMac&) = delete;
  SecretMac& operator=(const SecretMac&) = delete;

  // The MAC of the concatenation of `parts`.
  Hash Of(std::initializer_list<absl::string_view> parts) const {
    Sha256 inner = key_.Begin();
    for (absl::string_view part : parts) inner.Update(part);
    Hash out = key_.FinishMac(inner);
    OPENSSL_cleanse(&inner, sizeof(inner));
    return out;
  }

 private:
  HmacSha256Key key_;
};

// ECVRF_nonce_generation_RFC6979 (section 5.4.2.1): RFC 6979 section 3.2
// with m = h_string, the hash SHA-256 (hlen = 256), q = n (qlen = 256), the
// secret scalar x, and step h.3's "suitable for (EC)DSA" test omitted. As
// hlen = qlen, bits2int is plain big-endian decoding and one HMAC output
// fills T. Writes k, in [1, n-1], to k_out.
void GenerateNonce(const uint8_t x[kScalarSize], absl::string_view h_string,
                   uint8_t k_out[kScalarSize]) {
  // a. h1 = H(m); bits2octets(h1) = int2octets(h1 mod q). h1 < 2^256 < 2q,
  // so one subtraction reduces it. (h1 is derived from public H.)
  Hash h1 = Sha256Of(h_string);
  if (!LessThan(h1.data(), kN)) SubtractOrder(h1.data());
  const absl::string_view x_octets = View(x, kScalarSize);  // int2octets(x)
  const absl::string_view h1_octets = HashView(h1);
  const absl::string_view zero("\x00", 1), one("\x01", 1);
  Hash v, k;
  v.fill(0x01);                                                   // b.
  k.fill(0x00);                                                   // c.
  k = SecretMac(k).Of({HashView(v), zero, x_octets, h1_octets});  // d.
  {
    SecretMac mac(k);
    v = mac.Of({HashView(v)});                            // e.
    k = mac.Of({HashView(v), one, x_octets, h1_octets});  // f.
  }
  // g. and h. Each pass uses one K: V = HMAC_K(V) (step g., or the end of
  // step h.3 after K changed), then h.2's V = HMAC_K(V), which is T (one
  // block is already qlen bits).
  for (;;) {
    SecretMac mac(k);
    v = mac.Of({HashView(v)});
    v = mac.Of({HashView(v)});
    // h.3: k = bits2int(T); done if 1 <= k <= q-1, else K = HMAC_K(V || 0).
    if (!IsZero(v.data()) & LessThan(v.data(), kN)) break;
    k = mac.Of({HashView(v), zero});
  }
  std::memcpy(k_out, v.data(), kScalarSize);
  OPENSSL_cleanse(v.data(), v.size());
  OPENSSL_cleanse(k.data(), k.size());
}

}  // namespace

// The public point, negated: -Y, for U = s*B + c*(-Y) in one EC_POINT_mul;
// when kOwnPublicMultiply, the chunked odd multiples of -Y instead.
// Read-only once built.
struct VrfPublicPoint {
  PointPtr neg_y;
  std::unique_ptr<const ChunkedOddMultiples> neg_y_tables;
};

// The secret scalar x in the forms Prove uses. Read-only once built; every
// form is wiped when the last key copy drops it.
struct VrfSecretScalar {
  uint8_t octets[kScalarSize];  // int2octets(x), the RFC 6979 key input
  SecretBnPtr x;                // x
  SecretBnPtr x_mont;           // x * R mod n (Montgomery form), for c * x
  VrfSecretScalar() = default;
  VrfSecretScalar(const VrfSecretScalar&) = delete;
  VrfSecretScalar& operator=(const VrfSecretScalar&) = delete;
  ~VrfSecretScalar() { OPENSSL_cleanse(octets, sizeof(octets)); }
};

namespace {

std::shared_ptr<const VrfPublicPoint> MakePublicPoint(PointPtr y, BN_CTX* ctx) {
  Check(EC_POINT_invert(P256().group, y.get(), ctx) == 1, "point negation failed");
  auto point = std::make_shared<VrfPublicPoint>();
  if (kOwnPublicMultiply) {
    point->neg_y_tables = std::make_unique<const ChunkedOddMultiples>(
        P256().group, y.get(), kKeyWindow, kUChunkBytes, kKeyChunks, ctx);
  }
  point->neg_y = std::move(y);
  return point;
}

}  // namespace

absl::StatusOr<VrfPublicKey> VrfPublicKey::FromBytes(absl::string_view raw) {
  CtxPtr ctx = NewCtx();
  PointPtr y = NewPoint();
  absl::Status status = DecodePoint(raw, "VRF public key", y.get(), ctx.get());
  if (!status.ok()) return status;
  // ECVRF_validate_key (section 5.4.5): the cofactor is 1, so only the
  // identity is invalid, and it has no 33-byte encoding to decode from.
  return VrfPublicKey(std::string(raw), MakePublicPoint(std::move(y), ctx.get()));
}

std::string VrfPublicKey::HashToCurveForTesting(absl::string_view alpha) const {
  CtxPtr ctx = NewCtx();
  PointPtr h = NewPoint();
  uint8_t h_string[kPointSize];
  if (!EncodeToCurve(raw_, alpha, h.get(), h_string, ctx.get())) {
    Fatal("alpha does not hash to the curve");
  }
  return std::string(View(h_string, kPointSize));
}

// ECVRF_verify (section 5.3), with validate_key done by FromBytes.
absl::StatusOr<Hash> VrfPublicKey::Verify(absl::string_view alpha, absl::string_view proof) const {
  const Curve& curve = P256();
  CtxPtr ctx = NewCtx();
  PointPtr gamma = NewPoint();
  // 4-6. (Gamma, c, s) = ECVRF_decode_proof(pi_string).
  absl::Status status = DecodeProof(proof, gamma.get(), ctx.get());
  if (!status.ok()) return status;
  const absl::string_view gamma_string = proof.substr(0, kPointSize);
  const absl::string_view c_string = proof.substr(kPointSize, kChallengeSize);
  const uint8_t* s_octets = U8(proof) + kPointSize + kChallengeSize;

  // 7. H = ECVRF_encode_to_curve(encode_to_curve_salt, alpha_string).
  PointPtr h = NewPoint();
  uint8_t h_string[kPointSize];
  if (!EncodeToCurve(raw_, alpha, h.get(), h_string, ctx.get())) {
    return absl::InvalidArgumentError("VRF: alpha does not hash to the curve");
  }

  // 8. U = s*B - c*Y and 9. V = s*H - c*Gamma, as sums with -Y and -Gamma.
  PointPtr u = NewPoint();
  PointPtr v = NewPoint();
  Check(EC_POINT_invert(curve.group, gamma.get(), ctx.get()) == 1, "point negation failed");
  if (kOwnPublicMultiply) {
    // Variable time is fine: s, c, H, Gamma and Y are all public.
    // U = sum of s_i * (2^(32 i) B) + sum of c_j * (2^(32 j) (-Y)), the
    // 32-bit chunks s_i of s and c_j of c.
    std::vector<ec_public_mul::Term> u_terms;
    u_terms.reserve(kBaseChunks + kKeyChunks);
    curve.base_tables->AppendTerms(absl::MakeConstSpan(s_octets, kScalarSize), &u_terms);
    point_->neg_y_tables->AppendTerms(absl::MakeConstSpan(U8(c_string), kChallengeSize), &u_terms);
    ec_public_mul::MultiplyPublic(curve.group, u_terms, u.get(), ctx.get());
    const OddMultiples h_table(curve.group, h.get(), kPointWindow, ctx.get());
    const OddMultiples neg_gamma_table(curve.group, gamma.get(), kPointWindow, ctx.get());
    const ec_public_mul::Term v_terms[] = {
        {absl::MakeConstSpan(s_octets, kScalarSize), &h_table},
        {absl::MakeConstSpan(U8(c_string), kChallengeSize), &neg_gamma_table}};
    ec_public_mul::MultiplyPublic(curve.group, v_terms, v.get(), ctx.get());
  } else {
    BnPtr c(BN_bin2bn(U8(c_string), kChallengeSize, nullptr));
    BnPtr s(BN_bin2bn(s_octets, kScalarSize, nullptr));
    PointPtr c_gamma = NewPoint();
    Check(c && s, "out of memory");
    Check(
        EC_POINT_mul(curve.group, u.get(), s.get(), point_->neg_y.get(), c.get(), ctx.get()) == 1 &&
            EC_POINT_mul(curve.group, c_gamma.get(), nullptr, gamma.get(), c.get(), ctx.get()) ==
                1 &&
            EC_POINT_mul(curve.group, v.get(), nullptr, h.get(), s.get(), ctx.get()) == 1 &&
            EC_POINT_add(curve.group, v.get(), v.get(), c_gamma.get(), ctx.get()) == 1,
        "point arithmetic failed");
  }

  // 10. c' = ECVRF_challenge_generation(Y, H, Gamma, U, V).
  uint8_t u_string[kPointSize], v_string[kPointSize];
  size_t u_len = EncodePoint(u.get(), u_string, ctx.get());
  size_t v_len = EncodePoint(v.get(), v_string, ctx.get());
  uint8_t c_prime[kChallengeSize];
  Challenge(raw_, View(h_string, kPointSize), gamma_string, View(u_string, u_len),
            View(v_string, v_len), c_prime);

  // 11. Valid iff c == c' (public values: a plain comparison is fine).
  if (std::memcmp(c_prime, c_string.data(), kChallengeSize) != 0) {
    return absl::InvalidArgumentError("VRF proof does not verify");
  }
  return GammaToBeta(gamma_string);
}

VrfPrivateKey VrfPrivateKey::Generate() {
  uint8_t scalar[kScalarSize];
  do {
    RandomBytes(scalar, sizeof(scalar));
  } while (IsZero(scalar) || !LessThan(scalar, kN));
  absl::StatusOr<VrfPrivateKey> key = FromBytes(View(scalar, sizeof(scalar)));
  OPENSSL_cleanse(scalar, sizeof(scalar));
  if (!key.ok()) Fatal("generated scalar rejected");
  return *std::move(key);
}

absl::StatusOr<VrfPrivateKey> VrfPrivateKey::FromBytes(absl::string_view raw) {
  if (raw.size() != kScalarSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("VRF private key: wrong size ", raw.size(), ", want ", kScalarSize));
  }
  // Range check without branching on the secret's bytes (the verdict itself
  // is not secret).
  if (IsZero(U8(raw)) | !LessThan(U8(raw), kN)) {
    return absl::InvalidArgumentError("VRF private key: scalar is not in [1, n-1]");
  }
  const Curve& curve = P256();
  CtxPtr ctx = NewCtx();
  auto secret = std::make_shared<VrfSecretScalar>();
  std::memcpy(secret->octets, raw.data(), kScalarSize);
  secret->x.reset(BN_new());
  secret->x_mont.reset(BN_new());
  Check(secret->x && secret->x_mont, "out of memory");
  MarkSecret(secret->x.get());
  MarkSecret(secret->x_mont.get());
  Check(
      BN_bin2bn(secret->octets, kScalarSize, secret->x.get()) != nullptr &&
          BN_to_montgomery(secret->x_mont.get(), secret->x.get(), curve.order_mont, ctx.get()) == 1,
      "scalar setup failed");

  // Y = x*B, and PK_string = point_to_string(Y).
  PointPtr y = NewPoint();
  Check(EC_POINT_mul(curve.group, y.get(), secret->x.get(), nullptr, nullptr, ctx.get()) == 1,
        "EC_POINT_mul failed");
  uint8_t y_string[kPointSize];
  Check(EncodePoint(y.get(), y_string, ctx.get()) == kPointSize, "public key is the identity");
  VrfPublicKey public_key(std::string(View(y_string, kPointSize)),
                          MakePublicPoint(std::move(y), ctx.get()));
  return VrfPrivateKey(std::move(secret), std::move(public_key));
}

std::string VrfPrivateKey::bytes() const { return std::string(View(secret_->octets, kScalarSize)); }

// ECVRF_prove (section 5.1).
std::string VrfPrivateKey::Prove(absl::string_view alpha) const {
  const Curve& curve = P256();
  CtxPtr ctx = NewCtx();
  const std::string& y_string = public_key_.bytes();

  // 2-3. H = ECVRF_encode_to_curve(PK_string, alpha); h_string.
  PointPtr h = NewPoint();
  uint8_t h_string[kPointSize];
  if (!EncodeToCurve(y_string, alpha, h.get(), h_string, ctx.get())) {
    Fatal("alpha does not hash to the curve");
  }
  const absl::string_view h_view = View(h_string, kPointSize);

  // 4. Gamma = x*H.
  PointPtr gamma = NewPoint();
  Check(EC_POINT_mul(curve.group, gamma.get(), nullptr, h.get(), secret_->x.get(), ctx.get()) == 1,
        "EC_POINT_mul failed");

  // 5. k = ECVRF_nonce_generation(SK, h_string).
  uint8_t k_octets[kScalarSize];
  GenerateNonce(secret_->octets, h_view, k_octets);
  SecretBnPtr k(BN_new());
  Check(k != nullptr, "out of memory");
  MarkSecret(k.get());
  bool ok = BN_bin2bn(k_octets, kScalarSize, k.get()) != nullptr;
  OPENSSL_cleanse(k_octets, sizeof(k_octets));
  Check(ok, "out of memory");

  // 6. c = ECVRF_challenge_generation(Y, H, Gamma, k*B, k*H). k*B is a
  // fixed-base multiplication (both libraries use precomputed tables of B).
  PointPtr u = NewPoint();
  PointPtr v = NewPoint();
  Check(EC_POINT_mul(curve.group, u.get(), k.get(), nullptr, nullptr, ctx.get()) == 1 &&
            EC_POINT_mul(curve.group, v.get(), nullptr, h.get(), k.get(), ctx.get()) == 1,
        "EC_POINT_mul failed");
  std::string pi(kVrfProofSize, '\0');
  uint8_t* out = reinterpret_cast<uint8_t*>(&pi[0]);
  uint8_t u_string[kPointSize], v_string[kPointSize];
  // k is in [1, n-1] and H, B have order n, so none of these is the identity.
  Check(EncodePoint(gamma.get(), out, ctx.get()) == kPointSize &&
            EncodePoint(u.get(), u_string, ctx.get()) == kPointSize &&
            EncodePoint(v.get(), v_string, ctx.get()) == kPointSize,
        "identity point in a proof");
  uint8_t* c_out = out + kPointSize;
  Challenge(y_string, h_view, View(out, kPointSize), View(u_string, kPointSize),
            View(v_string, kPointSize), c_out);

  // 7. s = (k + c*x) mod n: c*x by Montgomery multiplication of x*R by c,
  // then a modular addition; both constant-time in both libraries.
  BnPtr c(BN_bin2bn(c_out, kChallengeSize, nullptr));
  SecretBnPtr cx(BN_new());
  SecretBnPtr s(BN_new());
  Check(c && cx && s, "out of memory");
  MarkSecret(cx.get());
  MarkSecret(s.get());
  Check(BN_mod_mul_montgomery(cx.get(), secret_->x_mont.get(), c.get(), curve.order_mont,
                              ctx.get()) == 1 &&
            BN_mod_add_quick(s.get(), k.get(), cx.get(), curve.order) == 1,
        "scalar arithmetic failed");

  // 8. pi = point_to_string(Gamma) || int_to_string(c, cLen) ||
  // int_to_string(s, qLen).
  Check(BN_bn2binpad(s.get(), out + kPointSize + kChallengeSize, kScalarSize) ==
            static_cast<int>(kScalarSize),
        "s does not fit");
  return pi;
}

absl::StatusOr<Hash> VrfProofToHash(absl::string_view proof) {
  CtxPtr ctx = NewCtx();
  PointPtr gamma = NewPoint();
  absl::Status status = DecodeProof(proof, gamma.get(), ctx.get());
  if (!status.ok()) return status;
  return GammaToBeta(proof.substr(0, kPointSize));
}

}  // namespace keytrail
