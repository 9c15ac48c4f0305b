#include "core/protocol/key_set.h"

#include <algorithm>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "core/bytes/reader.h"
#include "core/protocol/limits.h"

namespace keytrail {
namespace {

constexpr absl::string_view kWhat = "key set";
// NUL-terminated on purpose: the 0x00 after the context string is part of
// the signed message, so no context can be a prefix of another.
constexpr absl::string_view kSignatureContext("keytrail key-set v1\0", 20);

absl::Status KeySetError(absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(kWhat, ": ", message));
}

// Ids are opaque bytes, so they are C-escaped; an oversized id handed to the
// encoder is cut to the longest valid length so a message stays readable.
absl::Status DeviceError(size_t i, absl::string_view id, absl::string_view message) {
  absl::string_view shown = id.substr(0, kMaxDeviceIdSize);
  return KeySetError(absl::StrCat("device ", i, " (id \"", absl::CHexEscape(shown),
                                  shown.size() < id.size() ? "\"...): " : "\"): ", message));
}

// The checks on the key set's header, shared by encoder and decoder.
absl::Status CheckHeader(bool has_account_key, size_t device_count) {
  if (device_count > kMaxDevicesPerKeySet) {
    return KeySetError(
        absl::StrCat("device count must be 0..", kMaxDevicesPerKeySet, ", got ", device_count));
  }
  // Otherwise the empty key set would have many encodings, one per key.
  if (device_count == 0 && has_account_key) {
    return KeySetError("the empty key set must not have an account key");
  }
  return absl::OkStatus();
}

// The key set signature's presence, shared by encoder and decoder.
absl::Status CheckSignature(absl::string_view signature, bool has_account_key) {
  if (has_account_key && signature.size() != kEd25519SignatureSize) {
    return KeySetError(absl::StrCat("signature must be ", kEd25519SignatureSize, " bytes, got ",
                                    signature.size()));
  }
  if (!has_account_key && !signature.empty()) {
    return KeySetError("signature present but the key set has no account key");
  }
  return absl::OkStatus();
}

// The checks on device i, shared by encoder and decoder. `previous_id` is the
// id of device i-1 (ignored for i == 0).
absl::Status CheckDevice(size_t i, absl::string_view id, absl::string_view key,
                         absl::string_view previous_id) {
  if (id.empty() || id.size() > kMaxDeviceIdSize) {
    return DeviceError(
        i, id, absl::StrCat("device id must be 1..", kMaxDeviceIdSize, " bytes, got ", id.size()));
  }
  if (key.empty() || key.size() > kMaxDeviceKeySize) {
    return DeviceError(
        i, id,
        absl::StrCat("device key must be 1..", kMaxDeviceKeySize, " bytes, got ", key.size()));
  }
  if (i > 0 && id == previous_id) {
    return DeviceError(i, id, "duplicate device id");
  }
  if (i > 0 && id < previous_id) {
    return DeviceError(i, id,
                       absl::StrCat("device ids must be strictly increasing, "
                                    "but this one sorts before \"",
                                    absl::CHexEscape(previous_id), "\""));
  }
  return absl::OkStatus();
}

// Every check EncodeKeySet makes (but the signature's, unless
// `check_signature`). On success *size is the encoding's length (with a
// 64-byte signature when there is an account key).
absl::Status ValidateKeySet(const KeySet& key_set, bool check_signature, size_t* size) {
  const bool has_account_key = key_set.account_key.has_value();
  if (has_account_key && key_set.account_key->size() != kEd25519PublicKeySize) {
    return KeySetError(absl::StrCat("account key must be ", kEd25519PublicKeySize, " bytes, got ",
                                    key_set.account_key->size()));
  }
  absl::Status status = CheckHeader(has_account_key, key_set.devices.size());
  if (!status.ok()) return status;
  size_t total = 1 + 1 + (has_account_key ? kEd25519PublicKeySize : 0) + 2;
  absl::string_view previous_id;
  for (size_t i = 0; i < key_set.devices.size(); ++i) {
    const Device& d = key_set.devices[i];
    status = CheckDevice(i, d.device_id, d.device_key, previous_id);
    if (!status.ok()) return status;
    previous_id = d.device_id;
    total += 1 + d.device_id.size() + 2 + d.device_key.size();
  }
  if (check_signature) {
    status = CheckSignature(key_set.signature, has_account_key);
    if (!status.ok()) return status;
  }
  if (has_account_key) total += kEd25519SignatureSize;
  if (total > kMaxKeySetSize) {
    return KeySetError(
        absl::StrCat("encoding must be at most ", kMaxKeySetSize, " bytes, got ", total));
  }
  *size = total;
  return absl::OkStatus();
}

// Everything in the encoding but the trailing signature: what the account
// key signs (after the context, account and version).
void WriteSignedPart(const KeySet& key_set, ByteWriter* w) {
  w->U8(kKeySetFormat);
  w->Bool(key_set.account_key.has_value());
  if (key_set.account_key.has_value()) w->Bytes(*key_set.account_key);
  w->U16(static_cast<uint16_t>(key_set.devices.size()));
  for (const Device& d : key_set.devices) {
    w->U8Prefixed(d.device_id);
    w->U16Prefixed(d.device_key);
  }
}

absl::Status SignatureError(absl::string_view message) {
  absl::Status status = absl::InvalidArgumentError(absl::StrCat("key set signature: ", message));
  status.SetPayload(kKeySetSignatureErrorUrl, absl::Cord(message));
  return status;
}

}  // namespace

