// Cryptographically secure random bytes from the library's DRBG
// (RAND_bytes). Part of the crypto module. Thread-safe.
#ifndef KEYTRAIL_CORE_CRYPTO_RANDOM_H_
#define KEYTRAIL_CORE_CRYPTO_RANDOM_H_

#include <cstddef>
#include <string>

namespace keytrail {

// Fills out[0, n). Aborts if the system cannot supply randomness: no caller
// can do anything safe without it.
void RandomBytes(void* out, size_t n);
std::string RandomString(size_t n);

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_CRYPTO_RANDOM_H_
