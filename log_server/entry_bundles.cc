#include "log_server/entry_bundles.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "core/bytes/reader.h"
#include "log_server/records.h"
#include "rocksdb/iterator.h"

namespace keytrail {
namespace {

constexpr uint8_t kBundleFormat = 1;

// Malformed bytes are InvalidArgument here, as ByteReader reports them;
// DecodeEntryBundle relabels them DataLoss (they come from our storage).
absl::StatusOr<std::vector<std::string>> ParseEntryBundle(absl::string_view bytes) {
  constexpr absl::string_view kWhat = "entry bundle";
  ByteReader r(bytes);
  uint8_t format;
  uint16_t n;
  if (!r.ReadU8(&format)) return TruncatedError(kWhat, "format");
  if (format != kBundleFormat) {
    return absl::InvalidArgumentError(absl::StrCat(kWhat, ": unknown format ", format));
  }
  if (!r.ReadU16(&n)) return TruncatedError(kWhat, "entry count");
  if (n == 0 || n > kEntriesPerBundle) {
    return absl::InvalidArgumentError(
        absl::StrCat(kWhat, ": ", n, " entries, want 1..", kEntriesPerBundle));
  }
  std::vector<std::string> entries;
  entries.reserve(n);
  for (uint16_t i = 0; i < n; ++i) {
    absl::string_view e;
    if (!r.ReadU16Prefixed(&e)) return TruncatedError(kWhat, absl::StrCat("entry ", i));
    entries.emplace_back(e);
  }
  if (absl::Status s = r.Finish(kWhat); !s.ok()) return s;
  return entries;
}

}  // namespace

std::string EncodeEntryBundle(const std::vector<std::string>& entries) {
  ByteWriter w;
  w.U8(kBundleFormat);
  w.U16(static_cast<uint16_t>(entries.size()));
  for (const std::string& e : entries) w.U16Prefixed(e);
  return w.Release();
}

absl::StatusOr<std::vector<std::string>> DecodeEntryBundle(absl::string_view bytes) {
  auto parsed = ParseEntryBundle(bytes);
  if (!parsed.ok()) return AsDataLoss(parsed.status(), "stored entry bundle");
  return parsed;
}

absl::StatusOr<EntryBundleWriter> EntryBundleWriter::Resume(const Database& db,
                                                            rocksdb::ColumnFamilyHandle* cf,
                                                            uint64_t size) {
  EntryBundleWriter w(cf, size);
  const uint64_t partial = size % kEntriesPerBundle;
  if (partial == 0) return w;
  const uint64_t bundle = size / kEntriesPerBundle;
  auto value = db.Get(cf, U64Key(bundle), nullptr);
  if (!value.ok()) return value.status();
  if (!value->has_value()) {
    return absl::DataLossError(absl::StrCat("entry bundle ", bundle, " is missing"));
  }
  auto entries = DecodeEntryBundle(**value);
  if (!entries.ok()) return entries.status();
  if (entries->size() != partial) {
    return absl::DataLossError(absl::StrCat("entry bundle ", bundle, " holds ", entries->size(),
                                            " entries, want ", partial));
  }
  w.open_ = *std::move(entries);
  return w;
}

void EntryBundleWriter::Add(std::string entry) {
  open_.push_back(std::move(entry));
  ++size_;
  dirty_ = true;
  if (open_.size() == kEntriesPerBundle) {
    finished_.emplace_back(size_ / kEntriesPerBundle - 1, EncodeEntryBundle(open_));
    open_.clear();
    dirty_ = false;
  }
}

void EntryBundleWriter::Flush(rocksdb::WriteBatch* batch) {
  for (const auto& [bundle, value] : finished_) {
    batch->Put(cf_, ToSlice(U64Key(bundle)), ToSlice(value));
  }
  finished_.clear();
  if (dirty_) {
    std::string value = EncodeEntryBundle(open_);
    batch->Put(cf_, ToSlice(U64Key(size_ / kEntriesPerBundle)), ToSlice(value));
    dirty_ = false;
  }
}

absl::StatusOr<std::vector<std::string>> ReadEntries(const Database& db,
                                                     rocksdb::ColumnFamilyHandle* cf,
                                                     const rocksdb::Snapshot* snapshot,
                                                     uint64_t start, uint64_t count) {
  std::vector<std::string> out;
  if (count == 0) return out;
  out.reserve(count);
  const uint64_t end = start + count;
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it(db.raw()->NewIterator(read, cf));
  uint64_t want_bundle = start / kEntriesPerBundle;
  it->Seek(ToSlice(U64Key(want_bundle)));
  while (out.size() < count) {
    if (!it->Valid() || ToView(it->key()) != U64Key(want_bundle)) {
      if (!it->status().ok()) return FromRocksStatus(it->status(), "reading entries");
      return absl::DataLossError(absl::StrCat("entry bundle ", want_bundle, " is missing"));
    }
    auto entries = DecodeEntryBundle(ToView(it->value()));
    if (!entries.ok()) return entries.status();
    const uint64_t first = want_bundle * kEntriesPerBundle;
    for (uint64_t i = std::max(start, first); i < std::min(end, first + entries->size()); ++i) {
      out.push_back(std::move((*entries)[i - first]));
    }
    if (first + entries->size() < std::min(end, first + kEntriesPerBundle)) {
      return absl::DataLossError(absl::StrCat("entry bundle ", want_bundle, " is short"));
    }
    ++want_bundle;
    it->Next();
  }
  return out;
}

}  // namespace keytrail
