#include "core/storage/log_tiles.h"

#include <cstdlib>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "core/bytes/reader.h"

namespace keytrail {
namespace {

constexpr uint8_t kTileFormat = 1;

struct TilePosition {
  int tile_level;
  uint64_t tile_index;
  int row;
  uint64_t pos;
};

TilePosition Locate(merkle::NodeId id) {
  TilePosition p;
  p.tile_level = id.level / LogTile::kHeight;
  p.row = id.level % LogTile::kHeight;
  const int shift = LogTile::kHeight - p.row;  // row k holds 2^(8-k) nodes
  p.tile_index = id.index >> shift;
  p.pos = id.index & ((uint64_t{1} << shift) - 1);
  return p;
}

}  // namespace

const Hash* LogTile::Get(int k, uint64_t pos) const {
  if (k < 0 || k >= kHeight || pos >= rows_[k].size()) return nullptr;
  return &rows_[k][pos];
}

void LogTile::Append(int k, uint64_t pos, const Hash& hash) {
  if (pos != rows_[k].size()) std::abort();  // nodes arrive in order
  rows_[k].push_back(hash);
}

bool LogTile::full() const { return rows_[kHeight - 1].size() == 2; }

std::string LogTile::Encode() const {
  ByteWriter w;
  w.U8(kTileFormat);
  w.U16(static_cast<uint16_t>(width()));
  for (const auto& row : rows_) {
    for (const Hash& h : row) w.Array(h);
  }
  return w.Release();
}

absl::StatusOr<LogTile> LogTile::Decode(absl::string_view bytes) {
  constexpr absl::string_view kWhat = "log tile";
  auto parse = [&]() -> absl::StatusOr<LogTile> {
    ByteReader r(bytes);
    uint8_t format;
    uint16_t width;
    if (!r.ReadU8(&format)) return TruncatedError(kWhat, "format");
    if (format != kTileFormat) {
      return absl::InvalidArgumentError(absl::StrCat(kWhat, ": unknown format ", format));
    }
    if (!r.ReadU16(&width)) return TruncatedError(kWhat, "width");
    if (width == 0 || width > kWidth) {
      return absl::InvalidArgumentError(
          absl::StrCat(kWhat, ": width ", width, ", want 1..", kWidth));
    }
    LogTile tile;
    for (int k = 0; k < kHeight; ++k) {
      tile.rows_[k].resize(width >> k);
      for (Hash& h : tile.rows_[k]) {
        if (!r.ReadArray(&h)) return TruncatedError(kWhat, absl::StrCat("row ", k));
      }
    }
    if (absl::Status s = r.Finish(kWhat); !s.ok()) return s;
    return tile;
  };
  auto tile = parse();
  if (!tile.ok()) return AsDataLoss(tile.status(), "stored log tile");
  return tile;
}

std::string LogTileKey(int tile_level, uint64_t tile_index) {
  ByteWriter w;
  w.U8(static_cast<uint8_t>(tile_level));
  w.U64(tile_index);
  return w.Release();
}

absl::StatusOr<LogTileWriter> LogTileWriter::Resume(const Database& db,
                                                    rocksdb::ColumnFamilyHandle* cf,
                                                    uint64_t tree_size) {
  LogTileWriter writer(cf);
  for (int level = 0; level < 8; ++level) {
    const int shift = LogTile::kHeight * level;
    if (shift >= 64) break;
    uint64_t nodes = tree_size >> shift;  // complete nodes at level 8L
    if (nodes == 0) break;
    uint64_t width = nodes % LogTile::kWidth;
    if (width == 0) continue;  // the next node starts a new tile
    uint64_t index = nodes / LogTile::kWidth;
    auto value = db.Get(cf, LogTileKey(level, index), nullptr);
    if (!value.ok()) return value.status();
    if (!value->has_value()) {
      return absl::DataLossError(absl::StrCat("log tile ", level, "/", index, " is missing"));
    }
    auto tile = LogTile::Decode(**value);
    if (!tile.ok()) return tile.status();
    if (tile->width() != width) {
      return absl::DataLossError(absl::StrCat("log tile ", level, "/", index, " has width ",
                                              tile->width(), ", want ", width));
    }
    writer.open_[{level, index}].tile = *std::move(tile);
  }
  return writer;
}

void LogTileWriter::Add(merkle::NodeId id, const Hash& hash) {
  TilePosition p = Locate(id);
  OpenTile& open = open_[{p.tile_level, p.tile_index}];
  open.tile.Append(p.row, p.pos, hash);
  open.dirty = true;
}

void LogTileWriter::Flush(rocksdb::WriteBatch* batch) {
  for (auto it = open_.begin(); it != open_.end();) {
    if (it->second.dirty) {
      std::string value = it->second.tile.Encode();
      batch->Put(cf_, ToSlice(LogTileKey(it->first.first, it->first.second)), ToSlice(value));
      it->second.dirty = false;
    }
    it = it->second.tile.full() ? open_.erase(it) : std::next(it);
  }
}

absl::StatusOr<std::vector<Hash>> LogTileReader::GetNodes(absl::Span<const merkle::NodeId> ids) {
  std::vector<Hash> out;
  out.reserve(ids.size());
  for (const merkle::NodeId& id : ids) {
    TilePosition p = Locate(id);
    std::pair<int, uint64_t> key{p.tile_level, p.tile_index};
    auto it = cache_.find(key);
    if (it == cache_.end()) {
      auto value = db_.Get(cf_, LogTileKey(p.tile_level, p.tile_index), snapshot_);
      if (!value.ok()) return value.status();
      if (!value->has_value()) {
        return absl::DataLossError(
            absl::StrCat("log tile ", p.tile_level, "/", p.tile_index, " is missing"));
      }
      auto tile = LogTile::Decode(**value);
      if (!tile.ok()) return tile.status();
      it = cache_.emplace(key, *std::move(tile)).first;
    }
    const Hash* h = it->second.Get(p.row, p.pos);
    if (h == nullptr) {
      return absl::DataLossError(
          absl::StrCat("log node ", id.level, "/", id.index, " is missing from its tile"));
    }
    out.push_back(*h);
  }
  return out;
}

}  // namespace keytrail
