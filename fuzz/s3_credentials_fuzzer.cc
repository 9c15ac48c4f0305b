// Fuzzes the S3 tile store's credentials file (core/tiles/s3_store.h:
// ParseS3Credentials). Properties: on success both keys are non-empty
// printable ASCII without ':' or spaces, the file is exactly
// "ACCESS:SECRET" with at most one final newline, and that line parses back
// to the same keys.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/tiles/s3_store.h"
#include "fuzz/fuzz_check.h"

using namespace keytrail;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view in(reinterpret_cast<const char*>(data), size);
  auto creds = tiles::ParseS3Credentials("fuzz", in);
  if (!creds.ok()) return 0;
  FUZZ_CHECK(!creds->access_key.empty() && !creds->secret_key.empty());
  for (const std::string* key : {&creds->access_key, &creds->secret_key}) {
    for (char c : *key) FUZZ_CHECK(c > ' ' && c < 0x7f && c != ':');
  }
  const std::string line = absl::StrCat(creds->access_key, ":", creds->secret_key);
  FUZZ_CHECK(line == in || absl::StrCat(line, "\n") == in);
  auto again = tiles::ParseS3Credentials("fuzz", line);
  FUZZ_CHECK(again.ok() && again->access_key == creds->access_key &&
             again->secret_key == creds->secret_key);
  return 0;
}
