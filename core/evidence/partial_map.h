// PartialMap: the part of a map (docs/PROTOCOL.md, "Map") that a set of map
// proofs against one root reveals, enough to apply leaf changes at the
// proven indexes and compute the new root. This is how an evidence checker
// recomputes an epoch's map root without the whole map: every index the
// epoch touches comes with a proof of its prior leaf (or absence) against the
// previous epoch's root.
//
// Errors: InvalidArgument when a proof does not verify against the root,
// when two proofs contradict each other, or when a change touches an index
// no proof covered. Not thread-safe (a value owned by one thread).
#ifndef KEYTRAIL_CORE_EVIDENCE_PARTIAL_MAP_H_
#define KEYTRAIL_CORE_EVIDENCE_PARTIAL_MAP_H_

#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/crypto/sha256.h"
#include "core/map/hasher.h"
#include "core/map/proof.h"

namespace keytrail::evidence {

class PartialMap {
 public:
  explicit PartialMap(const Hash& root);
  ~PartialMap();
  PartialMap(PartialMap&&) noexcept;
  PartialMap& operator=(PartialMap&&) noexcept;

  // Verifies `proof` for `index` against the root and records what it
  // shows. Returns the leaf the map holds at `index`, or nullopt if none.
  // For a membership proof the caller cannot know the leaf in advance, so
  // `leaf` gives it (version and head) and it is checked here; pass nullopt
  // for a non-membership proof.
  absl::StatusOr<std::optional<map::MapLeaf>> AddProof(const Hash& index,
                                                       const std::optional<map::MapLeaf>& leaf,
                                                       const map::MapProof& proof);

  // Sets the leaf at leaf.index (new or replaced). InvalidArgument if no
  // proof covered that index.
  absl::Status Set(const map::MapLeaf& leaf);

  // The root of the map with every Set applied.
  Hash Root() const;

  struct Node;  // defined in the .cc

 private:
  std::unique_ptr<Node> root_;
  Hash initial_root_;
};

}  // namespace keytrail::evidence

#endif  // KEYTRAIL_CORE_EVIDENCE_PARTIAL_MAP_H_
