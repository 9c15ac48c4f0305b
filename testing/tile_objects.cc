#include "testing/tile_objects.h"

#include <vector>

#include "core/merkle/hasher.h"
#include "core/tiles/tile_codec.h"
#include "core/tiles/tile_path.h"

namespace keytrail::test {

std::map<std::string, std::string> TileObjects(absl::Span<const std::string> entries) {
  std::map<std::string, std::string> out;
  constexpr size_t kW = tiles::kTileWidth;
  for (size_t n = 0; n * kW < entries.size(); ++n) {
    const size_t w = std::min(kW, entries.size() - n * kW);
    out[tiles::EntryBundlePath(n, static_cast<int>(w))] =
        tiles::EncodeEntryBundle(entries.subspan(n * kW, w)).value();
  }
  std::vector<Hash> row;
  for (const std::string& e : entries) row.push_back(merkle::HashLeaf(e));
  for (int level = 0; !row.empty(); ++level) {
    std::vector<Hash> up;
    for (size_t n = 0; n * kW < row.size(); ++n) {
      const size_t w = std::min(kW, row.size() - n * kW);
      absl::Span<const Hash> tile = absl::MakeConstSpan(row).subspan(n * kW, w);
      out[tiles::HashTilePath(level, n, static_cast<int>(w))] = tiles::EncodeHashTile(tile).value();
      if (w == kW) up.push_back(tiles::FullTileRoot(tile));
    }
    row = std::move(up);
  }
  return out;
}

}  // namespace keytrail::test
