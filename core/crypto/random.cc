#include "core/crypto/random.h"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

namespace keytrail {

void RandomBytes(void* out, size_t n) {
  if (n == 0) return;
  if (RAND_bytes(static_cast<unsigned char*>(out), n) != 1) {
    std::fprintf(stderr, "keytrail: RAND_bytes failed; no randomness\n");
    std::abort();
  }
}

std::string RandomString(size_t n) {
  std::string s(n, '\0');
  RandomBytes(&s[0], n);
  return s;
}

}  // namespace keytrail
