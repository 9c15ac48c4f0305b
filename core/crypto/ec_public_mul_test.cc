#include "core/crypto/ec_public_mul.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/crypto/random.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace ec_public_mul {
namespace {

struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using Bytes = std::vector<uint8_t>;

std::vector<uint8_t> RandomScalar(size_t size) {
  std::vector<uint8_t> s(size);
  RandomBytes(s.data(), s.size());
  return s;
}

// The scalar `top` followed by size - 1 zero bytes.
std::vector<uint8_t> OneBitThenZeros(size_t size, uint8_t top) {
  std::vector<uint8_t> s(size, 0);
  s[0] = top;
  return s;
}

class EcPublicMulTest : public testing::Test {
 protected:
  EcPublicMulTest()
      : group_(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)), ctx_(BN_CTX_new()) {}
  ~EcPublicMulTest() override {
    BN_CTX_free(ctx_);
    EC_GROUP_free(group_);
  }

  BnPtr Bn(const std::vector<uint8_t>& s) { return BnPtr(BN_bin2bn(s.data(), s.size(), nullptr)); }

  // k * B for a random k: a random point of the group.
  PointPtr RandomPoint() {
    PointPtr p(EC_POINT_new(group_));
    BnPtr k = Bn(RandomScalar(32));
    EXPECT_EQ(EC_POINT_mul(group_, p.get(), k.get(), nullptr, nullptr, ctx_), 1);
    return p;
  }

  // The library's constant-time sum of k_i * P_i, one EC_POINT_mul each.
  PointPtr Reference(const std::vector<std::vector<uint8_t>>& scalars,
                     const std::vector<const EC_POINT*>& points) {
    PointPtr sum(EC_POINT_new(group_));
    PointPtr product(EC_POINT_new(group_));
    EXPECT_EQ(EC_POINT_set_to_infinity(group_, sum.get()), 1);
    for (size_t i = 0; i < scalars.size(); ++i) {
      BnPtr k = Bn(scalars[i]);
      EXPECT_EQ(EC_POINT_mul(group_, product.get(), nullptr, points[i], k.get(), ctx_), 1);
      EXPECT_EQ(EC_POINT_add(group_, sum.get(), sum.get(), product.get(), ctx_), 1);
    }
    return sum;
  }

  // MultiplyPublic's result equals the reference, for each window width.
  void ExpectAgrees(const std::vector<std::vector<uint8_t>>& scalars,
                    const std::vector<const EC_POINT*>& points) {
    PointPtr want = Reference(scalars, points);
    for (int w : {2, 4, 5, 7}) {
      std::vector<OddMultiples> tables;
      tables.reserve(points.size());
      for (const EC_POINT* p : points) tables.emplace_back(group_, p, w, ctx_);
      std::vector<Term> terms;
      for (size_t i = 0; i < points.size(); ++i) {
        terms.push_back(Term{scalars[i], &tables[i]});
      }
      PointPtr got(EC_POINT_new(group_));
      MultiplyPublic(group_, terms, got.get(), ctx_);
      EXPECT_EQ(EC_POINT_cmp(group_, got.get(), want.get(), ctx_), 0) << "window " << w;
    }
  }

  // The terms of ChunkedOddMultiples of p with each chunking that covers
  // `scalar`, summed by MultiplyPublic, equal the library's scalar * p.
  void ExpectChunkedAgrees(const std::vector<uint8_t>& scalar, const EC_POINT* p) {
    PointPtr want = Reference({scalar}, {p});
    for (size_t chunk_bytes : {1, 4, 5, 16, 32}) {
      const size_t chunks = (32 + chunk_bytes - 1) / chunk_bytes;
      ChunkedOddMultiples table(group_, p, 5, chunk_bytes, chunks, ctx_);
      std::vector<Term> terms;
      table.AppendTerms(scalar, &terms);
      EXPECT_LE(terms.size(), chunks);
      PointPtr got(EC_POINT_new(group_));
      MultiplyPublic(group_, terms, got.get(), ctx_);
      EXPECT_EQ(EC_POINT_cmp(group_, got.get(), want.get(), ctx_), 0)
          << "chunk bytes " << chunk_bytes;
    }
  }

