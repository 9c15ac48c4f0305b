#include "log_server/update_preparer.h"

#include "absl/strings/str_cat.h"
#include "core/protocol/limits.h"

namespace keytrail {

absl::StatusOr<KeySet> KeySetFromProto(const v1::KeySet& proto) {
  KeySet key_set;
  if (!proto.account_key().empty()) {
    if (proto.account_key().size() != kEd25519PublicKeySize) {
      return absl::InvalidArgumentError(absl::StrCat(
          "key set: account key must be empty or 32 bytes, got ",
          proto.account_key().size()));
    }
    key_set.account_key = proto.account_key();
  }
  if (proto.devices_size() > static_cast<int>(kMaxDevicesPerKeySet)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "key set: at most ", kMaxDevicesPerKeySet, " devices, got ", proto.devices_size()));
  }
  for (const v1::Device& d : proto.devices()) {
    key_set.devices.push_back(Device{d.device_id(), d.device_key(), d.signature()});
  }
  SortDevices(&key_set);
  return key_set;
}

absl::StatusOr<AccountRecord> UpdatePreparer::AccountIndex(
    absl::string_view account, const rocksdb::Snapshot* snapshot) const {
  auto stored = storage_.GetAccount(account, snapshot);
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) return **stored;
  AccountRecord fresh;
  fresh.vrf_proof = vrf_key_.Prove(account);
  auto beta = VrfProofToHash(fresh.vrf_proof);
  if (!beta.ok()) return absl::InternalError("VRF proof of our own key does not decode");
  fresh.index = *beta;
  return fresh;
}

absl::StatusOr<PreparedUpdate> UpdatePreparer::Prepare(
    const v1::UpdateRequest& request) const {
  absl::Status s = ValidateAccountId(request.account());
  if (!s.ok()) return s;
  auto key_set = KeySetFromProto(request.key_set());
  if (!key_set.ok()) return key_set.status();
  auto encoded = EncodeKeySet(*key_set);
  if (!encoded.ok()) return encoded.status();
  if (key_set->account_key.has_value()) {
    s = VerifyDeviceSignatures(request.account(), *key_set);
    if (!s.ok()) return s;
  }
  auto state = published_.Get();
  auto record = AccountIndex(request.account(), state ? state->snapshot.get() : nullptr);
  if (!record.ok()) return record.status();

  PreparedUpdate prepared;
  prepared.account = request.account();
  prepared.account_record = *std::move(record);
  prepared.key_set = *std::move(encoded);
  if (request.has_expected_version()) prepared.expected_version = request.expected_version();
  return prepared;
}

}  // namespace keytrail
