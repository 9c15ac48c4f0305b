#include "testing/memory_tile_store.h"

#include <cstdlib>

#include "core/tiles/tile_path.h"

namespace keytrail::test {

absl::Status MemoryTileStore::Put(absl::string_view path, absl::string_view bytes,
                                  tiles::ObjectKind kind) {
  auto id = tiles::ParseObjectPath(path);
  if (!id.ok()) return id.status();
  absl::MutexLock lock(&mu_);
  auto it = objects_.find(std::string(path));
  if (kind == tiles::ObjectKind::kImmutable && it != objects_.end()) {
    if (it->second == bytes) return absl::OkStatus();
    return absl::FailedPreconditionError(std::string(path) + " exists with other bytes");
  }
  objects_[std::string(path)] = std::string(bytes);
  return absl::OkStatus();
}

absl::StatusOr<std::string> MemoryTileStore::Get(absl::string_view path) {
  auto id = tiles::ParseObjectPath(path);
  if (!id.ok()) return id.status();
  absl::MutexLock lock(&mu_);
  ++gets_;
  if (!get_error_.ok()) return get_error_;
  auto it = objects_.find(std::string(path));
  if (it == objects_.end()) return absl::NotFoundError(path);
  return it->second;
}

void MemoryTileStore::Set(const std::string& path, std::string bytes) {
  absl::MutexLock lock(&mu_);
  objects_[path] = std::move(bytes);
}

void MemoryTileStore::Erase(const std::string& path) {
  absl::MutexLock lock(&mu_);
  objects_.erase(path);
}

void MemoryTileStore::Flip(const std::string& path, size_t offset) {
  absl::MutexLock lock(&mu_);
  auto it = objects_.find(path);
  if (it == objects_.end() || offset >= it->second.size()) std::abort();  // a broken test
  it->second[offset] ^= 0x01;
}

void MemoryTileStore::FailGets(absl::Status error) {
  absl::MutexLock lock(&mu_);
  get_error_ = std::move(error);
}

std::map<std::string, std::string> MemoryTileStore::objects() const {
  absl::MutexLock lock(&mu_);
  return objects_;
}

uint64_t MemoryTileStore::gets() const {
  absl::MutexLock lock(&mu_);
  return gets_;
}

}  // namespace keytrail::test
