// TEST ONLY. A literal, slow transcription of RFC 6962 section 2.1 (MTH,
// PATH, PROOF/SUBPROOF), recursing on the leaf data exactly as the RFC
// writes it, so the fast code can be checked against it. It hashes with
// Sha256Of on explicitly concatenated bytes and shares no tree code (and not
// even hasher.h) with the library. Cost is O(n) hashes per call: never use it
// outside tests. Pure functions; thread-safe.
#ifndef KEYTRAIL_CORE_MERKLE_REFERENCE_H_
#define KEYTRAIL_CORE_MERKLE_REFERENCE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "core/crypto/sha256.h"

namespace keytrail {
namespace merkle {
namespace reference {

// MTH(D[n]): the Merkle Tree Hash of the leaves `d` (any number, including 0).
Hash MTH(absl::Span<const std::string> d);

// PATH(m, D[n]): the audit path of leaf m. REQUIRES: m < d.size().
std::vector<Hash> PATH(uint64_t m, absl::Span<const std::string> d);

// PROOF(m, D[n]) = SUBPROOF(m, D[n], true): the consistency proof from the
// first m leaves to all of `d`. REQUIRES: 0 < m <= d.size().
std::vector<Hash> PROOF(uint64_t m, absl::Span<const std::string> d);

}  // namespace reference
}  // namespace merkle
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_MERKLE_REFERENCE_H_
