// The bytes of C2SP tlog-tiles hash tiles and entry bundles
// (https://c2sp.org/tlog-tiles).
//
//   hash tile    = W hashes of 32 bytes, concatenated (W = the tile's width,
//                  1..256; a full tile is exactly 8,192 bytes)
//   entry bundle = W entries, each a big-endian uint16 length and that many
//                  bytes
//
// The parsers read through ByteReader and take the width the path (or the
// checkpoint) says the object must have: InvalidArgument when the bytes are
// shorter, longer, or hold another number of hashes/entries. Bytes from a
// tile store are untrusted: a parsed tile still has to be checked against
// the tree (TileRoot / a checkpoint), which is the reader's job.
//
// Pure functions; thread-safe.
#ifndef KEYTRAIL_CORE_TILES_TILE_CODEC_H_
#define KEYTRAIL_CORE_TILES_TILE_CODEC_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/crypto/sha256.h"

namespace keytrail {
namespace tiles {

// InvalidArgument when `hashes` is empty or holds more than 256.
absl::StatusOr<std::string> EncodeHashTile(absl::Span<const Hash> hashes);
// `width` must be 1..256 (InvalidArgument otherwise).
absl::StatusOr<std::vector<Hash>> ParseHashTile(absl::string_view bytes, int width);

// InvalidArgument when `entries` is empty, holds more than 256, or one is
// longer than 65,535 bytes (the uint16 prefix).
absl::StatusOr<std::string> EncodeEntryBundle(absl::Span<const std::string> entries);
// Exactly `width` (1..256) entries and nothing after them. The views point
// into `bytes`, which must outlive them.
absl::StatusOr<std::vector<absl::string_view>> ParseEntryBundle(absl::string_view bytes, int width);

// The RFC 6962 hash of the perfect subtree whose bottom row is `hashes`
// (node (8L + k, i) from the 2^k hashes of tile level L it covers).
// REQUIRES: a power of two of hashes (at least 1).
Hash SubtreeRoot(absl::Span<const Hash> hashes);

// SubtreeRoot of a full tile: for tile (L, N), the hash tlog-tiles puts at
// position N % 256 of tile (L + 1, N / 256) (node (8L + 8, N)).
// REQUIRES: 256 hashes.
Hash FullTileRoot(absl::Span<const Hash> hashes);

}  // namespace tiles
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_TILES_TILE_CODEC_H_
