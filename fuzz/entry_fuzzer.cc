// Fuzzes DecodeEntry (core/protocol/entry.h). Properties: what decodes
// re-encodes to the same bytes; the kind-specific decoders agree with it.
#include <cstddef>
#include <cstdint>
#include <variant>

#include "absl/strings/string_view.h"
#include "core/protocol/entry.h"
#include "fuzz/fuzz_check.h"

using namespace keytrail;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view in(reinterpret_cast<const char*>(data), size);
  auto entry = DecodeEntry(in);
  auto update = DecodeUpdateEntry(in);
  auto epoch = DecodeEpochEntry(in);
  if (!entry.ok()) {
    FUZZ_CHECK(!update.ok() && !epoch.ok());
    return 0;
  }
  if (const auto* u = std::get_if<UpdateEntry>(&*entry)) {
    FUZZ_CHECK(EncodeEntry(*u) == in);
    FUZZ_CHECK(u->version >= 1);
    FUZZ_CHECK(update.ok() && *update == *u && !epoch.ok());
  } else {
    const auto& e = std::get<EpochEntry>(*entry);
    FUZZ_CHECK(EncodeEntry(e) == in);
    FUZZ_CHECK(epoch.ok() && *epoch == e && !update.ok());
  }
  return 0;
}
