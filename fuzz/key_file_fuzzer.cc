// Fuzzes key-file contents (core/keys/key_file.h: KeyFileLine, the check
// ReadKeyFile applies to the bytes it read). Properties: the key line it
// returns is the file minus at most one final newline and holds no control
// character; written back as a file of its own (line + "\n") it reads back
// the same.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/keys/key_file.h"
#include "fuzz/fuzz_check.h"

using namespace keytrail;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view in(reinterpret_cast<const char*>(data), size);
  auto line = KeyFileLine("fuzz", in);
  if (!line.ok()) return 0;
  FUZZ_CHECK(!line->empty());
  FUZZ_CHECK(*line == in || absl::StrCat(*line, "\n") == in);
  for (char c : *line) FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20);
  // (A line of exactly kMaxKeyFileSize bytes fits only without its newline.)
  if (line->size() >= kMaxKeyFileSize) return 0;
  auto again = KeyFileLine("fuzz", absl::StrCat(*line, "\n"));
  FUZZ_CHECK(again.ok() && *again == *line);
  return 0;
}
