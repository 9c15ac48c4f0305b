// Key sets: one version of an account's devices, and their one canonical
// encoding (docs/PROTOCOL.md, "Key set").
//
//   key_set = u8 format (1) || u8 has_account_key (0|1) ||
//             [32] account_key (only if has_account_key) ||
//             u16 device_count (0..32) || device[device_count] ||
//             [64] signature (only if has_account_key)
//   device  = opaque8<1..64> device_id || opaque16<1..8192> device_key
//
// Devices are sorted by device_id, strictly increasing (bytewise, unsigned,
// shorter first on a common prefix: std::string's operator<). The empty key
// set (no devices) deactivates the account and has exactly one encoding,
// 01 00 00 00.
//
// With an account key, the key set carries one signature by it over the
// whole key set at its version (KeySetSignatureMessage): the account, the
// version and every device, so no signature can be reused at another
// version (a removed device re-added, an older key set republished) or with
// another device list.
//
// Error messages name the device by its 0-based position in `devices` (which
// is also its position in the encoding) and its id, C-escaped:
//   key set: device 3 (id "phone"): device key must be 1..8192 bytes, got 0
// A signature that does not verify is reported distinctly, as
//   key set signature: ...
// (IsKeySetSignatureError), so a client can tell "the log holds a key set
// the account key did not sign" from a malformed answer.
//
// All functions are pure and thread-safe. KeySet and Device are plain values.
#ifndef KEYTRAIL_CORE_PROTOCOL_KEY_SET_H_
#define KEYTRAIL_CORE_PROTOCOL_KEY_SET_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/ed25519.h"

namespace keytrail {

constexpr uint8_t kKeySetFormat = 1;

struct Device {
  std::string device_id;   // 1..kMaxDeviceIdSize bytes
  std::string device_key;  // 1..kMaxDeviceKeySize bytes, opaque
};

struct KeySet {
  // The account's 32-byte Ed25519 public key, if the user has one.
  std::optional<std::string> account_key;
  // Sorted by device_id, strictly increasing (see SortDevices).
  std::vector<Device> devices;
  // The account key's Ed25519 signature over KeySetSignatureMessage() (see
  // SignKeySet): 64 bytes when the key set has an account key, empty
  // otherwise.
  std::string signature;
};

bool operator==(const Device& a, const Device& b);
inline bool operator!=(const Device& a, const Device& b) { return !(a == b); }
bool operator==(const KeySet& a, const KeySet& b);
inline bool operator!=(const KeySet& a, const KeySet& b) { return !(a == b); }

// True iff the key set has no devices (it deactivates the account). Says
// nothing about validity: EncodeKeySet rejects an empty key set that still
// has an account key.
bool IsEmpty(const KeySet& key_set);

// Sorts devices by device_id into the order EncodeKeySet requires, keeping
// duplicates (which EncodeKeySet then rejects). For code that builds key sets.
void SortDevices(KeySet* key_set);

// The canonical encoding of `key_set`, or InvalidArgument naming the first
// violation, checked in this order: account key not 32 bytes; an empty key
// set with an account key; more than 32 devices; per device in order, id or
// key length out of bounds, id not greater than the previous one (duplicate
// or unsorted); the signature not 64 bytes (with an account key) or not
// empty (without one); the whole encoding over kMaxKeySetSize bytes. The
// signature is only checked for presence here; VerifyKeySetSignature checks
// it.
absl::StatusOr<std::string> EncodeKeySet(const KeySet& key_set);

// Decodes the canonical encoding. InvalidArgument, naming what is wrong, for
// input over kMaxKeySetSize bytes, truncated input, trailing bytes, a format
// other than 1, has_account_key other than 0 or 1, a device count over 32,
// an empty key set with an account key, a length outside its bounds, or
// device ids that are not strictly increasing: every input this accepts is
// exactly EncodeKeySet() of the result. Signatures are not verified. (Bytes
// read from keytrail's own storage: relabel errors with AsDataLoss.)
absl::StatusOr<KeySet> DecodeKeySet(absl::string_view encoded);

// The message the account key signs (docs/PROTOCOL.md, "Key set
// signature"):
//   "keytrail key-set v1" || 0x00 || opaque16<1..256> account || u64 version
//   || EncodeKeySet(key_set) without its trailing 64-byte signature
// (format, has_account_key = 1, account key, device count, every device).
// `key_set.signature` is ignored. InvalidArgument for an invalid account id,
// version 0 ("key set signature: version must be at least 1"), a key set
// without an account key ("key set signature: the key set has no account
// key"), or any other violation EncodeKeySet reports.
absl::StatusOr<std::string> KeySetSignatureMessage(absl::string_view account, uint64_t version,
                                                   const KeySet& key_set);

// Makes `key_set` the key set `account_key` signs as `version` of `account`:
// sets key_set->account_key to its public key and key_set->signature to its
// signature over KeySetSignatureMessage. On error (those of
// KeySetSignatureMessage, e.g. an empty key set) *key_set is unchanged.
absl::Status SignKeySet(const Ed25519PrivateKey& account_key, absl::string_view account,
                        uint64_t version, KeySet* key_set);

// OK iff `account` is a valid account id, `key_set` passes every check
// EncodeKeySet makes, and, when it has an account key, its signature verifies
// under that key over KeySetSignatureMessage(account, version, key_set). A
// key set without an account key has nothing to verify and is OK when valid
// (whether a contact's account key may disappear is the caller's policy).
// Otherwise InvalidArgument: the account id error from ValidateAccountId, or
// the EncodeKeySet error ("key set: ..."), or, for a key set that is well
// formed but not validly signed (IsKeySetSignatureError is true of these):
//   key set signature: version must be at least 1
//   key set signature: account key: <why the crypto library rejects it>
//   key set signature: does not verify under the account key for version 7
// A signature made for another version, or for another device list, is the
// last of these: that is how a replayed key set or device shows up.
absl::Status VerifyKeySetSignature(absl::string_view account, uint64_t version,
                                   const KeySet& key_set);

// True iff `status` is (or was annotated from, keeping payloads) one of
// VerifyKeySetSignature's "key set signature: ..." errors. It carries the
// payload kKeySetSignatureErrorUrl.
bool IsKeySetSignatureError(const absl::Status& status);
inline constexpr absl::string_view kKeySetSignatureErrorUrl = "type.keytrail.dev/key-set-signature";

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_PROTOCOL_KEY_SET_H_
