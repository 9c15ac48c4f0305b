// The log server's stored records: their keys and value encodings
// (docs/STORAGE.md is the reference; log_storage.h decides which column
// family each lives in). Every value starts with a format byte. Decoders go
// through ByteReader, end with Finish(), and report bytes that do not decode
// (truncated, trailing bytes, unknown format) as DataLoss, since they come
// from the log's own storage. Pure functions; thread-safe.
#ifndef KEYTRAIL_LOG_SERVER_RECORDS_H_
#define KEYTRAIL_LOG_SERVER_RECORDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/sha256.h"

namespace keytrail {

// What the data directory was created for; checked at every start.
struct LogConfig {
  std::string origin;
  std::string note_verifier_key;  // C2SP vkey of the note signing key
  std::string vrf_public_key;     // 33 bytes
};
std::string EncodeLogConfig(const LogConfig& c);
absl::StatusOr<LogConfig> DecodeLogConfig(absl::string_view bytes);

// Where the log stands after its last committed epoch.
struct LogState {
  uint64_t epoch = 0;
  uint64_t tree_size = 0;
  uint64_t timestamp_ms = 0;
  std::vector<Hash> frontier;  // CompactRange hashes for tree_size
};
std::string EncodeLogState(const LogState& s);
absl::StatusOr<LogState> DecodeLogState(absl::string_view bytes);

// An account's VRF index and proof, fixed when its first version is written.
struct AccountRecord {
  Hash index{};
  std::string vrf_proof;  // 81 bytes
};
std::string EncodeAccountRecord(const AccountRecord& r);
absl::StatusOr<AccountRecord> DecodeAccountRecord(absl::string_view bytes);

// The account an index belongs to (the reverse of AccountRecord), written
// with it: what the private epoch bundles (core/replica/private_bundle.h)
// name each update entry's account from.
struct AccountIdRecord {
  std::string account;  // 1..256 bytes
};
std::string EncodeAccountIdRecord(const AccountIdRecord& r);
absl::StatusOr<AccountIdRecord> DecodeAccountIdRecord(absl::string_view bytes);

// One version of an account.
struct VersionRecord {
  uint64_t epoch = 0;
  uint64_t log_index = 0;
  Hash previous_head{};  // chain head of the version before (head_0 for 1)
  std::string opening;
  std::string key_set;  // canonical encoding
};
std::string EncodeVersionRecord(const VersionRecord& r);
absl::StatusOr<VersionRecord> DecodeVersionRecord(absl::string_view bytes);

// One committed epoch: the tree size its checkpoint covers and the
// checkpoint as signed by the log.
struct EpochRecord {
  uint64_t tree_size = 0;
  std::string checkpoint;
};
std::string EncodeEpochRecord(const EpochRecord& r);
absl::StatusOr<EpochRecord> DecodeEpochRecord(absl::string_view bytes);

// The newest epoch that monitors cosigned (log_server/cosignature_collector.h):
// its checkpoint note with every cosignature collected for it.
struct CosignedRecord {
  uint64_t epoch = 0;
  std::string note;
};
std::string EncodeCosignedRecord(const CosignedRecord& r);
absl::StatusOr<CosignedRecord> DecodeCosignedRecord(absl::string_view bytes);

// How far the public tiles are published (log_server/tile_publisher.h): the
// epoch whose checkpoint the tile store's `checkpoint` object holds; every
// tile and bundle of its tree size is in the store.
struct TilesPublishedRecord {
  uint64_t epoch = 0;
  uint64_t tree_size = 0;
};
std::string EncodeTilesPublishedRecord(const TilesPublishedRecord& r);
absl::StatusOr<TilesPublishedRecord> DecodeTilesPublishedRecord(absl::string_view bytes);

// Keys. Both sort in numeric order under RocksDB's bytewise comparator.
// U64Key: a big-endian u64 (entry bundles, epochs).
std::string U64Key(uint64_t v);
// VersionKey: index || big-endian u64 version, so one account's versions
// are adjacent and in order.
std::string VersionKey(const Hash& index, uint64_t version);

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_RECORDS_H_
