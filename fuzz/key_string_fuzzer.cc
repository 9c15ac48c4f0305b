// Fuzzes the key-string parsers: note verifier and signer keys
// (core/note/ed25519_note.h), cosignature keys (core/note/cosignature.h) and
// VRF keys (core/keys/keys.h). The first input byte picks the parser.
// Property: what parses formats back to exactly the same string.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "core/keys/keys.h"
#include "core/note/cosignature.h"
#include "core/note/ed25519_note.h"
#include "fuzz/fuzz_check.h"

using namespace keytrail;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  absl::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 6) {
    case 0: {
      auto k = note::ParseVerifierKey(in);
      if (k.ok()) FUZZ_CHECK(k->VerifierKey() == in);
      break;
    }
    case 1: {
      auto k = note::ParseSignerKey(in);
      if (k.ok()) {
        FUZZ_CHECK(k->PrivateKeyString() == in);
        // The signer's own signatures verify under its verifier key.
        auto v = note::ParseVerifierKey(k->VerifierKey());
        FUZZ_CHECK(v.ok() && v->Verify("text\n", k->Sign("text\n")));
      }
      break;
    }
    case 2: {
      auto k = note::ParseCosignatureVerifierKey(in);
      if (k.ok()) FUZZ_CHECK(k->VerifierKey() == in);
      break;
    }
    case 3: {
      auto k = note::ParseCosignatureSignerKey(in);
      if (k.ok()) FUZZ_CHECK(k->PrivateKeyString() == in);
      break;
    }
    case 4: {
      auto k = ParseVrfPublicKeyString(in);
      if (k.ok()) FUZZ_CHECK(FormatVrfPublicKeyString(k->name, k->key) == in);
      break;
    }
    case 5: {
      auto k = ParseVrfPrivateKeyString(in);
      if (k.ok()) FUZZ_CHECK(FormatVrfPrivateKeyString(k->name, k->key) == in);
      break;
    }
  }
  return 0;
}
