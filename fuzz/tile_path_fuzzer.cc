// Fuzzes ParseObjectPath (core/tiles/tile_path.h), the parser of tlog-tiles
// paths a tile server and tile readers trust. Properties: what parses is the
// one canonical path of its object (ObjectPath gives the input back), and
// ExistsInTree answers for it without crashing. Seeds (fuzz/corpus/
// tile_path_fuzzer) are written by hand: one path of each shape.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "core/tiles/tile_path.h"
#include "fuzz/fuzz_check.h"

using namespace keytrail::tiles;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view in(reinterpret_cast<const char*>(data), size);
  auto id = ParseObjectPath(in);
  if (!id.ok()) return 0;
  FUZZ_CHECK(ObjectPath(*id) == in);
  FUZZ_CHECK(id->type == ObjectType::kCheckpoint || (id->width >= 1 && id->width <= kTileWidth &&
                                                     id->level >= 0 && id->level <= kMaxTileLevel));
  (void)ExistsInTree(*id, size * 1000003);
  return 0;
}