bool operator==(const Device& a, const Device& b) {
  return a.device_id == b.device_id && a.device_key == b.device_key;
}

bool operator==(const KeySet& a, const KeySet& b) {
  return a.account_key == b.account_key && a.devices == b.devices && a.signature == b.signature;
}

bool IsEmpty(const KeySet& key_set) { return key_set.devices.empty(); }

void SortDevices(KeySet* key_set) {
  std::stable_sort(key_set->devices.begin(), key_set->devices.end(),
                   [](const Device& a, const Device& b) { return a.device_id < b.device_id; });
}

absl::StatusOr<std::string> EncodeKeySet(const KeySet& key_set) {
  size_t size = 0;
  absl::Status status = ValidateKeySet(key_set, /*check_signature=*/true, &size);
  if (!status.ok()) return status;
  std::string out;
  out.reserve(size);
  ByteWriter w(&out);
  WriteSignedPart(key_set, &w);
  w.Bytes(key_set.signature);  // empty without an account key
  return out;
}

absl::StatusOr<KeySet> DecodeKeySet(absl::string_view encoded) {
  // Checked first so a decoder never walks a huge input.
  if (encoded.size() > kMaxKeySetSize) {
    return KeySetError(
        absl::StrCat("encoding must be at most ", kMaxKeySetSize, " bytes, got ", encoded.size()));
  }
  ByteReader r(encoded);
  uint8_t format;
  if (!r.ReadU8(&format)) return TruncatedError(kWhat, "format");
  if (format != kKeySetFormat) {
    return KeySetError(absl::StrCat("unknown format ", format));
  }
  // Read as a u8 rather than with ReadBool, to tell a bad value from a
  // truncation in the message.
  uint8_t has_account_key;
  if (!r.ReadU8(&has_account_key)) {
    return TruncatedError(kWhat, "has_account_key");
  }
  if (has_account_key > 1) {
    return KeySetError(absl::StrCat("has_account_key must be 0 or 1, got ", has_account_key));
  }
  KeySet key_set;
  if (has_account_key == 1) {
    absl::string_view account_key;
    if (!r.ReadBytes(kEd25519PublicKeySize, &account_key)) {
      return TruncatedError(kWhat, "account key");
    }
    key_set.account_key = std::string(account_key);
  }
  uint16_t count;
  if (!r.ReadU16(&count)) return TruncatedError(kWhat, "device count");
  absl::Status status = CheckHeader(has_account_key == 1, count);
  if (!status.ok()) return status;
  key_set.devices.reserve(count);
  absl::string_view previous_id;
  for (size_t i = 0; i < count; ++i) {
    absl::string_view id, key;
    if (!r.ReadU8Prefixed(&id)) {
      return TruncatedError(kWhat, absl::StrCat("device ", i, " id"));
    }
    if (!r.ReadU16Prefixed(&key)) {
      return TruncatedError(kWhat, absl::StrCat("device ", i, " key"));
    }
    status = CheckDevice(i, id, key, previous_id);
    if (!status.ok()) return status;
    previous_id = id;
    key_set.devices.push_back(Device{std::string(id), std::string(key)});
  }
  if (has_account_key == 1) {
    absl::string_view signature;
    if (!r.ReadBytes(kEd25519SignatureSize, &signature)) {
      return TruncatedError(kWhat, "signature");
    }
    key_set.signature = std::string(signature);
  }
  status = r.Finish(kWhat);
  if (!status.ok()) return status;
  return key_set;
}

