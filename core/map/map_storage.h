// The storage interface the tiled map reads and writes through.
//
// The map keeps two kinds of record (docs/STORAGE.md has the layout):
//   leaves: index -> map_leaf, one per account that ever had a version;
//   tiles:  the 16 child summaries of every subtree, at a depth that is a
//           multiple of 4, holding more than TiledMap::kTileThreshold leaves;
//           plus one root record.
// A MapReader is a consistent view of both (e.g. a RocksDB snapshot); a
// MapWriter collects one epoch's changes (e.g. into a write batch). Neither
// needs to be thread-safe: one TiledMap operation uses them from one thread.
#ifndef KEYTRAIL_CORE_MAP_MAP_STORAGE_H_
#define KEYTRAIL_CORE_MAP_MAP_STORAGE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/sha256.h"
#include "core/map/hasher.h"

namespace keytrail::map {

class MapReader {
 public:
  virtual ~MapReader() = default;

  // The record stored under `key` (a tile or the root record), or nullopt.
  virtual absl::StatusOr<std::optional<std::string>> GetTile(
      absl::string_view key) = 0;
  // Appends to *out, in index order, every leaf whose index starts with the
  // first `depth` bits of `prefix`.
  virtual absl::Status ScanLeaves(const Hash& prefix, int depth,
                                  std::vector<MapLeaf>* out) = 0;
  // The leaf with this index, or nullopt.
  virtual absl::StatusOr<std::optional<MapLeaf>> GetLeaf(const Hash& index) = 0;
};

class MapWriter {
 public:
  virtual ~MapWriter() = default;
  virtual void PutTile(std::string key, std::string value) = 0;
  virtual void PutLeaf(const MapLeaf& leaf) = 0;
};

}  // namespace keytrail::map

#endif  // KEYTRAIL_CORE_MAP_MAP_STORAGE_H_
