// Fuzzes ParseCheckpointPath (monitor/witness_http.h), the monitoring
// endpoint's path parser. Properties: a result is 64 lowercase hex digits
// and the path is exactly "/" + it + "/checkpoint".
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_check.h"
#include "monitor/witness_http.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path(reinterpret_cast<const char*>(data), size);
  const std::string hex = keytrail::monitor::ParseCheckpointPath(path);
  if (hex.empty()) return 0;
  FUZZ_CHECK(hex.size() == 64);
  for (char c : hex) FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  FUZZ_CHECK(path == "/" + hex + "/checkpoint");
  return 0;
}
