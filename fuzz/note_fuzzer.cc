// Fuzzes ParseNote and OpenNote (core/note/note.h). Properties: what parses
// formats back to the same bytes; OpenNote agrees with ParseNote on
// structure; a note that opens under the fixed log key still opens after
// the round trip, with the same text and the same verified lines.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/note/note.h"
#include "fuzz/fixed_keys.h"
#include "fuzz/fuzz_check.h"

using namespace keytrail;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view in(reinterpret_cast<const char*>(data), size);
  static const note::Ed25519NoteVerifier log_key = fuzz::LogSigner().Verifier();
  static const note::CosignatureVerifier monitor_key = fuzz::MonitorSigner().Verifier();
  const std::vector<const note::NoteVerifier*> verifiers = {&log_key, &monitor_key};

  auto parsed = note::ParseNote(in);
  auto opened = note::OpenNote(in, verifiers);
  if (!parsed.ok()) {
    FUZZ_CHECK(!opened.ok());
    return 0;
  }
  const std::string formatted = note::FormatNote(*parsed);
  FUZZ_CHECK(formatted == in);
  FUZZ_CHECK(!parsed->signatures.empty() && parsed->signatures.size() <= note::kMaxNoteSignatures);
  if (!opened.ok()) return 0;
  FUZZ_CHECK(opened->text == parsed->text);
  FUZZ_CHECK(!opened->verified.empty());
  auto reopened = note::OpenNote(formatted, verifiers);
  FUZZ_CHECK(reopened.ok());
  FUZZ_CHECK(reopened->verified.size() == opened->verified.size());
  for (const auto& v : opened->verified) {
    FUZZ_CHECK(v.verifier->VerifyNoteSignature(opened->text, v.signature.signature));
  }
  return 0;
}
