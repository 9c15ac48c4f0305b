// A literal, slow transcription of the map definition in docs/PROTOCOL.md,
// for tests only: every level re-filters the leaves by one bit, with no
// sorting, no binary search and no shared code paths beyond the hasher. Faster
// maps (MemoryMap, the tiled map) are checked against it.
//
// REQUIRES of every `leaves` argument: no two leaves share an index (the
// order does not matter). Pure and thread-safe.
#ifndef KEYTRAIL_CORE_MAP_REFERENCE_H_
#define KEYTRAIL_CORE_MAP_REFERENCE_H_

#include <vector>

#include "core/crypto/sha256.h"
#include "core/map/hasher.h"
#include "core/map/proof.h"

namespace keytrail {
namespace map {

// MapHash(leaves, depth), where all leaves share their first `depth` bits.
Hash ReferenceMapHash(const std::vector<MapLeaf>& leaves, int depth);

// MapHash(leaves, 0).
Hash ReferenceMapRoot(const std::vector<MapLeaf>& leaves);

// The map proof for `index`, following the prose: walk from the root along
// index's bits, stop at the first subtree that holds at most one leaf.
MapProof ReferenceMapProof(const std::vector<MapLeaf>& leaves, const Hash& index);

}  // namespace map
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_MAP_REFERENCE_H_
