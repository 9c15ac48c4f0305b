// Fuzzes ParseHashTile and ParseEntryBundle (core/tiles/tile_codec.h), which
// read tiles fetched from a tile store or CDN. The first input byte is the
// width minus one (1..256), the rest the object. Properties: what parses
// re-encodes to the same bytes, with exactly `width` hashes or entries.
// Seeds (fuzz/corpus/tile_codec_fuzzer) are written by hand.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/tiles/tile_codec.h"
#include "fuzz/fuzz_check.h"

using namespace keytrail::tiles;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int width = data[0] + 1;
  absl::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto tile = ParseHashTile(in, width);
  if (tile.ok()) {
    FUZZ_CHECK(tile->size() == static_cast<size_t>(width));
    auto again = EncodeHashTile(*tile);
    FUZZ_CHECK(again.ok() && *again == in);
  }
  auto bundle = ParseEntryBundle(in, width);
  if (bundle.ok()) {
    FUZZ_CHECK(bundle->size() == static_cast<size_t>(width));
    std::vector<std::string> entries(bundle->begin(), bundle->end());
    auto again = EncodeEntryBundle(entries);
    FUZZ_CHECK(again.ok() && *again == in);
  }
  return 0;
}
