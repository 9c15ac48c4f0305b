#include "core/crypto/library.h"

#include "gtest/gtest.h"

namespace keytrail {
namespace {

// The build configuration (KEYTRAIL_BORINGSSL is set by --config=boringssl)
// and the library actually linked must agree: this is what shows the
// BoringSSL test run really exercised BoringSSL.
TEST(CryptoLibraryTest, MatchesBuildConfiguration) {
#if defined(KEYTRAIL_BORINGSSL)
  EXPECT_EQ(CryptoLibraryName(), "BoringSSL");
#else
  EXPECT_EQ(CryptoLibraryName().rfind("OpenSSL 3", 0), 0u) << CryptoLibraryName();
#endif
}

}  // namespace
}  // namespace keytrail
