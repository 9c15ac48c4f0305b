// C2SP tlog-tiles paths (https://c2sp.org/tlog-tiles): which objects a tiled
// log publishes and what they are called.
//
//   checkpoint                     the signed (cosigned) checkpoint
//   tile/<L>/<N>[.p/<W>]           hash tile: level L (0..63), index N,
//                                  width W (1..255; absent = 256, full)
//   tile/entries/<N>[.p/<W>]       entry bundle N (entries [256N, 256N + W))
//   private/epoch/<N>/<K>          not tlog-tiles: part K (decimal) of the
//                                  sealed private bundle of epoch N
//                                  (docs/REPLICAS.md), written
//                                  to a separate, private store; never
//                                  served by the public tile server
//
// <N> is written in 3-digit groups, all but the last prefixed with "x"
// (1234067 -> x001/x234/067); <L> and <W> are decimal without leading zeros.
// A hash tile at level L holds the tree's hashes at tree level 8L: node
// (8L, 256N + i) for i in [0, W) (the bottom row of the height-8 subtree
// over leaves [N * 256^(L+1), (N+1) * 256^(L+1)), which is row 0 of the log
// server's stored tile (L, N): core/storage/log_tiles.h).
//
// Functions are pure and thread-safe.
#ifndef KEYTRAIL_CORE_TILES_TILE_PATH_H_
#define KEYTRAIL_CORE_TILES_TILE_PATH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace keytrail {
namespace tiles {

inline constexpr int kTileHeight = 8;
inline constexpr int kTileWidth = 1 << kTileHeight;  // hashes / entries
inline constexpr int kMaxTileLevel = 63;

enum class ObjectType { kCheckpoint, kHashTile, kEntryBundle, kPrivateBundle };

// One published object. For the checkpoint only `type` is meaningful.
struct ObjectId {
  ObjectType type = ObjectType::kCheckpoint;
  int level = 0;       // hash tiles: 0..63; entry bundles, private bundles: 0
  uint64_t index = 0;  // N (for a private bundle: the epoch)
  int width = 0;       // 1..256 (private bundles: always 256)
  uint32_t part = 0;   // private bundles: the part, 0..kMaxPrivatePart
  bool partial() const { return width < kTileWidth; }
};
bool operator==(const ObjectId& a, const ObjectId& b);

// The path of `id`. REQUIRES: a valid id (level 0..63, width 1..256);
// anything else is a programming error and aborts.
std::string ObjectPath(const ObjectId& id);
std::string HashTilePath(int level, uint64_t index, int width);
std::string EntryBundlePath(uint64_t index, int width);
// private/epoch/<epoch>/<part> (docs/REPLICAS.md). REQUIRES: part <=
// kMaxPrivatePart.
inline constexpr uint32_t kMaxPrivatePart = 999999999;
std::string PrivateBundlePath(uint64_t epoch, uint32_t part);
inline constexpr char kCheckpointPath[] = "checkpoint";

// The object `path` names. InvalidArgument (naming the path) for anything
// that is not exactly the canonical path of one object: a leading or
// trailing "/", empty or extra elements, leading zeros or signs in <L> or
// <W>, W of 0 or >= 256, groups that are not 3 digits, a missing or
// superfluous "x", a leading zero group ("x000/001"), N beyond 2^64 - 1,
// level above 63, a private bundle part with a leading zero or above
// kMaxPrivatePart, or any other character.
absl::StatusOr<ObjectId> ParseObjectPath(absl::string_view path);

// The hash tiles and entry bundles a log publishes when it grows from
// `old_size` to `new_size` entries (old_size <= new_size), each once: the
// full tiles completed in between, and the partial tiles of `new_size`
// (tlog-tiles: width floor(new_size / 256^L) mod 256 at level L, when not
// 0). Ordered by level, then index; bundles (the level-0 coordinates) first.
// Tiles partial at `old_size` and still partial are published again at
// their new width. REQUIRES: old_size <= new_size.
std::vector<ObjectId> NewObjects(uint64_t old_size, uint64_t new_size);

// Whether the hash tile or bundle `id` exists in a tree of `size` entries
// (tlog-tiles: full tiles it contains, and its partial tiles at that size
// only). For a reader that must tell "beyond the tree" (404) from "missing".
// False for a private bundle: it is not part of the public tree.
bool ExistsInTree(const ObjectId& id, uint64_t size);

}  // namespace tiles
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_TILES_TILE_PATH_H_
