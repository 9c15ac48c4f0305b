// Which cryptographic library this build of the crypto module uses. Part of
// the crypto module; thread-safe.
#ifndef KEYTRAIL_CORE_CRYPTO_LIBRARY_H_
#define KEYTRAIL_CORE_CRYPTO_LIBRARY_H_

#include <string>

namespace keytrail {

// "BoringSSL" or the OpenSSL version string, e.g. "OpenSSL 3.0.19 ...".
std::string CryptoLibraryName();

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_CRYPTO_LIBRARY_H_
