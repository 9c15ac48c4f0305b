// Map proofs (docs/PROTOCOL.md, "Map proof"): the proof structure, its compact
// wire encoding and the verifier.
//
// A proof for index y walks from the root along y's bits and stops at the
// first subtree that holds at most one leaf: the terminal, at depth d. It
// lists the d siblings of that path and says what the terminal holds:
// nothing (y is absent), y's own leaf (membership), or the one other leaf z
// that occupies y's subtree (y is absent).
//
// Empty siblings are 32 zero bytes in MapProof and a bit in the encoding's
// bitmap. That is sound: a subtree holding at least one leaf hashes to a
// SHA-256 output, and finding one that is all zeros would take a preimage.
//
// Verification recomputes the root the proof implies and compares it. It
// first checks the proof's shape (step 2 of PROTOCOL.md), so it accepts only
// proofs shaped as an honest map's are; the decoder accepts only the one
// encoding of each proof.
//
// All functions are pure and thread-safe. Every failure is InvalidArgument
// with a message starting "map proof: " that names what was wrong.
#ifndef KEYTRAIL_CORE_MAP_PROOF_H_
#define KEYTRAIL_CORE_MAP_PROOF_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/sha256.h"
#include "core/map/hasher.h"

namespace keytrail {
namespace map {

struct MapProof {
  enum class Terminal : uint8_t { kEmpty = 0, kLeaf = 1, kOtherLeaf = 2 };
  Terminal terminal = Terminal::kEmpty;
  // siblings[i] is the sibling at depth i+1 (the other child of the path
  // node at depth i), so the terminal's depth d is siblings.size(). An empty
  // sibling is EmptyMapHash().
  std::vector<Hash> siblings;
  // The leaf of the other index z; meaningful only for kOtherLeaf.
  MapLeaf other_leaf;
};
// Equal terminals and siblings, and equal other_leaf if kOtherLeaf (it is
// ignored otherwise, as the encoding ignores it).
bool operator==(const MapProof& a, const MapProof& b);
inline bool operator!=(const MapProof& a, const MapProof& b) { return !(a == b); }

// The greatest depth of a terminal.
constexpr int kMaxMapProofDepth = kIndexBits;

// The map_proof encoding:
//   u8 format = 1, u8 terminal, u16 depth,
//   [72] other_leaf (only for kOtherLeaf),
//   [ceil(d/8)] empty_bitmap (bit i, numbered as index bits: set iff
//               siblings[i] is empty; bits past d zero),
//   [32 * k] the non-empty siblings, shallowest first.
// REQUIRES: terminal is one of the three values and siblings.size() <= 256,
// as for every proof MemoryMap::Prove or DecodeMapProof returns (aborts
// otherwise: such a struct has no encoding). Shape is not otherwise checked;
// the verifier does that.
std::string EncodeMapProof(const MapProof& proof);

// Decodes the canonical encoding: format 1, terminal 0..2, depth 0..256,
// exact length with no trailing bytes, bitmap padding bits zero, and no
// listed sibling of 32 zero bytes (that sibling is empty and must be spelled
// by its bitmap bit). Does not check shape (see MapRootFromProof).
// InvalidArgument naming the problem otherwise.
absl::StatusOr<MapProof> DecodeMapProof(absl::string_view data);

// The root `proof` implies for `index` (steps 1-3 of PROTOCOL.md).
// `leaf` must be non-null iff proof.terminal == kLeaf, and then
// leaf->index == index. InvalidArgument, before any hashing, when:
//   - terminal is not one of the three values, or depth exceeds 256;
//   - `leaf` is given or missing against the terminal, or has another index;
//   - d > 0 and the last sibling (depth d) is empty;
//   - terminal kEmpty at depth 256;
//   - kOtherLeaf whose index equals `index` or does not share its first d
//     bits.
// Does not compare with any root: see the two Verify functions.
absl::StatusOr<Hash> MapRootFromProof(const Hash& index, const MapLeaf* leaf,
                                      const MapProof& proof);

// OK iff `proof` (terminal kLeaf) proves that the map with `root` holds
// exactly `leaf` (its index, version and head). InvalidArgument otherwise:
// another terminal, a bad shape (as MapRootFromProof), or a root mismatch.
absl::Status VerifyMapMembership(const Hash& root, const MapLeaf& leaf, const MapProof& proof);

// OK iff `proof` (terminal kEmpty or kOtherLeaf) proves that the map with
// `root` holds no leaf with `index`. InvalidArgument otherwise: terminal
// kLeaf, a bad shape (as MapRootFromProof), or a root mismatch.
absl::Status VerifyMapNonMembership(const Hash& root, const Hash& index, const MapProof& proof);

}  // namespace map
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_MAP_PROOF_H_
