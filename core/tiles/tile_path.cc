#include "core/tiles/tile_path.h"

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace keytrail {
namespace tiles {
namespace {

// <N> in 3-digit groups: 1234067 -> "x001/x234/067".
std::string IndexPath(uint64_t n) {
  std::string out = absl::StrFormat("%03d", n % 1000);
  while (n >= 1000) {
    n /= 1000;
    out = absl::StrCat(absl::StrFormat("x%03d", n % 1000), "/", out);
  }
  return out;
}

bool IsDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A decimal in [min, max] without leading zeros (and at most 3 digits: every
// value this parses, a level or a width, is below 1000).
bool ParseSmall(absl::string_view s, int min, int max, int* out) {
  if (!IsDigits(s) || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return false;
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  if (v < min || v > max) return false;
  *out = v;
  return true;
}

absl::Status BadPath(absl::string_view path, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("tile path \"", absl::CEscape(path.substr(0, 200)), "\": ", why));
}

void CheckValid(const ObjectId& id) {
  if (id.type == ObjectType::kCheckpoint) return;
  if (id.level < 0 || id.level > kMaxTileLevel || id.width < 1 || id.width > kTileWidth ||
      (id.type == ObjectType::kEntryBundle && id.level != 0) ||
      (id.type == ObjectType::kPrivateBundle &&
       (id.level != 0 || id.partial() || id.part > kMaxPrivatePart)) ||
      (id.type != ObjectType::kPrivateBundle && id.part != 0)) {
    std::abort();
  }
}

}  // namespace

bool operator==(const ObjectId& a, const ObjectId& b) {
  if (a.type != b.type) return false;
  if (a.type == ObjectType::kCheckpoint) return true;
  return a.level == b.level && a.index == b.index && a.width == b.width && a.part == b.part;
}

std::string ObjectPath(const ObjectId& id) {
  CheckValid(id);
  if (id.type == ObjectType::kCheckpoint) return kCheckpointPath;
  if (id.type == ObjectType::kPrivateBundle) {
    return absl::StrCat("private/epoch/", IndexPath(id.index), "/", id.part);
  }
  std::string out =
      id.type == ObjectType::kEntryBundle ? "tile/entries/" : absl::StrCat("tile/", id.level, "/");
  absl::StrAppend(&out, IndexPath(id.index));
  if (id.partial()) absl::StrAppend(&out, ".p/", id.width);
  return out;
}

std::string HashTilePath(int level, uint64_t index, int width) {
  return ObjectPath({ObjectType::kHashTile, level, index, width});
}

std::string EntryBundlePath(uint64_t index, int width) {
  return ObjectPath({ObjectType::kEntryBundle, 0, index, width});
}

std::string PrivateBundlePath(uint64_t epoch, uint32_t part) {
  return ObjectPath({ObjectType::kPrivateBundle, 0, epoch, kTileWidth, part});
}

absl::StatusOr<ObjectId> ParseObjectPath(absl::string_view path) {
  if (path == kCheckpointPath) return ObjectId{};
  std::vector<absl::string_view> parts = absl::StrSplit(path, '/');
  // tile, <L> or entries, at least one group, optionally ".p" fused to the
  // last group and then <W>; or private, epoch, at least one group.
  const bool private_bundle = parts.size() >= 4 && parts[0] == "private" && parts[1] == "epoch";
  if (parts.size() < 3 || (parts[0] != "tile" && !private_bundle)) {
    return BadPath(path, "not a tlog-tiles path");
  }
  ObjectId id;
  if (private_bundle) {
    id.type = ObjectType::kPrivateBundle;
  } else if (parts[1] == "entries") {
    id.type = ObjectType::kEntryBundle;
  } else {
    id.type = ObjectType::kHashTile;
    if (!ParseSmall(parts[1], 0, kMaxTileLevel, &id.level)) {
      return BadPath(path, "level is not 0..63 in canonical decimal");
    }
  }
  id.width = kTileWidth;
  size_t end = parts.size();
  if (private_bundle) {
    // The part: canonical decimal (ObjectPath's check below rejects a
    // leading zero), at most 9 digits.
    absl::string_view k = parts[end - 1];
    if (!IsDigits(k) || k.size() > 9) return BadPath(path, "part is not a decimal number");
    for (char c : k) id.part = id.part * 10 + static_cast<uint32_t>(c - '0');
    --end;
  }
  absl::string_view last = parts[end - 1];
  if (!private_bundle && end >= 4 && absl::EndsWith(parts[end - 2], ".p")) {
    if (!ParseSmall(last, 1, kTileWidth - 1, &id.width)) {
      return BadPath(path, "width is not 1..255 in canonical decimal");
    }
    parts[end - 2].remove_suffix(2);
    --end;
  }
  // Groups parts[2 .. end): all but the last "xDDD", the last "DDD".
  const size_t groups = end - 2;
  if (groups > 7) return BadPath(path, "index too long");  // 2^64 has 20 digits
  uint64_t n = 0;
  for (size_t i = 2; i < end; ++i) {
    absl::string_view g = parts[i];
    const bool last_group = i + 1 == end;
    if (!last_group) {
      if (g.empty() || g[0] != 'x') return BadPath(path, "index group without its \"x\"");
      g.remove_prefix(1);
    }
    if (g.size() != 3 || !IsDigits(g)) return BadPath(path, "index group is not 3 digits");
    const uint64_t v = static_cast<uint64_t>((g[0] - '0') * 100 + (g[1] - '0') * 10 + (g[2] - '0'));
    if (n > (UINT64_MAX - v) / 1000) return BadPath(path, "index beyond 2^64 - 1");
    n = n * 1000 + v;
  }
  id.index = n;
  // Leading zero groups ("x000/001") and every other non-canonical spelling
  // fail here: there is one path per object.
  if (ObjectPath(id) != path) return BadPath(path, "not the canonical path of its tile");
  return id;
}

std::vector<ObjectId> NewObjects(uint64_t old_size, uint64_t new_size) {
  std::vector<ObjectId> out;
  for (ObjectType type : {ObjectType::kEntryBundle, ObjectType::kHashTile}) {
    for (int level = 0; level <= kMaxTileLevel; ++level) {
      if (type == ObjectType::kEntryBundle && level > 0) break;
      const int shift = kTileHeight * level;
      const uint64_t new_n = shift >= 64 ? 0 : new_size >> shift;  // hashes at this level
      if (new_n == 0) break;
      const uint64_t old_n = shift >= 64 ? 0 : old_size >> shift;
      for (uint64_t t = old_n / kTileWidth; t < new_n / kTileWidth; ++t) {
        out.push_back({type, level, t, kTileWidth});
      }
      const int w = static_cast<int>(new_n % kTileWidth);
      if (w > 0 && new_n != old_n) out.push_back({type, level, new_n / kTileWidth, w});
    }
  }
  return out;
}

bool ExistsInTree(const ObjectId& id, uint64_t size) {
  if (id.type == ObjectType::kCheckpoint) return true;
  if (id.type == ObjectType::kPrivateBundle) return false;
  const int shift = kTileHeight * id.level;
  if (shift >= 64) return false;
  const uint64_t n = size >> shift;  // hashes at tree level 8L
  const uint64_t full = n / kTileWidth;
  if (!id.partial()) return id.index < full;
  return id.index == full && static_cast<uint64_t>(id.width) == n % kTileWidth;
}

}  // namespace tiles
}  // namespace keytrail
