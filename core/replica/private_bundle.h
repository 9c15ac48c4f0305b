// Private epoch bundles: what a read replica needs per epoch that the public
// tiles do not carry (docs/REPLICAS.md is the reference). For every update
// entry of an epoch, in log order: the account id, the opening and the key
// set, and for an account's first version its VRF proof. With the public
// entries a replica recomputes every commitment, account index, chain head
// and the map root of the epoch and compares them with what the log signed,
// so nothing it serves is taken on trust from the bundle.
//
// An epoch with n update entries has ceil(n / kPrivatePartUpdates) parts
// (none for an epoch without updates); part k holds the epoch's updates
// [128k, 128k + 128) and is stored, sealed, at
// tiles::PrivateBundlePath(epoch, k). The cap keeps every sealed part under
// tiles::kMaxObjectBytes whatever the key sets hold.
//
// Sealing: AES-256-GCM under a key derived from the operator's 32-byte
// replica key; the associated data binds the log origin, the epoch and the
// part, so a part opens only where it was written. The nonce is derived from
// the associated data and the plaintext (a synthetic IV): sealing is
// deterministic, so a publisher that rewrites a part after a crash writes
// identical bytes (create-only Puts stay idempotent), and one key and nonce
// never seal two different messages, whatever the operator reuses the key
// for. Opening recomputes the nonce and refuses any other (one sealing per
// plaintext).
//
// Pure functions and immutable values; thread-safe.
#ifndef KEYTRAIL_CORE_REPLICA_PRIVATE_BUNDLE_H_
#define KEYTRAIL_CORE_REPLICA_PRIVATE_BUNDLE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace keytrail {
namespace replica {

inline constexpr size_t kPrivatePartUpdates = 128;
inline constexpr uint8_t kPrivatePartFormat = 1;
inline constexpr uint8_t kSealedPartFormat = 1;
inline constexpr size_t kReplicaKeySize = 32;

// One update entry's private half.
struct PrivateUpdate {
  std::string account;                   // 1..256 bytes
  std::string opening;                   // 16..64 bytes
  std::string key_set;                   // 1..65536 bytes (canonical key set)
  std::optional<std::string> vrf_proof;  // 81 bytes; exactly for version 1
};
bool operator==(const PrivateUpdate& a, const PrivateUpdate& b);

// One part of an epoch's bundle.
struct PrivatePart {
  uint64_t epoch = 0;
  uint32_t part = 0;
  uint64_t first_log_index = 0;        // log index of updates[0]'s entry
  std::vector<PrivateUpdate> updates;  // 1..kPrivatePartUpdates
};

// How many parts an epoch with `update_count` update entries has.
uint64_t PrivatePartCount(uint64_t update_count);

// The plaintext encoding. REQUIRES: every field within the bounds above
// (the publisher takes them from records the log validated); a violation is
// a programming error and aborts.
std::string EncodePrivatePart(const PrivatePart& part);
// InvalidArgument (naming the field) for truncated input, trailing bytes, an
// unknown format, a count of 0 or above 128, a length outside its bounds or
// a has_vrf_proof byte other than 0 or 1.
absl::StatusOr<PrivatePart> DecodePrivatePart(absl::string_view bytes);

// The operator's replica key, with the two keys derived from it. Wiped on
// destruction. Never logged.
class ReplicaKey {
 public:
  // InvalidArgument unless `key` is 32 bytes.
  static absl::StatusOr<ReplicaKey> FromBytes(absl::string_view key);
  // A key file (core/keys/key_file.h) holding the key as 64 lowercase hex
  // digits. The file's mode is checked first (CheckSecretFileMode: group or
  // others with access is FailedPrecondition unless `allow_insecure`);
  // NotFound / PermissionDenied as ReadKeyFile; InvalidArgument (naming the
  // path, never the contents) for anything but 64 lowercase hex digits.
  static absl::StatusOr<ReplicaKey> FromFile(const std::string& path, bool allow_insecure);
  // A new random key in the key file format ("<64 hex digits>\n").
  static std::string GenerateFileContents();

  ReplicaKey(const ReplicaKey&) = default;
  ReplicaKey& operator=(const ReplicaKey&) = default;
  ~ReplicaKey();

  const std::string& encryption_key() const { return encryption_key_; }
  const std::string& nonce_key() const { return nonce_key_; }

 private:
  ReplicaKey() = default;
  std::string encryption_key_;  // HMAC-SHA-256(key, "keytrail private bundle v1 encryption")
  std::string nonce_key_;       // HMAC-SHA-256(key, "keytrail private bundle v1 nonce")
};

// The associated data of (origin, epoch, part).
std::string PrivatePartAad(absl::string_view origin, uint64_t epoch, uint32_t part);

// u8 format || [12] nonce || AES-256-GCM(plaintext) || [16] tag, for the log
// `origin`. Deterministic. REQUIRES as EncodePrivatePart, and origin of at
// most 65535 bytes.
std::string SealPrivatePart(const ReplicaKey& key, absl::string_view origin,
                            const PrivatePart& part);

// The part sealed in `sealed`, which must be part `part` of epoch `epoch`
// of the log `origin`. InvalidArgument for: an unknown format, a sealed
// object too short to hold a nonce and a tag, a failed authentication
// (another key, log, epoch or part; any changed byte), a nonce other than
// the one sealing derives, a plaintext DecodePrivatePart refuses, or a
// plaintext whose epoch or part differ from the ones asked for.
absl::StatusOr<PrivatePart> OpenPrivatePart(const ReplicaKey& key, absl::string_view origin,
                                            uint64_t epoch, uint32_t part,
                                            absl::string_view sealed);

}  // namespace replica
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_REPLICA_PRIVATE_BUNDLE_H_
