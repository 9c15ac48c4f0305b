#include "core/crypto/library.h"

#include <openssl/crypto.h>

namespace keytrail {

std::string CryptoLibraryName() {
#if defined(OPENSSL_IS_BORINGSSL)
  return "BoringSSL";
#else
  return OpenSSL_version(OPENSSL_VERSION);
#endif
}

}  // namespace keytrail
