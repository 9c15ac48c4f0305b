#include "core/tiles/tile_codec.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "core/bytes/reader.h"
#include "core/merkle/hasher.h"
#include "core/tiles/tile_path.h"

namespace keytrail {
namespace tiles {
namespace {

absl::Status CheckWidth(int width, absl::string_view what) {
  if (width < 1 || width > kTileWidth) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": width ", width, " is not 1..256"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> EncodeHashTile(absl::Span<const Hash> hashes) {
  absl::Status w =
      CheckWidth(static_cast<int>(std::min<size_t>(hashes.size(), 1 << 20)), "hash tile");
  if (!w.ok()) return w;
  std::string out;
  out.reserve(hashes.size() * sizeof(Hash));
  ByteWriter writer(&out);
  for (const Hash& h : hashes) writer.Array(h);
  return out;
}

absl::StatusOr<std::vector<Hash>> ParseHashTile(absl::string_view bytes, int width) {
  absl::Status w = CheckWidth(width, "hash tile");
  if (!w.ok()) return w;
  // The length alone decides: a tile of width W is exactly 32 W bytes.
  if (bytes.size() != static_cast<size_t>(width) * sizeof(Hash)) {
    return absl::InvalidArgumentError(absl::StrCat("hash tile: ", bytes.size(), " bytes, want ",
                                                   width * sizeof(Hash), " for width ", width));
  }
  ByteReader reader(bytes);
  std::vector<Hash> hashes(width);
  for (Hash& h : hashes) {
    if (!reader.ReadArray(&h)) return TruncatedError("hash tile", "hash");
  }
  absl::Status done = reader.Finish("hash tile");
  if (!done.ok()) return done;
  return hashes;
}

absl::StatusOr<std::string> EncodeEntryBundle(absl::Span<const std::string> entries) {
  absl::Status w =
      CheckWidth(static_cast<int>(std::min<size_t>(entries.size(), 1 << 20)), "entry bundle");
  if (!w.ok()) return w;
  size_t total = 0;
  for (const std::string& e : entries) {
    if (e.size() > 0xffff) {
      return absl::InvalidArgumentError(
          absl::StrCat("entry bundle: an entry of ", e.size(), " bytes exceeds 65535"));
    }
    total += 2 + e.size();
  }
  std::string out;
  out.reserve(total);
  ByteWriter writer(&out);
  for (const std::string& e : entries) writer.U16Prefixed(e);
  return out;
}

absl::StatusOr<std::vector<absl::string_view>> ParseEntryBundle(absl::string_view bytes,
                                                                int width) {
  absl::Status w = CheckWidth(width, "entry bundle");
  if (!w.ok()) return w;
  ByteReader reader(bytes);
  std::vector<absl::string_view> entries(width);
  for (int i = 0; i < width; ++i) {
    if (!reader.ReadU16Prefixed(&entries[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("entry bundle: truncated at entry ", i, " of ", width));
    }
  }
  absl::Status done = reader.Finish("entry bundle");
  if (!done.ok()) return done;
  return entries;
}

Hash SubtreeRoot(absl::Span<const Hash> hashes) {
  if (hashes.empty() || (hashes.size() & (hashes.size() - 1)) != 0) std::abort();
  std::vector<Hash> level(hashes.begin(), hashes.end());
  while (level.size() > 1) {
    for (size_t i = 0; i < level.size() / 2; ++i) {
      level[i] = merkle::HashChildren(level[2 * i], level[2 * i + 1]);
    }
    level.resize(level.size() / 2);
  }
  return level[0];
}

Hash FullTileRoot(absl::Span<const Hash> hashes) {
  if (hashes.size() != static_cast<size_t>(kTileWidth)) std::abort();
  return SubtreeRoot(hashes);
}

}  // namespace tiles
}  // namespace keytrail
