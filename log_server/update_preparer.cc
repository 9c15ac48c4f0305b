#include "log_server/update_preparer.h"

#include "absl/strings/str_cat.h"
#include "core/crypto/random.h"
#include "core/protocol/limits.h"
#include "log_server/account_index.h"

namespace keytrail {

absl::StatusOr<KeySet> KeySetFromProto(const v1::KeySet& proto) {
  KeySet key_set;
  if (!proto.account_key().empty()) {
    if (proto.account_key().size() != kEd25519PublicKeySize) {
      return absl::InvalidArgumentError(absl::StrCat(
          "key set: account key must be empty or 32 bytes, got ", proto.account_key().size()));
    }
    key_set.account_key = proto.account_key();
  }
  if (proto.devices_size() > static_cast<int>(kMaxDevicesPerKeySet)) {
    return absl::InvalidArgumentError(absl::StrCat("key set: at most ", kMaxDevicesPerKeySet,
                                                   " devices, got ", proto.devices_size()));
  }
  for (const v1::Device& d : proto.devices()) {
    key_set.devices.push_back(Device{d.device_id(), d.device_key()});
  }
  key_set.signature = proto.signature();
  SortDevices(&key_set);
  return key_set;
}

absl::StatusOr<PreparedUpdate> UpdatePreparer::Prepare(const v1::UpdateRequest& request) const {
  absl::Status s = ValidateAccountId(request.account());
  if (!s.ok()) return s;
  auto key_set = KeySetFromProto(request.key_set());
  if (!key_set.ok()) return key_set.status();
  auto encoded = EncodeKeySet(*key_set);
  if (!encoded.ok()) return encoded.status();
  if (key_set->account_key.has_value()) {
    // The signature covers the version this update becomes. Only a
    // conditional update knows it: the sequencer applies it only if the
    // account is still at expected_version, so it becomes exactly
    // expected_version + 1. A signature over any other version (an old key
    // set replayed, a removed device re-added) fails here.
    if (!request.has_expected_version()) {
      return absl::InvalidArgumentError(
          "expected_version: required for a key set with an account key (its signature "
          "covers the version the update becomes, expected_version + 1)");
    }
    if (request.expected_version() == UINT64_MAX) {
      return absl::InvalidArgumentError("expected_version: 2^64-1 leaves no next version to sign");
    }
    s = VerifyKeySetSignature(request.account(), request.expected_version() + 1, *key_set);
    if (!s.ok()) return s;
  }
  auto state = published_.Get();
  const LogReader reader = storage_.Reader(state ? state->snapshot.get() : nullptr);
  auto index = FindAccountIndex(reader, vrf_key_, request.account());
  if (!index.ok()) return index.status();

  PreparedUpdate prepared;
  prepared.opening = RandomString(kOpeningSize);
  if (state != nullptr) {
    // Read the leaf here, in parallel, so the sequencer usually needn't.
    prepared.leaf_epoch = state->log.epoch;
    if (index->stored) {
      auto leaf = reader.MapReader().GetLeaf(index->record.index);
      if (!leaf.ok()) return leaf.status();
      prepared.leaf = *leaf;
    }
  }
  prepared.account = request.account();
  prepared.account_record = std::move(index->record);
  prepared.key_set = *std::move(encoded);
  if (request.has_expected_version()) prepared.expected_version = request.expected_version();
  return prepared;
}

}  // namespace keytrail
