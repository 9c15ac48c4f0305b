#include "log_server/entry_bundle_fetch.h"

#include "absl/strings/str_cat.h"
#include "core/tiles/tile_codec.h"
#include "core/tiles/tile_path.h"

namespace keytrail {
namespace {

absl::Status Annotate(const absl::Status& s, absl::string_view object) {
  return absl::Status(s.code(), absl::StrCat(object, ": ", s.message()));
}

}  // namespace

absl::StatusOr<Bundle> FetchBundle(tiles::TileStore& store, uint64_t index, uint64_t start,
                                   uint64_t end) {
  constexpr uint64_t kWidth = tiles::kTileWidth;
  const uint64_t lo = index * kWidth;
  const uint64_t hi = std::min(lo + kWidth, end);
  std::vector<int> widths;
  if (lo + kWidth > end) widths.push_back(static_cast<int>(end - lo));
  widths.push_back(tiles::kTileWidth);
  for (size_t c = 0; c < widths.size(); ++c) {
    Bundle b;
    b.path = tiles::EntryBundlePath(index, widths[c]);
    auto got = store.Get(b.path);
    if (absl::IsNotFound(got.status()) && c + 1 < widths.size()) continue;
    if (!got.ok()) {
      return Annotate(got.status(), c == 0 ? b.path : b.path + " (nor the partial bundle)");
    }
    b.bytes = std::make_shared<const std::string>(*std::move(got));
    auto parsed = tiles::ParseEntryBundle(*b.bytes, widths[c]);
    if (!parsed.ok())
      return Annotate(absl::InvalidArgumentError(parsed.status().message()), b.path);
    const uint64_t from = std::max(start, lo) - lo;
    b.entries.assign(parsed->begin() + from, parsed->begin() + (hi - lo));
    return b;
  }
  return absl::InternalError("unreachable");
}

}  // namespace keytrail
