// The storage interface the tiled map reads and writes through.
//
// The map keeps two kinds of record (docs/STORAGE.md has the layout):
//   leaves: index -> map_leaf, one per account that ever had a version;
//   tiles:  the 16 child summaries of every subtree, at a depth that is a
//           multiple of 4, holding more than TiledMap::kTileThreshold leaves;
//           plus one root record.
// A MapReader is a consistent view of both (e.g. a RocksDB snapshot); a
// MapWriter collects one epoch's changes (e.g. into a write batch).
//
// Errors: a reader reports a missing record as nullopt (or no leaves), never
// as an error. A failed read returns the storage's own status, which TiledMap
// passes on unchanged: Unavailable for an I/O error (a retry may help),
// DataLoss for stored bytes that do not decode as a map leaf or for a leaf
// stored under another index, Internal for anything else (core/storage/
// database.h maps RocksDB's statuses so). Tile records are returned as
// stored; TiledMap decodes them and reports a bad one as DataLoss. After a
// failed ScanLeaves, *out may hold some of the range's leaves; callers
// discard it. A writer cannot fail: it only buffers, and the owner of the
// buffer (e.g. Database::Commit of the batch) reports whether it was written.
//
// Thread safety: neither needs to be thread-safe; one TiledMap operation uses
// them from one thread. Ownership: TiledMap borrows both for one call.
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

  // The record stored under `key` (a tile or the root record), or nullopt
  // when there is none. Errors: the storage's (file comment).
  virtual absl::StatusOr<std::optional<std::string>> GetTile(absl::string_view key) = 0;
  // Appends to *out, in index order, every leaf whose index starts with the
  // first `depth` bits of `prefix` (bits past `depth` are ignored); OK with
  // nothing appended for an empty range. REQUIRES: 0 <= depth <= 256.
  // Errors: the storage's, DataLoss for a leaf that does not decode.
  virtual absl::Status ScanLeaves(const Hash& prefix, int depth, std::vector<MapLeaf>* out) = 0;
  // The leaf with this index, or nullopt when the map has none. Errors: the
  // storage's, DataLoss for a leaf that does not decode or names another
  // index.
  virtual absl::StatusOr<std::optional<MapLeaf>> GetLeaf(const Hash& index) = 0;
};

class MapWriter {
 public:
  virtual ~MapWriter() = default;
  // Records `value` under `key`, replacing any earlier record (in storage or
  // earlier in this writer). Takes ownership of both strings.
  virtual void PutTile(std::string key, std::string value) = 0;
  // Records `leaf` under its index, replacing any earlier leaf there.
  virtual void PutLeaf(const MapLeaf& leaf) = 0;
};

}  // namespace keytrail::map

#endif  // KEYTRAIL_CORE_MAP_MAP_STORAGE_H_