  EC_GROUP* group_;
  BN_CTX* ctx_;
};

TEST_F(EcPublicMulTest, WnafDigitsSumToTheScalarAndAreSparse) {
  std::vector<std::vector<uint8_t>> scalars = {{},
                                               {0x00},
                                               {0x01},
                                               {0xff},
                                               std::vector<uint8_t>(32, 0xff),
                                               std::vector<uint8_t>(16, 0xff),
                                               RandomScalar(32),
                                               RandomScalar(16),
                                               // runs of zero digits longer than one limb
                                               OneBitThenZeros(32, 0x01),
                                               OneBitThenZeros(32, 0x80),
                                               OneBitThenZeros(9, 0x01)};
  for (int w = 2; w <= 8; ++w) {
    for (const std::vector<uint8_t>& s : scalars) {
      std::vector<int8_t> digits = Wnaf(s, w);
      BnPtr sum(BN_new());
      ASSERT_TRUE(sum != nullptr);
      BN_zero(sum.get());
      int last_nonzero = static_cast<int>(digits.size()) + w;
      for (size_t i = digits.size(); i-- > 0;) {
        ASSERT_EQ(BN_lshift1(sum.get(), sum.get()), 1);
        int d = digits[i];
        if (d == 0) continue;
        EXPECT_EQ(d & 1, 1) << "even digit " << d;
        EXPECT_LT(std::abs(d), 1 << (w - 1));
        EXPECT_GE(last_nonzero - static_cast<int>(i), w) << "two nonzero digits within " << w;
        last_nonzero = static_cast<int>(i);
        ASSERT_EQ(d > 0 ? BN_add_word(sum.get(), d) : BN_sub_word(sum.get(), -d), 1);
      }
      if (!digits.empty()) {
        EXPECT_NE(digits.back(), 0) << "trailing zero digit";
      }
      EXPECT_EQ(BN_cmp(sum.get(), Bn(s).get()), 0) << "w=" << w;
    }
  }
}

TEST_F(EcPublicMulTest, AgreesWithTheLibraryOnRandomInputs) {
  for (int round = 0; round < 8; ++round) {
    PointPtr p = RandomPoint(), q = RandomPoint(), r = RandomPoint();
    ExpectAgrees({RandomScalar(32)}, {p.get()});
    ExpectAgrees({RandomScalar(32), RandomScalar(16)}, {p.get(), q.get()});
    ExpectAgrees({RandomScalar(16), RandomScalar(16), RandomScalar(16)},
                 {p.get(), q.get(), r.get()});
  }
}

TEST_F(EcPublicMulTest, EdgeScalars) {
  PointPtr p = RandomPoint(), q = RandomPoint();
  const std::vector<uint8_t> n_minus_1 = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
                                          0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                          0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
                                          0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x50};
  std::vector<uint8_t> n = n_minus_1;
  n.back() = 0x51;
  ExpectAgrees({Bytes{}}, {p.get()});  // no digits at all
  ExpectAgrees({Bytes(32, 0)}, {p.get()});
  ExpectAgrees({Bytes{0x01}}, {p.get()});
  ExpectAgrees({n_minus_1}, {p.get()});                       // -P
  ExpectAgrees({n}, {p.get()});                               // the identity
  ExpectAgrees({std::vector<uint8_t>(32, 0xff)}, {p.get()});  // above n
  ExpectAgrees({Bytes{0x00}, RandomScalar(32)}, {p.get(), q.get()});
}

