#include "core/crypto/hmac.h"

#include <cstring>

namespace keytrail {

HmacSha256Key::HmacSha256Key(absl::string_view key) {
  unsigned char block[64] = {0};
  if (key.size() > sizeof(block)) {
    Hash k = Sha256Of(key);
    std::memcpy(block, k.data(), k.size());
  } else {
    std::memcpy(block, key.data(), key.size());
  }
  unsigned char ipad[64], opad[64];
  for (int i = 0; i < 64; ++i) {
    ipad[i] = block[i] ^ 0x36;
    opad[i] = block[i] ^ 0x5c;
  }
  inner_.Update(ipad, sizeof(ipad));
  outer_.Update(opad, sizeof(opad));
}

Hash HmacSha256Key::FinishMac(Sha256 inner) const {
  Hash inner_digest = inner.Finish();
  Sha256 outer = outer_;
  return outer.Update(inner_digest).Finish();
}

Hash HmacSha256Key::Mac(absl::string_view data) const {
  Sha256 inner = inner_;
  inner.Update(data);
  return FinishMac(inner);
}

Hash HmacSha256(absl::string_view key, absl::string_view data) {
  return HmacSha256Key(key).Mac(data);
}

}  // namespace keytrail
