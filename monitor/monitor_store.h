// MonitorStore: one followed log's audited state in the monitor's own
// RocksDB (one database per log, under the monitor's data directory).
//
// Column families:
//   meta        "state" -> AuditState (below)
//   log_tiles   the log's RFC 6962 tree as fat tiles (core/storage/log_tiles.h)
//   map_tiles, map_leaves   the replayed map (core/storage/rocks_map_store.h);
//               a map leaf is also the per-index record: index -> version, head
//   evidence    u64 sequence number -> encoded evidence (core/evidence)
//
// The Auditor writes a verified checkpoint's state as ONE synced batch
// (tiles, map, state); evidence is written on its own, synced.
//
// Thread safety: all methods may be called from any thread (RocksDB is);
// the object owns its Database.
#ifndef KEYTRAIL_MONITOR_MONITOR_STORE_H_
#define KEYTRAIL_MONITOR_MONITOR_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/crypto/sha256.h"
#include "core/protocol/entry.h"
#include "core/storage/database.h"

namespace keytrail::monitor {

enum class MonitorCf : size_t { kMeta = 0, kLogTiles, kMapTiles, kMapLeaves, kEvidence };

// What the monitor has replayed and verified of one log.
struct AuditState {
  std::string origin;
  // Entries [0, size) were replayed, passed every rule and are proven to be
  // the first `size` leaves of `checkpoint`. size ends on an epoch entry,
  // `last_epoch`.
  uint64_t size = 0;
  EpochEntry last_epoch{};
  std::vector<Hash> frontier;  // compact range of [0, size)
  std::string checkpoint;      // the log-signed note; its size >= size
};

// u8 format (1) || opaque16 origin || u64 size || [58] last epoch entry
// (absent when size is 0) || u8 count || [32 * count] frontier ||
// opaque16 checkpoint. DataLoss for anything else.
std::string EncodeAuditState(const AuditState& state);
absl::StatusOr<AuditState> DecodeAuditState(absl::string_view bytes);

class MonitorStore {
 public:
  // Opens or creates the database in `path`, for `origin`. FailedPrecondition
  // if it holds another origin's state (or another process has it open);
  // storage errors as Database::Open.
  static absl::StatusOr<std::unique_ptr<MonitorStore>> Open(const std::string& path,
                                                            const std::string& origin,
                                                            size_t block_cache_bytes = 64 << 20);

  Database& db() { return *db_; }
  rocksdb::ColumnFamilyHandle* cf(MonitorCf which) const {
    return db_->cf(static_cast<size_t>(which));
  }

  // The stored state; a fresh one (size 0, this origin) when none.
  absl::StatusOr<AuditState> GetState() const;
  // Puts the state record into a batch.
  void PutState(const AuditState& state, rocksdb::WriteBatch* batch) const;

  // The root of the stored tree at `size` (0 < size <= the stored size), and
  // the consistency proof between two such sizes, from the stored tiles.
  absl::StatusOr<Hash> RootAt(uint64_t size) const;
  absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t size1, uint64_t size2) const;

  // Appends evidence (synced). Returns its sequence number.
  absl::StatusOr<uint64_t> AddEvidence(const std::string& encoded);
  // Every stored evidence, oldest first.
  absl::StatusOr<std::vector<std::string>> ListEvidence() const;

 private:
  explicit MonitorStore(std::unique_ptr<Database> db, std::string origin)
      : db_(std::move(db)), origin_(std::move(origin)) {}
  std::unique_ptr<Database> db_;
  std::string origin_;
};

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_MONITOR_STORE_H_
