#include "core/protocol/limits_message.h"

#include "core/protocol/limits.h"

namespace keytrail {

void FillLimits(v1::Limits* out) {
  out->set_max_account_id_bytes(kMaxAccountIdSize);
  out->set_max_device_id_bytes(kMaxDeviceIdSize);
  out->set_max_device_key_bytes(kMaxDeviceKeySize);
  out->set_max_devices(kMaxDevicesPerKeySet);
  out->set_max_key_set_bytes(kMaxKeySetSize);
  out->set_max_batch_updates(kMaxBatchUpdates);
  out->set_max_request_bytes(kMaxRequestBytes);
  out->set_max_history_versions(kMaxHistoryVersions);
  out->set_max_entries_per_request(kMaxEntriesPerRequest);
  out->set_max_answer_bytes(static_cast<uint32_t>(kMaxAnswerBytes));
  out->set_max_batch_lookups(kMaxBatchLookups);
}

}  // namespace keytrail
