#include "core/merkle/hasher.h"

#include <cstring>

namespace keytrail {
namespace merkle {

Hash HashLeaf(absl::string_view leaf_data) {
  return Sha256().UpdateU8(0x00).Update(leaf_data).Finish();
}

Hash HashChildren(const Hash& left, const Hash& right) {
  // One 65-byte Update instead of three: node hashing dominates tree
  // building, and each Update call costs a block-buffer check.
  uint8_t buf[1 + 2 * kHashSize];
  buf[0] = 0x01;
  std::memcpy(buf + 1, left.data(), kHashSize);
  std::memcpy(buf + 1 + kHashSize, right.data(), kHashSize);
  return Sha256().Update(buf, sizeof(buf)).Finish();
}

Hash EmptyRoot() {
  static const Hash kEmpty = Sha256Of("");  // thread-safe static init
  return kEmpty;
}

}  // namespace merkle
}  // namespace keytrail
