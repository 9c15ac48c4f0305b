#include "core/map/hasher.h"

#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "core/bytes/reader.h"

namespace keytrail {
namespace map {
namespace {

constexpr uint8_t kLeafPrefix = 0x10;
constexpr uint8_t kNodePrefix = 0x11;

// Writes map_leaf into out[0, 72).
void PutMapLeaf(const MapLeaf& leaf, uint8_t* out) {
  std::memcpy(out, leaf.index.data(), kHashSize);
  for (int i = 0; i < 8; ++i) {
    out[kHashSize + i] = static_cast<uint8_t>(leaf.version >> (8 * (7 - i)));
  }
  std::memcpy(out + kHashSize + 8, leaf.head.data(), kHashSize);
}

static_assert(kMapLeafSize == 2 * kHashSize + 8, "map_leaf layout");

}  // namespace

bool operator==(const MapLeaf& a, const MapLeaf& b) {
  return a.index == b.index && a.version == b.version && a.head == b.head;
}

std::string EncodeMapLeaf(const MapLeaf& leaf) {
  ByteWriter w;
  w.Array(leaf.index);
  w.U64(leaf.version);
  w.Array(leaf.head);
  return w.Release();
}

absl::StatusOr<MapLeaf> DecodeMapLeaf(absl::string_view data) {
  if (data.size() != kMapLeafSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("map leaf: length ", data.size(), ", want ", kMapLeafSize));
  }
  ByteReader r(data);
  MapLeaf leaf;
  if (!r.ReadArray(&leaf.index) || !r.ReadU64(&leaf.version) || !r.ReadArray(&leaf.head)) {
    return absl::InternalError("map leaf: short read after length check");
  }
  if (absl::Status s = r.Finish("map leaf"); !s.ok()) return s;
  return leaf;
}

// Both hashes are built in one buffer and fed to SHA-256 in one Update: map
// building is dominated by these calls, and each Update has a fixed cost.
Hash MapLeafHash(const MapLeaf& leaf) {
  uint8_t buf[1 + kMapLeafSize];
  buf[0] = kLeafPrefix;
  PutMapLeaf(leaf, buf + 1);
  return Sha256().Update(buf, sizeof(buf)).Finish();
}

Hash MapNodeHash(const Hash& left, const Hash& right) {
  uint8_t buf[1 + 2 * kHashSize];
  buf[0] = kNodePrefix;
  std::memcpy(buf + 1, left.data(), kHashSize);
  std::memcpy(buf + 1 + kHashSize, right.data(), kHashSize);
  return Sha256().Update(buf, sizeof(buf)).Finish();
}

bool IndexBit(const Hash& index, int i) {
  if (i < 0 || i >= kIndexBits) std::abort();
  return (index[i / 8] >> (7 - i % 8)) & 1;
}

int CommonPrefixBits(const Hash& a, const Hash& b) {
  for (size_t byte = 0; byte < kHashSize; ++byte) {
    unsigned diff = a[byte] ^ b[byte];
    if (diff != 0) {
      // __builtin_clz counts over 32 bits; the byte sits in the low 8.
      return static_cast<int>(8 * byte) + (__builtin_clz(diff) - 24);
    }
  }
  return kIndexBits;
}

}  // namespace map
}  // namespace keytrail
