// RFC 6962 / RFC 9162 tree hashing (section 2.1 of each): the only place the
// Merkle code turns bytes into hashes. Tree logic (which nodes, in what order)
// lives elsewhere and calls these three functions.
//
// All functions are pure and thread-safe; they cannot fail.
#ifndef KEYTRAIL_CORE_MERKLE_HASHER_H_
#define KEYTRAIL_CORE_MERKLE_HASHER_H_

#include "absl/strings/string_view.h"
#include "core/crypto/sha256.h"

namespace keytrail {
namespace merkle {

// SHA-256(0x00 || leaf_data): the hash of one log entry.
Hash HashLeaf(absl::string_view leaf_data);

// SHA-256(0x01 || left || right): the hash of an interior node. The distinct
// prefixes keep a leaf from ever being taken for an interior node.
Hash HashChildren(const Hash& left, const Hash& right);

// SHA-256 of the empty string: the root of the tree with no leaves.
Hash EmptyRoot();

}  // namespace merkle
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_MERKLE_HASHER_H_
