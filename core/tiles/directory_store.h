// DirectoryTileStore: a TileStore (tile_store.h) in a local directory, laid
// out exactly as the tlog-tiles paths read, so that any static web server
// can serve the directory as it is (docs/OPERATIONS.md shows nginx).
//
// A Put writes the bytes to a temporary file in <root>/.tmp, fsyncs it, and
// then moves it into place: link(2) for immutable objects (which fails when
// the path exists, so create-only is atomic: an existing identical file is
// success, a different one FailedPrecondition), rename(2) for mutable ones;
// then fsyncs the directory (and every directory it had to create, and
// their parents). A crash leaves the old state or the whole new file at the
// path, never a part of one; stale temporary files are removed by Open.
//
// A reader of another process's live directory (a read replica following
// the primary's tiles, docs/REPLICAS.md) opens it with OpenReadOnly: that
// never creates, removes or writes anything (Open would delete the
// writer's in-flight temporary files), and its Put always fails.
//
// Errors (beyond tile_store.h's): a full disk (ENOSPC, EDQUOT) is
// ResourceExhausted "disk full", permissions PermissionDenied, other I/O
// failures Unavailable; all name the path and the step.
//
// Thread-safe (no shared state but an atomic counter for temporary names).
// One process per directory: two log servers sharing one would interleave
// their tiles (create-only Puts would catch a different log's full tiles).
#ifndef KEYTRAIL_CORE_TILES_DIRECTORY_STORE_H_
#define KEYTRAIL_CORE_TILES_DIRECTORY_STORE_H_

#include <atomic>
#include <memory>
#include <string>

#include "core/tiles/tile_store.h"

namespace keytrail {
namespace tiles {

class DirectoryTileStore : public TileStore {
 public:
  // Creates `root` (and its parents, mode 0755) if missing and empties
  // <root>/.tmp. Errors as for Put; InvalidArgument for an empty root.
  static absl::StatusOr<std::unique_ptr<DirectoryTileStore>> Open(const std::string& root);
  // A store that only reads `root`, which must exist: nothing on disk is
  // created, removed or changed, ever. NotFound (naming the path) when root
  // does not exist, InvalidArgument for an empty root or one that is not a
  // directory, PermissionDenied/Unavailable when it cannot be examined.
  // Its Put returns FailedPrecondition "read-only" without touching the
  // disk; Get is as Open's.
  static absl::StatusOr<std::unique_ptr<DirectoryTileStore>> OpenReadOnly(const std::string& root);

  absl::Status Put(absl::string_view path, absl::string_view bytes, ObjectKind kind) override;
  absl::StatusOr<std::string> Get(absl::string_view path) override;
  std::string Describe() const override {
    return (read_only_ ? "read-only directory " : "directory ") + root_;
  }

  const std::string& root() const { return root_; }

 private:
  DirectoryTileStore(std::string root, bool read_only)
      : root_(std::move(root)), read_only_(read_only) {}
  const std::string root_;  // without a trailing '/'
  const bool read_only_;
  std::atomic<uint64_t> next_temp_{0};
};

}  // namespace tiles
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_TILES_DIRECTORY_STORE_H_
