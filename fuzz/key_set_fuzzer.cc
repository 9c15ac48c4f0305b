// Fuzzes DecodeKeySet (core/protocol/key_set.h). Properties: what decodes
// re-encodes to the same bytes; a decoded key set is within the limits;
// checking its signatures never crashes, and a key set whose signatures
// verify still verifies after the round trip.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "core/protocol/key_set.h"
#include "fuzz/fuzz_check.h"

using namespace keytrail;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view in(reinterpret_cast<const char*>(data), size);
  auto key_set = DecodeKeySet(in);
  if (!key_set.ok()) return 0;
  auto encoded = EncodeKeySet(*key_set);
  FUZZ_CHECK(encoded.ok());
  FUZZ_CHECK(*encoded == in);
  FUZZ_CHECK(key_set->devices.size() <= 32);
  auto again = DecodeKeySet(*encoded);
  FUZZ_CHECK(again.ok() && *again == *key_set);
  // The signed seed is signed as version 1 of account "alice"
  // (fuzz/make_seeds.cc).
  const bool verifies = VerifyKeySetSignature("alice", 1, *key_set).ok();
  FUZZ_CHECK(VerifyKeySetSignature("alice", 1, *again).ok() == verifies);
  if (verifies && key_set->account_key.has_value()) {
    // A signature is bound to its account and its version.
    FUZZ_CHECK(!VerifyKeySetSignature("mallory", 1, *key_set).ok());
    FUZZ_CHECK(!VerifyKeySetSignature("alice", 2, *key_set).ok());
  }
  return 0;
}
