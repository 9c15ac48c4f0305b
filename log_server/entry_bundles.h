// Log entries in RocksDB, 256 to a record (an "entry bundle", as C2SP
// tlog-tiles groups entries): one record write per 256 appends instead of
// one per entry, which matters at tens of thousands of updates per second.
// Bundle k holds entries [256k, 256k + n), n = 1..256; only the last bundle
// is ever rewritten (as it fills up). docs/STORAGE.md has the encoding.
#ifndef KEYTRAIL_LOG_SERVER_ENTRY_BUNDLES_H_
#define KEYTRAIL_LOG_SERVER_ENTRY_BUNDLES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/storage/database.h"
#include "rocksdb/write_batch.h"

namespace keytrail {

constexpr uint64_t kEntriesPerBundle = 256;

std::string EncodeEntryBundle(const std::vector<std::string>& entries);
// DataLoss unless `bytes` is a well-formed bundle of 1..256 entries.
absl::StatusOr<std::vector<std::string>> DecodeEntryBundle(absl::string_view bytes);

// Appends entries during an epoch and puts the bundles they touched into the
// epoch's batch. Keeps the last, partial bundle in memory between epochs.
// Not thread-safe: the sequencer thread's.
class EntryBundleWriter {
 public:
  // Loads the partial bundle of a log of `size` entries. DataLoss if it is
  // missing, damaged or of the wrong length.
  static absl::StatusOr<EntryBundleWriter> Resume(const Database& db,
                                                  rocksdb::ColumnFamilyHandle* cf, uint64_t size);

  // Appends entry number size() (the caller's log index).
  void Add(std::string entry);
  uint64_t size() const { return size_; }
  void Flush(rocksdb::WriteBatch* batch);

 private:
  EntryBundleWriter(rocksdb::ColumnFamilyHandle* cf, uint64_t size) : cf_(cf), size_(size) {}
  rocksdb::ColumnFamilyHandle* cf_;
  uint64_t size_;
  std::vector<std::string> open_;                           // entries of bundle size_ / 256 so far
  std::vector<std::pair<uint64_t, std::string>> finished_;  // full bundles to write
  bool dirty_ = false;
};

// Entries [start, start + count) as of `snapshot`. DataLoss if any is
// missing or a bundle is damaged.
absl::StatusOr<std::vector<std::string>> ReadEntries(const Database& db,
                                                     rocksdb::ColumnFamilyHandle* cf,
                                                     const rocksdb::Snapshot* snapshot,
                                                     uint64_t start, uint64_t count);

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_ENTRY_BUNDLES_H_
