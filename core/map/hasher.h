// Map hashing (docs/PROTOCOL.md, "Map"): the map leaf encoding, the two map
// hash domains and the bit arithmetic on 256-bit indexes. Tree logic (which
// leaves go where) lives in memory_map.h and proof.h and calls these.
//
// A map leaf is (index, version, head), encoded as
//   map_leaf = [32] index || u64 version || [32] head        (72 bytes)
// and hashed as SHA-256(0x10 || map_leaf). An interior node is
// SHA-256(0x11 || left || right). The two prefixes differ from each other and
// from the log's (0x00, 0x01), so no hash of one kind passes for another.
//
// All functions are pure and thread-safe. Only DecodeMapLeaf can fail.
#ifndef KEYTRAIL_CORE_MAP_HASHER_H_
#define KEYTRAIL_CORE_MAP_HASHER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/sha256.h"

namespace keytrail {
namespace map {

// One account's entry in the map: its VRF index, latest version and the head
// of its account chain at that version.
struct MapLeaf {
  Hash index{};
  uint64_t version = 0;
  Hash head{};
};
bool operator==(const MapLeaf& a, const MapLeaf& b);
inline bool operator!=(const MapLeaf& a, const MapLeaf& b) { return !(a == b); }

constexpr size_t kMapLeafSize = 72;
// Bits in an index; also the greatest depth of a map node.
constexpr int kIndexBits = 256;

// The 72-byte map_leaf encoding.
std::string EncodeMapLeaf(const MapLeaf& leaf);
// Decodes a map_leaf. InvalidArgument ("map leaf: ...") unless `data` is
// exactly 72 bytes; every 72-byte string is the encoding of one leaf.
absl::StatusOr<MapLeaf> DecodeMapLeaf(absl::string_view data);

// SHA-256(0x10 || map_leaf).
Hash MapLeafHash(const MapLeaf& leaf);
// SHA-256(0x11 || left || right).
Hash MapNodeHash(const Hash& left, const Hash& right);
// The hash of an empty subtree (and the empty map's root): 32 zero bytes.
// Not a SHA-256 output: finding a subtree whose hash is all zeros would take
// a SHA-256 preimage, so "hash is zero" <=> "subtree is empty".
inline Hash EmptyMapHash() { return Hash{}; }

// Bit i of an index: bit 7 - (i % 8) of byte i / 8, so bit 0 is the most
// significant bit of byte 0 and sorting indexes bytewise sorts them by bits.
// REQUIRES: 0 <= i < 256 (aborts otherwise).
bool IndexBit(const Hash& index, int i);

// The number of leading bits a and b share: 0..256 (256 iff a == b).
int CommonPrefixBits(const Hash& a, const Hash& b);

}  // namespace map
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_MAP_HASHER_H_
