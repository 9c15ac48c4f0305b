// Straus-interleaved wNAF multiplication for public scalars (see the header
// for why it is variable-time and where that is acceptable).
#include "core/crypto/ec_public_mul.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace keytrail {
namespace ec_public_mul {
namespace {

constexpr size_t kMaxScalarBytes = 32;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "keytrail: EC multiplication: %s\n", what);
    std::abort();
  }
}

PointPtr NewPoint(const EC_GROUP* group) {
  PointPtr p(EC_POINT_new(group));
  Check(p != nullptr, "out of memory");
  return p;
}

}  // namespace

OddMultiples::OddMultiples(const EC_GROUP* group, const EC_POINT* p, int window, BN_CTX* ctx)
    : window_(window) {
  Check(window >= 2 && window <= 8, "window width out of range");
  const size_t count = size_t{1} << (window - 2);  // 1, 3, ..., 2^(w-1) - 1
  PointPtr twice = NewPoint(group);
  Check(EC_POINT_dbl(group, twice.get(), p, ctx) == 1, "doubling failed");
  multiples_.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    PointPtr multiple = NewPoint(group);
    Check((i == 0 ? EC_POINT_copy(multiple.get(), p)
                  : EC_POINT_add(group, multiple.get(), multiples_.back().get(), twice.get(),
                                 ctx)) == 1,
          "table point failed");
    multiples_.push_back(std::move(multiple));
  }
}

ChunkedOddMultiples::ChunkedOddMultiples(const EC_GROUP* group, const EC_POINT* p, int window,
                                         size_t chunk_bytes, size_t chunks, BN_CTX* ctx)
    : chunk_bytes_(chunk_bytes) {
  Check(chunk_bytes >= 1 && chunk_bytes <= kMaxScalarBytes && chunks >= 1, "bad chunking");
  tables_.reserve(chunks);
  PointPtr shifted = NewPoint(group);
  Check(EC_POINT_copy(shifted.get(), p) == 1, "copy failed");
  for (size_t i = 0; i < chunks; ++i) {
    if (i > 0) {
      for (size_t bit = 0; bit < 8 * chunk_bytes; ++bit) {
        Check(EC_POINT_dbl(group, shifted.get(), shifted.get(), ctx) == 1, "doubling failed");
      }
    }
    tables_.emplace_back(group, shifted.get(), window, ctx);
  }
}

void ChunkedOddMultiples::AppendTerms(absl::Span<const uint8_t> scalar,
                                      std::vector<Term>* terms) const {
  Check(scalar.size() <= chunk_bytes_ * tables_.size(), "scalar too long for its chunks");
  // Chunk i holds bits [i b, (i + 1) b): counted from the scalar's end.
  for (size_t i = 0, end = scalar.size(); end > 0; ++i) {
    const size_t begin = end > chunk_bytes_ ? end - chunk_bytes_ : 0;
    absl::Span<const uint8_t> chunk = scalar.subspan(begin, end - begin);
    if (std::any_of(chunk.begin(), chunk.end(), [](uint8_t b) { return b != 0; })) {
      terms->push_back(Term{chunk, &tables_[i]});
    }
    end = begin;
  }
}

std::vector<int8_t> Wnaf(absl::Span<const uint8_t> scalar, int window) {
  Check(scalar.size() <= kMaxScalarBytes, "scalar too long");
  Check(window >= 2 && window <= 8, "window width out of range");
  // Little-endian 64-bit limbs with one spare for the carry that a negative
  // digit can push past the top bit.
  constexpr size_t kLimbs = kMaxScalarBytes / 8 + 1;
  uint64_t k[kLimbs] = {};
  for (size_t i = 0; i < scalar.size(); ++i) {
    const size_t bit = (scalar.size() - 1 - i) * 8;
    k[bit / 64] |= uint64_t{scalar[i]} << (bit % 64);
  }
  const int width = 1 << window;
  const int half = width / 2;
  std::vector<int8_t> digits;
  digits.reserve(scalar.size() * 8 + 1);
  // Each pass emits either one nonzero digit or a whole run of zero digits
  // (up to the next set bit, at most 63 at a time), so the loop runs about
  // twice per nonzero digit rather than once per bit.
  for (;;) {
    bool zero = true;
    for (uint64_t limb : k) zero = zero && limb == 0;
    if (zero) break;
    int shift = 1;
    if (k[0] & 1) {
      // k mod 2^w, taken into (-2^(w-1), 2^(w-1)): subtracting it clears
      // the low w bits, so the next w - 1 digits are 0.
      int digit = static_cast<int>(k[0] & static_cast<uint64_t>(width - 1));
      if (digit >= half) digit -= width;
      if (digit > 0) {
        k[0] -= static_cast<uint64_t>(digit);  // the low bits are digit's
      } else {
        uint64_t carry = static_cast<uint64_t>(-digit);
        for (size_t j = 0; j < kLimbs && carry != 0; ++j) {
          k[j] += carry;
          carry = k[j] < carry ? 1 : 0;
        }
      }
      digits.push_back(static_cast<int8_t>(digit));
    } else {
      shift = k[0] == 0 ? 63 : __builtin_ctzll(k[0]);
      digits.insert(digits.end(), static_cast<size_t>(shift), 0);
    }
    for (size_t j = 0; j < kLimbs; ++j) {
      k[j] = (k[j] >> shift) | (j + 1 < kLimbs ? k[j + 1] << (64 - shift) : 0);
    }
  }
  return digits;
}

void MultiplyPublic(const EC_GROUP* group, absl::Span<const Term> terms, EC_POINT* out,
                    BN_CTX* ctx) {
  std::vector<std::vector<int8_t>> digits;
  digits.reserve(terms.size());
  size_t top = 0;
  for (const Term& term : terms) {
    digits.push_back(Wnaf(term.scalar, term.table->window()));
    top = std::max(top, digits.back().size());
  }
  // From the top digit down: double, then add each term's digit at this
  // position. Until the first addition the sum is the identity, so the
  // doublings before it are skipped and the first addition is a copy.
  bool started = false;
  for (size_t i = top; i-- > 0;) {
    if (started) {
      Check(EC_POINT_dbl(group, out, out, ctx) == 1, "doubling failed");
    }
    for (size_t t = 0; t < terms.size(); ++t) {
      if (i >= digits[t].size() || digits[t][i] == 0) continue;
      const int digit = digits[t][i];
      const EC_POINT* addend = terms[t].table->Get(digit > 0 ? digit : -digit);
      if (!started) {
        Check(
            EC_POINT_copy(out, addend) == 1 && (digit > 0 || EC_POINT_invert(group, out, ctx) == 1),
            "copy failed");
        started = true;
      } else if (digit > 0) {
        Check(EC_POINT_add(group, out, out, addend, ctx) == 1, "addition failed");
      } else {
        // out - addend = -((-out) + addend): two negations, no table of
        // negated points.
        Check(EC_POINT_invert(group, out, ctx) == 1 &&
                  EC_POINT_add(group, out, out, addend, ctx) == 1 &&
                  EC_POINT_invert(group, out, ctx) == 1,
              "subtraction failed");
      }
    }
  }
  if (!started) {
    Check(EC_POINT_set_to_infinity(group, out) == 1, "identity failed");
  }
}

}  // namespace ec_public_mul
}  // namespace keytrail
