#include "core/storage/rocks_map_store.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "core/bytes/encoding.h"
#include "core/bytes/reader.h"
#include "rocksdb/iterator.h"

namespace keytrail {
namespace {

// The first index after every index that starts with `prefix`'s first
// `depth` bits; nullopt when there is none (the prefix is all ones).
std::optional<Hash> PrefixEnd(const Hash& prefix, int depth) {
  if (depth == 0) return std::nullopt;
  Hash end = prefix;
  // Set the bits past the prefix to one, then add one.
  for (int bit = depth; bit < 256; ++bit) end[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
  for (int i = 31; i >= 0; --i) {
    if (end[i] != 0xff) {
      ++end[i];
      for (int j = i + 1; j < 32; ++j) end[j] = 0;
      return end;
    }
  }
  return std::nullopt;
}

// The leaf stored under `key`. DataLoss when the value does not decode
// (map::DecodeMapLeaf ends with ByteReader::Finish) or names another index.
absl::StatusOr<map::MapLeaf> DecodeStoredLeaf(absl::string_view key, absl::string_view value) {
  auto leaf = map::DecodeMapLeaf(value);
  if (!leaf.ok()) return AsDataLoss(leaf.status(), "stored map leaf");
  if (HashView(leaf->index) != key) {
    return absl::DataLossError(absl::StrCat("corrupt stored map leaf: stored under index ",
                                            HexEncode(key), ", holds index ",
                                            HexEncode(HashView(leaf->index))));
  }
  return leaf;
}

}  // namespace

absl::StatusOr<std::optional<std::string>> RocksMapReader::GetTile(absl::string_view key) {
  return db_.Get(tiles_, key, snapshot_);
}

void RocksMapReader::SeekLeaf(const Hash& begin) {
  // Steps taken forward before giving up and seeking: an untouched subtree
  // between two scanned ones holds ~15 leaves at 1,000,000 accounts.
  constexpr int kMaxSteps = 24;
  rocksdb::Iterator* it = leaf_iterator_.get();
  if (positioned_ && !(begin < scanned_to_) && it->status().ok()) {
    // Every leaf before the iterator's is < scanned_to_ <= begin.
    for (int step = 0; step <= kMaxSteps; ++step) {
      if (!it->Valid() || ToView(it->key()) >= HashView(begin)) return;
      if (step < kMaxSteps) it->Next();
    }
  }
  it->Seek(ToSlice(HashView(begin)));
}

absl::Status RocksMapReader::ScanLeaves(const Hash& prefix, int depth,
                                        std::vector<map::MapLeaf>* out) {
  Hash begin{};
  for (int bit = 0; bit < depth; ++bit) {
    begin[bit / 8] |= static_cast<uint8_t>(prefix[bit / 8] & (0x80 >> (bit % 8)));
  }
  std::optional<Hash> end = PrefixEnd(begin, depth);
  if (leaf_iterator_ == nullptr) {
    rocksdb::ReadOptions read;
    read.snapshot = snapshot_;
    leaf_iterator_.reset(db_.raw()->NewIterator(read, leaves_));
  }
  rocksdb::Iterator* it = leaf_iterator_.get();
  SeekLeaf(begin);
  // Until this scan ends cleanly at a bound, the position says nothing.
  positioned_ = false;
  for (; it->Valid(); it->Next()) {
    if (end && ToView(it->key()) >= HashView(*end)) break;
    auto leaf = DecodeStoredLeaf(ToView(it->key()), ToView(it->value()));
    if (!leaf.ok()) return leaf.status();
    out->push_back(*leaf);
  }
  absl::Status s = FromRocksStatus(it->status(), "scanning map leaves");
  if (s.ok() && end) {
    // The iterator rests on the first leaf >= *end, or past the last one.
    positioned_ = true;
    scanned_to_ = *end;
  }
  return s;
}

void RocksMapReader::AdoptIterator(std::unique_ptr<rocksdb::Iterator> it) {
  leaf_iterator_ = std::move(it);
  positioned_ = false;  // where it rests says nothing about this reader's scans
}

std::unique_ptr<rocksdb::Iterator> RocksMapReader::ReleaseIterator() {
  positioned_ = false;
  if (leaf_iterator_ != nullptr && !leaf_iterator_->status().ok()) leaf_iterator_.reset();
  return std::move(leaf_iterator_);
}

absl::StatusOr<std::optional<map::MapLeaf>> RocksMapReader::GetLeaf(const Hash& index) {
  auto value = db_.Get(leaves_, HashView(index), snapshot_);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::optional<map::MapLeaf>();
  auto leaf = DecodeStoredLeaf(HashView(index), **value);
  if (!leaf.ok()) return leaf.status();
  return std::optional<map::MapLeaf>(*leaf);
}

void BatchMapWriter::PutTile(std::string key, std::string value) {
  batch_->Put(tiles_, ToSlice(key), ToSlice(value));
}

void BatchMapWriter::PutLeaf(const map::MapLeaf& leaf) {
  std::string value = map::EncodeMapLeaf(leaf);
  batch_->Put(leaves_, ToSlice(HashView(leaf.index)), ToSlice(value));
}

}  // namespace keytrail