absl::StatusOr<std::string> KeySetSignatureMessage(absl::string_view account, uint64_t version,
                                                   const KeySet& key_set) {
  absl::Status status = ValidateAccountId(account);
  if (!status.ok()) return status;
  if (version == 0) {
    return absl::InvalidArgumentError("key set signature: version must be at least 1");
  }
  size_t size;
  status = ValidateKeySet(key_set, /*check_signature=*/false, &size);
  if (!status.ok()) return status;
  if (!key_set.account_key.has_value()) {
    return absl::InvalidArgumentError("key set signature: the key set has no account key");
  }
  std::string out;
  out.reserve(kSignatureContext.size() + 2 + account.size() + 8 + size);
  ByteWriter w(&out);
  w.Bytes(kSignatureContext);
  w.U16Prefixed(account);  // at most 256 bytes: checked above
  w.U64(version);
  WriteSignedPart(key_set, &w);
  return out;
}

absl::Status SignKeySet(const Ed25519PrivateKey& account_key, absl::string_view account,
                        uint64_t version, KeySet* key_set) {
  KeySet signed_set = *key_set;
  signed_set.account_key = account_key.public_key().bytes();
  absl::StatusOr<std::string> message = KeySetSignatureMessage(account, version, signed_set);
  if (!message.ok()) return message.status();
  signed_set.signature = account_key.Sign(*message);
  *key_set = std::move(signed_set);
  return absl::OkStatus();
}

absl::Status VerifyKeySetSignature(absl::string_view account, uint64_t version,
                                   const KeySet& key_set) {
  absl::Status status = ValidateAccountId(account);
  if (!status.ok()) return status;
  size_t size;
  status = ValidateKeySet(key_set, /*check_signature=*/true, &size);
  if (!status.ok()) return status;
  if (!key_set.account_key.has_value()) return absl::OkStatus();
  if (version == 0) return SignatureError("version must be at least 1");
  absl::StatusOr<Ed25519PublicKey> account_key = Ed25519PublicKey::FromBytes(*key_set.account_key);
  if (!account_key.ok()) {
    return SignatureError(absl::StrCat("account key: ", account_key.status().message()));
  }
  absl::StatusOr<std::string> message = KeySetSignatureMessage(account, version, key_set);
  if (!message.ok()) return message.status();  // unreachable: checked above
  if (!account_key->Verify(*message, key_set.signature)) {
    return SignatureError(
        absl::StrCat("does not verify under the account key for version ", version));
  }
  return absl::OkStatus();
}

bool IsKeySetSignatureError(const absl::Status& status) {
  return status.code() == absl::StatusCode::kInvalidArgument &&
         status.GetPayload(kKeySetSignatureErrorUrl).has_value();
}

}  // namespace keytrail
