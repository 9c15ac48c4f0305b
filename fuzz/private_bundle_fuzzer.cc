// Fuzzes DecodePrivatePart and OpenPrivatePart (core/replica/private_bundle.h),
// which read the private epoch bundles a replica fetches from object storage.
// The first input byte selects: even = the bytes are a plaintext part, odd =
// a sealed part of epoch 7 part 1 of "fuzz.example" under a fixed key.
// Properties: a plaintext that decodes re-encodes to the same bytes; a
// sealed part opens only if it re-seals to exactly the same bytes (one
// sealing per plaintext) and then names epoch 7 part 1. Seeds
// (fuzz/corpus/private_bundle_fuzzer) are written by hand with the library.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "core/replica/private_bundle.h"
#include "fuzz/fuzz_check.h"

using namespace keytrail::replica;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const ReplicaKey* const key = [] {
    auto k = ReplicaKey::FromBytes(std::string(32, '\x5a'));
    FUZZ_CHECK(k.ok());
    return new ReplicaKey(*k);
  }();
  absl::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    auto part = DecodePrivatePart(in);
    if (part.ok()) FUZZ_CHECK(EncodePrivatePart(*part) == in);
    return 0;
  }
  auto part = OpenPrivatePart(*key, "fuzz.example", 7, 1, in);
  if (part.ok()) {
    FUZZ_CHECK(part->epoch == 7 && part->part == 1);
    FUZZ_CHECK(SealPrivatePart(*key, "fuzz.example", *part) == in);
  }
  return 0;
}
