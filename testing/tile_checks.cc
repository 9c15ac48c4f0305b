#include "testing/tile_checks.h"

#include <cerrno>
#include <cstdio>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/merkle/compact_range.h"
#include "core/merkle/hasher.h"
#include "core/note/ed25519_note.h"
#include "core/note/note.h"
#include "core/tiles/tile_codec.h"
#include "core/tiles/tile_path.h"

namespace keytrail::test {

TileFetch DirectoryFetch(const std::string& dir) {
  return [dir](const std::string& path) -> absl::StatusOr<std::string> {
    std::FILE* f = std::fopen((dir + "/" + path).c_str(), "rb");
    if (f == nullptr) {
      if (errno == ENOENT) return absl::NotFoundError(path);
      return absl::InternalError(absl::StrCat("cannot open ", dir, "/", path));
    }
    std::string out;
    char buf[8192];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    const bool failed = std::ferror(f) != 0;
    std::fclose(f);
    if (failed) return absl::InternalError(absl::StrCat("cannot read ", dir, "/", path));
    return out;
  };
}

using tiles::ObjectId;
using tiles::ObjectType;

absl::StatusOr<PublishedLog> ReadPublishedLog(const TileFetch& fetch, const std::string& log_vkey) {
  PublishedLog out;
  auto note_bytes = fetch("checkpoint");
  if (!note_bytes.ok()) return note_bytes.status();
  out.checkpoint_note = *note_bytes;
  auto verifier = note::ParseVerifierKey(log_vkey);
  if (!verifier.ok()) return verifier.status();
  const note::NoteVerifier* keys[] = {&*verifier};
  auto opened = note::OpenNote(out.checkpoint_note, keys);
  if (!opened.ok()) return opened.status();
  auto checkpoint = note::ParseCheckpoint(opened->text);
  if (!checkpoint.ok()) return checkpoint.status();
  out.checkpoint = *checkpoint;
  const uint64_t size = checkpoint->size;

  // Each object of the tree: the partial tile of this size, else the full
  // one (a log may drop partial tiles once the full tile exists).
  auto get = [&fetch](const ObjectId& id) -> absl::StatusOr<std::pair<ObjectId, std::string>> {
    auto bytes = fetch(tiles::ObjectPath(id));
    if (bytes.ok() || !id.partial() || !absl::IsNotFound(bytes.status())) {
      if (!bytes.ok()) {
        return absl::Status(bytes.status().code(),
                            absl::StrCat(tiles::ObjectPath(id), ": ", bytes.status().message()));
      }
      return std::make_pair(id, *std::move(bytes));
    }
    ObjectId full = id;
    full.width = tiles::kTileWidth;
    bytes = fetch(tiles::ObjectPath(full));
    if (!bytes.ok()) {
      return absl::Status(
          bytes.status().code(),
          absl::StrCat(tiles::ObjectPath(id), " (nor the full tile): ", bytes.status().message()));
    }
    return std::make_pair(full, *std::move(bytes));
  };

  std::map<std::pair<int, uint64_t>, std::vector<Hash>> hashes_by_tile;
  merkle::CompactRange range;
  for (const ObjectId& id : tiles::NewObjects(0, size)) {
    auto got = get(id);
    if (!got.ok()) return got.status();
    const ObjectId& have = got->first;
    if (id.type == ObjectType::kEntryBundle) {
      auto bundle = tiles::ParseEntryBundle(got->second, have.width);
      if (!bundle.ok()) return bundle.status();
      for (int i = 0; i < id.width; ++i) out.entries.emplace_back((*bundle)[i]);
      continue;
    }
    auto hashes = tiles::ParseHashTile(got->second, have.width);
    if (!hashes.ok()) return hashes.status();
    hashes->resize(id.width);
    hashes_by_tile[{id.level, id.index}] = *hashes;
  }
  // Level 0: the entries' leaf hashes; the root of all of them.
  for (uint64_t i = 0; i < size; ++i) {
    const std::vector<Hash>& tile = hashes_by_tile[{0, i / 256}];
    const Hash leaf = merkle::HashLeaf(out.entries[i]);
    if (tile[i % 256] != leaf) {
      return absl::InvalidArgumentError(absl::StrCat("entry ", i, " does not hash to its tile"));
    }
    range.Append(leaf);
  }
  if (range.Root() != checkpoint->root) {
    return absl::InvalidArgumentError("the level-0 tiles' root is not the checkpoint's");
  }
  for (const auto& [key, hashes] : hashes_by_tile) {
    if (key.first == 0) continue;
    for (size_t i = 0; i < hashes.size(); ++i) {
      auto below = hashes_by_tile.find({key.first - 1, key.second * 256 + i});
      if (below == hashes_by_tile.end() || below->second.size() != 256 ||
          tiles::FullTileRoot(below->second) != hashes[i]) {
        return absl::InvalidArgumentError(
            absl::StrCat("tile ", tiles::HashTilePath(key.first, key.second, 256), " hash ", i,
                         " is not the root of the tile below"));
      }
    }
  }
  return out;
}

}  // namespace keytrail::test
