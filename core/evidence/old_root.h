// The root that a consistency proof (RFC 9162 2.1.4) implies for the older
// tree: what a split view's evidence needs when a log signs a tree that does
// not extend the one a monitor verified, and serves the consistency proof
// of its new tree anyway.
//
// Pure function; thread-safe.
#ifndef KEYTRAIL_CORE_EVIDENCE_OLD_ROOT_H_
#define KEYTRAIL_CORE_EVIDENCE_OLD_ROOT_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/crypto/sha256.h"

namespace keytrail::evidence {

// The root of the tree of size1 leaves inside the tree of size2 leaves with
// root `root2`, as `proof` shows it. Then VerifyConsistency(size1, size2,
// proof, result, root2) is OK. InvalidArgument when 0 < size1 < size2 does
// not hold, when size1 is a power of two (the proof leaves out the old root,
// which is then a node of the new tree, so it cannot be recovered), when
// the proof has the wrong length, or when it does not lead to root2.
absl::StatusOr<Hash> OldRootFromConsistencyProof(uint64_t size1, uint64_t size2,
                                                 absl::Span<const Hash> proof, const Hash& root2);

}  // namespace keytrail::evidence

#endif  // KEYTRAIL_CORE_EVIDENCE_OLD_ROOT_H_
