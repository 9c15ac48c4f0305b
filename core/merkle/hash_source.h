// HashSource: where the Merkle code reads stored node hashes from. Storage
// (the log server's database, an in-memory tree in tests) implements it; the
// proof builder and CompactRange::Load are written against it alone.
#ifndef KEYTRAIL_CORE_MERKLE_HASH_SOURCE_H_
#define KEYTRAIL_CORE_MERKLE_HASH_SOURCE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/crypto/sha256.h"
#include "core/merkle/node_id.h"

namespace keytrail {
namespace merkle {

class HashSource {
 public:
  virtual ~HashSource();

  // Returns the hashes of the complete subtrees `ids`, one per id in the same
  // order (ids come in proof order, not sorted; an implementation must not
  // assume any order). The Merkle code only ever asks for nodes complete in
  // the tree it is working on.
  //
  // On failure returns the implementation's own status, which callers in
  // core/merkle pass on unchanged: e.g. NotFound or OutOfRange for a node the
  // store does not hold yet, Unavailable for a transient storage error,
  // DataLoss for stored bytes that do not decode. Returning a vector of the
  // wrong length is a bug in the implementation (callers report Internal).
  //
  // Thread safety is the implementation's to state; the Merkle code calls it
  // from the caller's thread only.
  virtual absl::StatusOr<std::vector<Hash>> GetNodes(absl::Span<const NodeId> ids) = 0;
};

// source.GetNodes(ids), plus the check every caller needs: Internal if the
// source returned a different number of hashes than ids. Source errors are
// returned unchanged.
absl::StatusOr<std::vector<Hash>> FetchNodes(HashSource& source, absl::Span<const NodeId> ids);

}  // namespace merkle
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_MERKLE_HASH_SOURCE_H_
