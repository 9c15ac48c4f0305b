// Fuzzes cosignature verification (core/note/cosignature.h). The input is a
// u16 length, that many bytes of checkpoint text, then the signature bytes
// (key hash, timestamp, Ed25519 signature). Properties: the timestamp
// Verify returns is CosignatureTimestamp's; a cosignature that verifies
// fails for any other text; the note-signature interface agrees.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "core/note/cosignature.h"
#include "fuzz/fixed_keys.h"
#include "fuzz/fuzz_check.h"

using namespace keytrail;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t text_len = std::min<size_t>((size_t{data[0]} << 8) | data[1], size - 2);
  absl::string_view text(reinterpret_cast<const char*>(data + 2), text_len);
  absl::string_view sig(reinterpret_cast<const char*>(data + 2 + text_len), size - 2 - text_len);
  static const note::CosignatureVerifier verifier = fuzz::MonitorSigner().Verifier();
  auto timestamp = verifier.Verify(text, sig);
  // CosignatureTimestamp and VerifyNoteSignature take the bytes after the
  // 4-byte key hash, as a parsed note line holds them.
  const absl::string_view after_hash = sig.size() >= 4 ? sig.substr(4) : "";
  auto parsed_timestamp = note::CosignatureTimestamp(after_hash);
  const bool as_note = sig.size() >= 4 && verifier.VerifyNoteSignature(text, after_hash);
  if (!timestamp.ok()) return 0;
  FUZZ_CHECK(sig.size() == note::kCosignatureSize);
  FUZZ_CHECK(parsed_timestamp.ok() && *parsed_timestamp == *timestamp);
  FUZZ_CHECK(*timestamp <= note::kMaxCosignatureTimestamp);
  FUZZ_CHECK(as_note);
  std::string other(text);
  other.push_back('x');
  FUZZ_CHECK(!verifier.Verify(other, sig).ok());
  return 0;
}
