// MemoryTileStore: a TileStore (core/tiles/tile_store.h) in memory, for tests
// that need a store they can copy, damage and make fail: Put keeps the
// create-only rule of immutable objects; Set, Erase and Flip change objects
// behind a reader's back; FailGets makes every Get answer a given error
// until it is called with OK. Test-only. Thread-safe.
#ifndef KEYTRAIL_TESTING_MEMORY_TILE_STORE_H_
#define KEYTRAIL_TESTING_MEMORY_TILE_STORE_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "core/tiles/tile_store.h"

namespace keytrail::test {

class MemoryTileStore : public tiles::TileStore {
 public:
  MemoryTileStore() = default;
  explicit MemoryTileStore(std::map<std::string, std::string> objects)
      : objects_(std::move(objects)) {}

  // As tile_store.h: InvalidArgument for a path tlog-tiles (or the private
  // bundles) does not define; FailedPrecondition for other bytes at an
  // immutable object's path.
  absl::Status Put(absl::string_view path, absl::string_view bytes,
                   tiles::ObjectKind kind) override;
  // NotFound naming the path when absent; the FailGets error while set.
  absl::StatusOr<std::string> Get(absl::string_view path) override;
  std::string Describe() const override { return "memory store"; }

  void Set(const std::string& path, std::string bytes);
  void Erase(const std::string& path);
  // Flips one bit of byte `offset` of the object at `path` (which exists).
  void Flip(const std::string& path, size_t offset);
  // Every Get answers `error` from now on; OK ends that.
  void FailGets(absl::Status error);

  std::map<std::string, std::string> objects() const;
  uint64_t gets() const;  // Gets answered (failed or not)

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::string> objects_ ABSL_GUARDED_BY(mu_);
  absl::Status get_error_ ABSL_GUARDED_BY(mu_);
  uint64_t gets_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_MEMORY_TILE_STORE_H_
