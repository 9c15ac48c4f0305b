// Fuzzes DecodeMapProof and the map proof verifier (core/map/proof.h). The
// input is a 32-byte index, a 40-byte leaf value (u64 version, 32-byte
// head) and the encoded proof. Properties: what decodes re-encodes to the
// same bytes; the root a proof implies is the one the verifier accepts, for
// membership and non-membership alike, and nothing else; the verifier never
// crashes on a decoded proof.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "absl/strings/string_view.h"
#include "core/map/proof.h"
#include "fuzz/fuzz_check.h"

using namespace keytrail;
using keytrail::map::MapProof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 72) return 0;
  Hash index;
  std::memcpy(index.data(), data, 32);
  map::MapLeaf leaf;
  leaf.index = index;
  leaf.version = 0;
  for (int i = 0; i < 8; ++i) leaf.version = (leaf.version << 8) | data[32 + i];
  std::memcpy(leaf.head.data(), data + 40, 32);
  absl::string_view in(reinterpret_cast<const char*>(data + 72), size - 72);
  auto proof = map::DecodeMapProof(in);
  if (!proof.ok()) return 0;
  FUZZ_CHECK(map::EncodeMapProof(*proof) == in);
  auto again = map::DecodeMapProof(map::EncodeMapProof(*proof));
  FUZZ_CHECK(again.ok() && *again == *proof);

  const bool member = proof->terminal == MapProof::Terminal::kLeaf;
  auto root = map::MapRootFromProof(index, member ? &leaf : nullptr, *proof);
  if (!root.ok()) {
    FUZZ_CHECK(!map::VerifyMapMembership(Hash{}, leaf, *proof).ok());
    FUZZ_CHECK(!map::VerifyMapNonMembership(Hash{}, index, *proof).ok());
    return 0;
  }
  Hash wrong = *root;
  wrong[31] ^= 1;
  if (member) {
    FUZZ_CHECK(map::VerifyMapMembership(*root, leaf, *proof).ok());
    FUZZ_CHECK(!map::VerifyMapMembership(wrong, leaf, *proof).ok());
    FUZZ_CHECK(!map::VerifyMapNonMembership(*root, index, *proof).ok());
  } else {
    FUZZ_CHECK(map::VerifyMapNonMembership(*root, index, *proof).ok());
    FUZZ_CHECK(!map::VerifyMapNonMembership(wrong, index, *proof).ok());
    FUZZ_CHECK(!map::VerifyMapMembership(*root, leaf, *proof).ok());
  }
  return 0;
}
