#include "core/protocol/key_set_message.h"

namespace keytrail {

void FillKeySet(const KeySet& key_set, v1::KeySet* out) {
  out->Clear();
  if (key_set.account_key) {
    out->set_account_key(*key_set.account_key);
    out->set_signature(key_set.signature);
  }
  for (const Device& d : key_set.devices) {
    v1::Device* p = out->add_devices();
    p->set_device_id(d.device_id);
    p->set_device_key(d.device_key);
  }
}

}  // namespace keytrail
