#include "core/crypto/sha256.h"

#include <openssl/sha.h>

#include <cstdlib>

#include "core/bytes/encoding.h"

namespace keytrail {

static_assert(sizeof(SHA256_CTX) <= 128, "SHA256_CTX does not fit");

namespace {
SHA256_CTX* Ctx(unsigned char* storage) { return reinterpret_cast<SHA256_CTX*>(storage); }
}  // namespace

Hash HashFromView(absl::string_view s) {
  Hash h;
  if (s.size() != h.size()) std::abort();
  std::memcpy(h.data(), s.data(), h.size());
  return h;
}

std::string HashHex(const Hash& h) { return HexEncode(HashView(h)); }

bool HashFromBytes(absl::string_view s, Hash* out) {
  if (s.size() != kHashSize) return false;
  std::memcpy(out->data(), s.data(), kHashSize);
  return true;
}

Sha256::Sha256() { SHA256_Init(Ctx(ctx_)); }

Sha256& Sha256::Update(absl::string_view data) { return Update(data.data(), data.size()); }

Sha256& Sha256::Update(const void* data, size_t n) {
  SHA256_Update(Ctx(ctx_), data, n);
  return *this;
}

Hash Sha256::Finish() {
  Hash out;
  SHA256_Final(out.data(), Ctx(ctx_));
  return out;
}

Hash Sha256Of(absl::string_view data) { return Sha256().Update(data).Finish(); }

}  // namespace keytrail