// Sums whose additions meet equal points, inverse points and the identity
// part-way, which a constant-time ladder never does.
TEST_F(EcPublicMulTest, DegenerateAdditions) {
  PointPtr p = RandomPoint();
  PointPtr neg(EC_POINT_dup(p.get(), group_));
  ASSERT_EQ(EC_POINT_invert(group_, neg.get(), ctx_), 1);
  std::vector<uint8_t> k = RandomScalar(32);
  ExpectAgrees({k, k}, {p.get(), p.get()});    // equal additions: 2kP
  ExpectAgrees({k, k}, {p.get(), neg.get()});  // cancels to the identity
  std::vector<uint8_t> k_plus_1 = k;
  k_plus_1.back() ^= 1;                               // differs in the last bit
  ExpectAgrees({k, k_plus_1}, {p.get(), neg.get()});  // +-P
  ExpectAgrees({Bytes{0x03}, Bytes{0x01}, Bytes{0x02}}, {p.get(), p.get(), neg.get()});
  ExpectAgrees({}, {});  // the empty sum
}

TEST_F(EcPublicMulTest, ChunkedTablesAgreeWithTheLibrary) {
  PointPtr p = RandomPoint();
  for (int round = 0; round < 4; ++round) {
    ExpectChunkedAgrees(RandomScalar(32), p.get());
    ExpectChunkedAgrees(RandomScalar(16), p.get());  // shorter than the chunks cover
    ExpectChunkedAgrees(RandomScalar(3), p.get());   // shorter than one chunk
  }
  ExpectChunkedAgrees({}, p.get());
  ExpectChunkedAgrees(Bytes(32, 0xff), p.get());  // above n
  ExpectChunkedAgrees(OneBitThenZeros(32, 0x80), p.get());
  ExpectChunkedAgrees(OneBitThenZeros(17, 0x01), p.get());
}

TEST_F(EcPublicMulTest, ChunkedTablesLeaveZeroChunksOut) {
  PointPtr p = RandomPoint();
  ChunkedOddMultiples table(group_, p.get(), 4, /*chunk_bytes=*/4, /*chunks=*/8, ctx_);
  std::vector<Term> terms;
  table.AppendTerms(Bytes(32, 0), &terms);
  EXPECT_TRUE(terms.empty());
  PointPtr got(EC_POINT_new(group_));
  MultiplyPublic(group_, terms, got.get(), ctx_);
  EXPECT_EQ(EC_POINT_is_at_infinity(group_, got.get()), 1);

  // Only chunks 7 (the top byte) and 0 (the last byte) are nonzero: two
  // terms, each 4 bytes of the scalar, the low chunk first.
  Bytes k(32, 0);
  k[0] = 0x12;
  k[31] = 0x34;
  table.AppendTerms(k, &terms);
  ASSERT_EQ(terms.size(), 2u);
  EXPECT_EQ(terms[0].scalar.data(), k.data() + 28);
  EXPECT_EQ(terms[0].scalar.size(), 4u);
  EXPECT_EQ(terms[1].scalar.data(), k.data());
  EXPECT_EQ(terms[1].scalar.size(), 4u);
  MultiplyPublic(group_, terms, got.get(), ctx_);
  PointPtr want = Reference({k}, {p.get()});
  EXPECT_EQ(EC_POINT_cmp(group_, got.get(), want.get(), ctx_), 0);
}

// U = s*B + c*(-Y) as ecvrf.cc sums it: two chunked tables, their terms
// in one Straus loop.
TEST_F(EcPublicMulTest, TwoChunkedTablesInOneSum) {
  PointPtr b = RandomPoint(), y = RandomPoint();
  ChunkedOddMultiples b_table(group_, b.get(), 7, 4, 8, ctx_);
  ChunkedOddMultiples y_table(group_, y.get(), 5, 4, 4, ctx_);
  for (int round = 0; round < 4; ++round) {
    Bytes s = RandomScalar(32), c = RandomScalar(16);
    std::vector<Term> terms;
    b_table.AppendTerms(s, &terms);
    y_table.AppendTerms(c, &terms);
    PointPtr got(EC_POINT_new(group_));
    MultiplyPublic(group_, terms, got.get(), ctx_);
    PointPtr want = Reference({s, c}, {b.get(), y.get()});
    EXPECT_EQ(EC_POINT_cmp(group_, got.get(), want.get(), ctx_), 0);
  }
}

}  // namespace
}  // namespace ec_public_mul
}  // namespace keytrail
