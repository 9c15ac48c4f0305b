// Checking a published tlog-tiles log the way an independent reader would,
// in tests: from its objects alone (a directory, an HTTP server, a store).
// Test-only; thread-compatible.
#ifndef KEYTRAIL_TESTING_TILE_CHECKS_H_
#define KEYTRAIL_TESTING_TILE_CHECKS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/crypto/sha256.h"
#include "core/note/checkpoint.h"

namespace keytrail::test {

// Fetches the object at a tlog-tiles path (NotFound when absent).
using TileFetch = std::function<absl::StatusOr<std::string>(const std::string& path)>;

// A TileFetch that reads `dir`/<path> straight from the file system (not
// through a DirectoryTileStore, whose Open clears the temporary files a
// running server is writing): NotFound whose message is exactly the path
// when the file is absent, Internal naming it when it cannot be read.
TileFetch DirectoryFetch(const std::string& dir);

struct PublishedLog {
  std::string checkpoint_note;
  note::Checkpoint checkpoint;
  std::vector<std::string> entries;  // all of them, from the bundles
};

// Reads `checkpoint`, verifies the log's signature with `log_vkey` (a C2SP
// verifier key), then fetches every hash tile and entry bundle of its tree
// size (each partial tile of that size, or the full tile that replaced it)
// and checks: bundles hold `size` entries whose leaf hashes are the level-0
// tiles; each higher tile holds the roots of the full tiles below it; the
// RFC 6962 root of the level-0 hashes is the checkpoint's. Returns what it
// read, or the first problem (NotFound naming a missing object for a
// checkpoint that points at missing tiles; InvalidArgument otherwise).
absl::StatusOr<PublishedLog> ReadPublishedLog(const TileFetch& fetch, const std::string& log_vkey);

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_TILE_CHECKS_H_
