#include "core/merkle/reference.h"

#include <cstdlib>

namespace keytrail {
namespace merkle {
namespace reference {
namespace {

// "the largest power of two smaller than n" (RFC 6962 2.1). REQUIRES: n > 1.
uint64_t K(uint64_t n) {
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// REQUIRES were broken: a test bug. Abort loudly rather than return junk.
void Require(bool ok) {
  if (!ok) std::abort();
}

std::vector<Hash> SUBPROOF(uint64_t m, absl::Span<const std::string> d, bool b) {
  const uint64_t n = d.size();
  // SUBPROOF(m, D[m], true) = {};  SUBPROOF(m, D[m], false) = {MTH(D[m])}
  if (m == n) return b ? std::vector<Hash>{} : std::vector<Hash>{MTH(d)};
  // m < n
  const uint64_t k = K(n);
  std::vector<Hash> proof;
  if (m <= k) {
    // SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
    proof = SUBPROOF(m, d.subspan(0, k), b);
    proof.push_back(MTH(d.subspan(k)));
  } else {
    // SUBPROOF(m, D[n], b) = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
    proof = SUBPROOF(m - k, d.subspan(k), false);
    proof.push_back(MTH(d.subspan(0, k)));
  }
  return proof;
}

}  // namespace

Hash MTH(absl::Span<const std::string> d) {
  const uint64_t n = d.size();
  // MTH({}) = SHA-256()
  if (n == 0) return Sha256Of("");
  // MTH({d(0)}) = SHA-256(0x00 || d(0))
  if (n == 1) return Sha256Of(std::string(1, '\x00') + d[0]);
  // MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))
  const uint64_t k = K(n);
  return Sha256Of(std::string(1, '\x01') + HashString(MTH(d.subspan(0, k))) +
                  HashString(MTH(d.subspan(k))));
}

std::vector<Hash> PATH(uint64_t m, absl::Span<const std::string> d) {
  const uint64_t n = d.size();
  Require(m < n);
  // PATH(0, {d(0)}) = {}
  if (n == 1) return {};
  const uint64_t k = K(n);
  std::vector<Hash> path;
  if (m < k) {
    // PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])
    path = PATH(m, d.subspan(0, k));
    path.push_back(MTH(d.subspan(k)));
  } else {
    // PATH(m, D[n]) = PATH(m - k, D[k:n]) : MTH(D[0:k])
    path = PATH(m - k, d.subspan(k));
    path.push_back(MTH(d.subspan(0, k)));
  }
  return path;
}

std::vector<Hash> PROOF(uint64_t m, absl::Span<const std::string> d) {
  Require(m > 0 && m <= d.size());
  return SUBPROOF(m, d, true);
}

}  // namespace reference
}  // namespace merkle
}  // namespace keytrail
