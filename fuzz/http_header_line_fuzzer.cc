// Fuzzes ParseHeaderLine (core/http/client.h), which splits every response
// header line a peer sends. Properties: a parsed name is non-empty, holds
// no ':' and no surrounding blanks; the value has no surrounding blanks;
// both are substrings of the line in order; a status line never parses.
#include <cstddef>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "core/http/client.h"
#include "fuzz/fuzz_check.h"

using namespace keytrail;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view in(reinterpret_cast<const char*>(data), size);
  auto h = http::ParseHeaderLine(in);
  if (!h.has_value()) return 0;
  FUZZ_CHECK(!absl::StartsWith(in, "HTTP/"));
  const std::string& name = h->first;
  const std::string& value = h->second;
  FUZZ_CHECK(!name.empty());
  FUZZ_CHECK(name.find(':') == std::string::npos);
  FUZZ_CHECK(absl::StripAsciiWhitespace(name) == name);
  FUZZ_CHECK(absl::StripAsciiWhitespace(value) == value);
  const size_t at = in.find(name);
  FUZZ_CHECK(at != absl::string_view::npos);
  FUZZ_CHECK(in.find(value, at + name.size()) != absl::string_view::npos);
  return 0;
}
