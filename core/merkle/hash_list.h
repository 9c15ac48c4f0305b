// The wire form of a proof: its 32-byte hashes concatenated into one bytes
// field, with no count or separators (the proof's length follows from the
// field's). Thread-safe; no state.
#ifndef KEYTRAIL_CORE_MERKLE_HASH_LIST_H_
#define KEYTRAIL_CORE_MERKLE_HASH_LIST_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/crypto/sha256.h"

namespace keytrail {
namespace merkle {

// Splits `bytes` into hashes. Empty input is the empty list. InvalidArgument,
// with a message starting with `what` (e.g. "inclusion proof"), if the length
// is not a multiple of 32 or the list would hold more than `max_hashes`
// hashes (checked before anything is copied, so a peer cannot make us
// allocate more than max_hashes * 32 bytes). A proof in a tree of uint64_t
// size never needs more than 64 hashes (65 for consistency).
absl::StatusOr<std::vector<Hash>> DecodeHashList(absl::string_view bytes, size_t max_hashes,
                                                 absl::string_view what);

// The concatenation of `hashes`, 32 bytes each.
std::string EncodeHashList(absl::Span<const Hash> hashes);

}  // namespace merkle
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_MERKLE_HASH_LIST_H_
