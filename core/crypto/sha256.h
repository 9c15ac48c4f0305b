// SHA-256, the hash every keytrail structure is built on.
//
// Part of the crypto module: the only code in keytrail that includes
// OpenSSL/BoringSSL headers. It uses the SHA256_CTX interface, which both
// libraries share and which avoids OpenSSL 3's per-call provider lookup
// (about 4x the throughput of EVP one-shots on the small inputs Merkle trees
// hash; see ../shared/BUILDING.md). Thread-compatible: a Sha256 object is used
// by one thread at a time; the free functions are thread-safe.
#ifndef KEYTRAIL_CORE_CRYPTO_SHA256_H_
#define KEYTRAIL_CORE_CRYPTO_SHA256_H_

#include <array>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"

namespace keytrail {

// A SHA-256 digest.
using Hash = std::array<uint8_t, 32>;
constexpr size_t kHashSize = 32;

inline absl::string_view HashView(const Hash& h) {
  return absl::string_view(reinterpret_cast<const char*>(h.data()), h.size());
}
inline std::string HashString(const Hash& h) { return std::string(HashView(h)); }
// The 64 lowercase hex digits of `h`, for messages and file names that name a
// root, head or index.
std::string HashHex(const Hash& h);
// REQUIRES: s.size() == kHashSize (callers check lengths of untrusted input
// first; see HashFromBytes for the checked form).
Hash HashFromView(absl::string_view s);
// False (and *out untouched) unless s is exactly 32 bytes.
bool HashFromBytes(absl::string_view s, Hash* out);

// Incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  Sha256& Update(absl::string_view data);
  Sha256& Update(const Hash& h) { return Update(HashView(h)); }
  Sha256& Update(const void* data, size_t n);
  Sha256& UpdateU8(uint8_t v) { return Update(&v, 1); }
  // Finishes and returns the digest; the object must not be used afterwards.
  Hash Finish();

 private:
  // Storage for SHA256_CTX (112 bytes in both libraries; checked statically
  // in sha256.cc), kept opaque so this header needs no OpenSSL include.
  alignas(8) unsigned char ctx_[128];
};

Hash Sha256Of(absl::string_view data);

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_CRYPTO_SHA256_H_
