#include "verifier/contact_code.h"

#include <cstdint>

#include "absl/strings/str_format.h"
#include "core/crypto/sha256.h"

namespace keytrail {
namespace verifier {
namespace {

void PutLength(Sha256* h, uint64_t n, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) h->UpdateU8(static_cast<uint8_t>(n >> (8 * i)));
}

Hash Fingerprint(absl::string_view account, absl::string_view identity) {
  Sha256 h;
  h.Update("keytrail identity v1").UpdateU8(0);
  PutLength(&h, account.size(), 2);
  h.Update(account);
  PutLength(&h, identity.size(), 4);
  h.Update(identity);
  return h.Finish();
}

// 12 decimal digits from the first 8 bytes of `digest`, "dddd dddd dddd".
std::string Digits(const Hash& digest) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | digest[i];
  v %= 1000000000000ULL;
  return absl::StrFormat("%04d %04d %04d", static_cast<int>(v / 100000000),
                         static_cast<int>(v / 10000 % 10000), static_cast<int>(v % 10000));
}

}  // namespace

std::string CodeIdentity(const KeySet& key_set, absl::string_view key_set_bytes) {
  if (key_set.account_key.has_value()) return *key_set.account_key;
  return std::string(key_set_bytes);
}

std::string PairCode(absl::string_view account_a, absl::string_view identity_a,
                     absl::string_view account_b, absl::string_view identity_b) {
  Hash fa = Fingerprint(account_a, identity_a);
  Hash fb = Fingerprint(account_b, identity_b);
  if (fb < fa) std::swap(fa, fb);
  Sha256 h;
  h.Update("keytrail pair code v1").UpdateU8(0).Update(fa).Update(fb);
  return Digits(h.Finish());
}

std::string AccountCode(absl::string_view account, absl::string_view identity) {
  Sha256 h;
  h.Update("keytrail account code v1").UpdateU8(0).Update(Fingerprint(account, identity));
  return Digits(h.Finish());
}

}  // namespace verifier
}  // namespace keytrail
