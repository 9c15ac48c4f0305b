// Fuzzes ParseCheckpoint (core/note/checkpoint.h). Properties: what parses
// formats back to the same bytes, and parses again to an equal checkpoint.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "core/note/checkpoint.h"
#include "fuzz/fuzz_check.h"

using namespace keytrail;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view in(reinterpret_cast<const char*>(data), size);
  auto checkpoint = note::ParseCheckpoint(in);
  if (!checkpoint.ok()) return 0;
  FUZZ_CHECK(!checkpoint->origin.empty());
  const std::string formatted = note::FormatCheckpoint(*checkpoint);
  FUZZ_CHECK(formatted == in);
  auto again = note::ParseCheckpoint(formatted);
  FUZZ_CHECK(again.ok() && *again == *checkpoint);
  return 0;
}
