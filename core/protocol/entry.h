// Log entries: the leaves of the log's RFC 6962 tree (docs/PROTOCOL.md, "Log
// entries").
//
//   entry = u8 format (1) || u8 kind || body
//   kind 1, update entry (80-byte body, 82-byte entry):
//     [32] index || u64 version (>= 1) || u64 epoch || [32] commitment
//   kind 2, epoch entry (56-byte body, 58-byte entry):
//     u64 epoch || u64 timestamp_ms || [32] map_root || u64 update_count
//
// Decoding checks the encoding only. Whether epochs are consecutive,
// timestamps never decrease, versions grow by one and counts match is the
// log's and the monitor's business, across entries.
//
// Pure functions on plain values: thread-safe.
#ifndef KEYTRAIL_CORE_PROTOCOL_ENTRY_H_
#define KEYTRAIL_CORE_PROTOCOL_ENTRY_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/sha256.h"

namespace keytrail {

constexpr uint8_t kEntryFormat = 1;
constexpr uint8_t kUpdateEntryKind = 1;
constexpr uint8_t kEpochEntryKind = 2;
constexpr size_t kUpdateEntrySize = 2 + 32 + 8 + 8 + 32;  // 82
constexpr size_t kEpochEntrySize = 2 + 8 + 8 + 32 + 8;    // 58

// One accepted update of one account. Names neither the account nor a key.
struct UpdateEntry {
  Hash index;        // the account's VRF output
  uint64_t version;  // >= 1
  uint64_t epoch;    // the epoch that sequenced this version
  Hash commitment;   // CommitKeySet() of the version's key set
};

// Closes an epoch: the `update_count` update entries right before it.
struct EpochEntry {
  uint64_t epoch;
  uint64_t timestamp_ms;  // milliseconds since the Unix epoch
  Hash map_root;          // after applying this epoch's updates
  uint64_t update_count;
};

using Entry = std::variant<UpdateEntry, EpochEntry>;

bool operator==(const UpdateEntry& a, const UpdateEntry& b);
inline bool operator!=(const UpdateEntry& a, const UpdateEntry& b) { return !(a == b); }
bool operator==(const EpochEntry& a, const EpochEntry& b);
inline bool operator!=(const EpochEntry& a, const EpochEntry& b) { return !(a == b); }

// The canonical encodings (kUpdateEntrySize / kEpochEntrySize bytes). They
// cannot fail: every field is fixed-width. Encoding an update entry with
// version 0 yields bytes DecodeEntry rejects; callers never make one.
std::string EncodeEntry(const UpdateEntry& entry);
std::string EncodeEntry(const EpochEntry& entry);

// Decodes either kind. InvalidArgument, naming what is wrong, for an empty
// or truncated header, a format other than 1, a kind other than 1 or 2, a
// body of the wrong length (truncated or trailing bytes), or an update entry
// with version 0. (Entries read from keytrail's own storage: relabel errors
// with AsDataLoss.)
absl::StatusOr<Entry> DecodeEntry(absl::string_view encoded);

// As DecodeEntry, but the entry must be of this kind: an entry of the other
// kind is InvalidArgument ("entry: kind 2 (epoch entry), want kind 1 (update
// entry)").
absl::StatusOr<UpdateEntry> DecodeUpdateEntry(absl::string_view encoded);
absl::StatusOr<EpochEntry> DecodeEpochEntry(absl::string_view encoded);

// The RFC 6962 leaf hash SHA-256(0x00 || encoded_entry): the entry's leaf in
// the log. Hashes the bytes as given (valid or not).
Hash EntryLeafHash(absl::string_view encoded_entry);

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_PROTOCOL_ENTRY_H_
