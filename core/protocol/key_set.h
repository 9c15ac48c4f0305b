// Key sets: one version of an account's devices, and their one canonical
// encoding (docs/PROTOCOL.md, "Key set").
//
//   key_set = u8 format (1) || u8 has_account_key (0|1) ||
//             [32] account_key (only if has_account_key) ||
//             u16 device_count (0..32) || device[device_count]
//   device  = opaque8<1..64> device_id || opaque16<1..8192> device_key ||
//             [64] signature (only if has_account_key)
//
// Devices are sorted by device_id, strictly increasing (bytewise, unsigned,
// shorter first on a common prefix: std::string's operator<). The empty key
// set (no devices) deactivates the account and has exactly one encoding,
// 01 00 00 00.
//
// Error messages name the device by its 0-based position in `devices` (which
// is also its position in the encoding) and its id, C-escaped:
//   key set: device 3 (id "phone"): device key must be 1..8192 bytes, got 0
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
  // The account key's Ed25519 signature over DeviceSignatureMessage(): 64
  // bytes when the key set has an account key, empty otherwise.
  std::string signature;
};

struct KeySet {
  // The account's 32-byte Ed25519 public key, if the user has one.
  std::optional<std::string> account_key;
  // Sorted by device_id, strictly increasing (see SortDevices).
  std::vector<Device> devices;
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
// key length out of bounds, signature not 64 bytes (with an account key) or
// not empty (without one), id not greater than the previous one (duplicate or
// unsorted); the whole encoding over kMaxKeySetSize bytes. Signatures are
// only checked for presence here; VerifyDeviceSignatures checks them.
absl::StatusOr<std::string> EncodeKeySet(const KeySet& key_set);

// Decodes the canonical encoding. InvalidArgument, naming what is wrong, for
// input over kMaxKeySetSize bytes, truncated input, trailing bytes, a format
// other than 1, has_account_key other than 0 or 1, a device count over 32,
// an empty key set with an account key, a length outside its bounds, or
// device ids that are not strictly increasing: every input this accepts is
// exactly EncodeKeySet() of the result. Signatures are not verified. (Bytes
// read from keytrail's own storage: relabel errors with AsDataLoss.)
absl::StatusOr<KeySet> DecodeKeySet(absl::string_view encoded);

// The message an account key signs for one device:
//   "keytrail device-key v1" || 0x00 ||
//   opaque16 account || opaque8 device_id || opaque16 device_key
// REQUIRES: each field fits its length prefix (account and device_key at most
// 65535 bytes, device_id at most 255); larger inputs abort. Inputs within the
// protocol limits always fit.
std::string DeviceSignatureMessage(absl::string_view account,
                                   absl::string_view device_id,
                                   absl::string_view device_key);

// The 64-byte signature to put in Device::signature: account_key's signature
// over DeviceSignatureMessage(account, device_id, device_key). Same REQUIRES
// as DeviceSignatureMessage.
std::string SignDevice(const Ed25519PrivateKey& account_key,
                       absl::string_view account, absl::string_view device_id,
                       absl::string_view device_key);

// OK iff `account` is a valid account id, `key_set` passes every check
// EncodeKeySet makes, and, when it has an account key, that key parses and
// every device's signature verifies under it for `account`. Otherwise
// InvalidArgument: the account id error from ValidateAccountId, the
// EncodeKeySet error, "key set: account key: ..." for a key the library
// rejects, or, for the first device whose signature fails,
//   key set: device 1 (id "laptop"): signature does not verify under the
//   account key
// A key set without an account key has nothing to verify and is OK when it
// is valid.
absl::Status VerifyDeviceSignatures(absl::string_view account,
                                    const KeySet& key_set);

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_PROTOCOL_KEY_SET_H_
