// Variable-time multi-scalar multiplication, sum of k_i * P_i, on an EC_GROUP
// through the EC_POINT API that OpenSSL 3 and BoringSSL share
// (EC_POINT_dbl, EC_POINT_add, EC_POINT_invert). Internal to the crypto
// module (ecvrf.cc's verification uses it); not visible outside core/crypto.
//
// FOR PUBLIC DATA ONLY. The scalars are recoded into width-w NAF and the
// points are added in an order, and with table indices, that depend on the
// scalars' bits, so the running time and memory accesses leak the scalars.
// That is fine when every input is public (a verifier checking a proof with
// a public key); never pass a secret scalar or nonce here — EC_POINT_mul
// with one scalar is the constant-time path for those.
//
// Why it exists: Straus' interleaving shares one chain of doublings between
// all terms, and wNAF makes about one addition per w+1 bits. Where the
// library's own EC_POINT_mul is a generic constant-time ladder (the Debian
// Android BoringSSL build: no P-256-specific code, each point
// multiplication its own 256 doublings), this roughly halves the cost of
// s*H + c*G. Where the library has a fast P-256 EC_POINT_mul (OpenSSL 3's
// nistz256) its EC_POINT_add/dbl are slower than that, and ecvrf.cc keeps
// the library's multiplication.
//
// Results are exactly the group's: all additions go through EC_POINT_add,
// which both libraries define for every pair of points (equal points,
// inverse points, the identity), so any scalars (including 0 and values
// >= the group order) and any points give the sum a constant-time
// multiplication would.
//
// Thread safety: an OddMultiples is immutable after construction and may be
// read by any number of threads at once; MultiplyPublic only reads its
// tables. Errors: only memory exhaustion or a broken library can make a
// call fail; it then aborts, like the rest of ecvrf.cc.
#ifndef KEYTRAIL_CORE_CRYPTO_EC_PUBLIC_MUL_H_
#define KEYTRAIL_CORE_CRYPTO_EC_PUBLIC_MUL_H_

#include <openssl/bn.h>
#include <openssl/ec.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/types/span.h"

namespace keytrail {
namespace ec_public_mul {

struct PointFree {
  void operator()(EC_POINT* p) const { EC_POINT_free(p); }
};
using PointPtr = std::unique_ptr<EC_POINT, PointFree>;

// The odd multiples P, 3P, 5P, ..., (2^(w-1) - 1)P of one point, for
// width-w NAF digits. Building costs one doubling and 2^(w-2) - 1
// additions: worth it per point for w = 5 (the table is used for about
// 128-256 bits of scalar); a fixed point's table can be kept. Negative
// digits are not stored: MultiplyPublic subtracts instead (a negation is
// about 50x cheaper than an addition), which halves the tables' memory.
class OddMultiples {
 public:
  // Window width w in [2, 8]. `group` must outlive the table. Aborts on
  // allocation failure or a library error.
  OddMultiples(const EC_GROUP* group, const EC_POINT* p, int window, BN_CTX* ctx);

  int window() const { return window_; }
  // digit * P for an odd digit with 0 < digit < 2^(w-1).
  const EC_POINT* Get(int digit) const { return multiples_[(digit - 1) / 2].get(); }

 private:
  int window_;
  std::vector<PointPtr> multiples_;  // multiples_[i] = (2i + 1) P
};

// One term k * P: k is `scalar`, big-endian, at most 32 bytes (public!),
// and P is the point whose odd multiples `table` holds.
struct Term {
  absl::Span<const uint8_t> scalar;
  const OddMultiples* table;
};

// Odd multiples of P, 2^b P, 2^(2b) P, ..., 2^((chunks-1) b) P with
// b = 8 * chunk_bytes, for a point P whose multiples are wanted often (a
// fixed base, a public key). A scalar k of up to chunks * chunk_bytes bytes
// is then the sum of its b-bit chunks k_i times 2^(i b) P, so MultiplyPublic
// needs b doublings for it instead of one per bit of k: the doublings are
// paid once here, (chunks - 1) * b of them, plus `chunks` tables of width
// `window`. Immutable after construction, like OddMultiples.
class ChunkedOddMultiples {
 public:
  // chunk_bytes in [1, 32], chunks >= 1, window as for OddMultiples.
  // `group` must outlive the tables. Aborts on allocation failure or a
  // library error.
  ChunkedOddMultiples(const EC_GROUP* group, const EC_POINT* p, int window, size_t chunk_bytes,
                      size_t chunks, BN_CTX* ctx);

  // Appends to *terms the terms whose sum is k * P, k = `scalar` big-endian
  // with at most chunks * chunk_bytes bytes (aborts if longer); all-zero
  // chunks are left out. The terms point into `scalar` and into this
  // object: both must outlive their use.
  void AppendTerms(absl::Span<const uint8_t> scalar, std::vector<Term>* terms) const;

 private:
  size_t chunk_bytes_;
  std::vector<OddMultiples> tables_;  // tables_[i]: odd multiples of 2^(i b) P
};

// Sets *out to the sum of the terms' products (the identity if there are
// none or every scalar is 0). Aborts on a library error or a scalar longer
// than 32 bytes.
void MultiplyPublic(const EC_GROUP* group, absl::Span<const Term> terms, EC_POINT* out,
                    BN_CTX* ctx);

// The width-w NAF of a big-endian integer (at most 32 bytes): digits[i] is
// 0 or odd with |digits[i]| < 2^(w-1), the sum of digits[i] * 2^i is the
// integer, and no w consecutive digits hold two nonzero ones. Trailing
// zero digits are dropped (0 has no digits). Exposed for the tests.
std::vector<int8_t> Wnaf(absl::Span<const uint8_t> scalar, int window);

}  // namespace ec_public_mul
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_CRYPTO_EC_PUBLIC_MUL_H_
