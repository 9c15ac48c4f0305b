#include "verifier/cosignatures.h"

#include <set>
#include <string>

namespace keytrail {
namespace verifier {

size_t CountCosignatures(absl::string_view checkpoint_text,
                         const std::vector<note::NoteSignature>& lines,
                         const std::vector<note::CosignatureVerifier>& monitors) {
  std::set<std::string> counted;  // public keys of monitors that cosigned
  for (const note::CosignatureVerifier& m : monitors) {
    if (counted.count(m.public_key().bytes()) != 0) continue;
    for (const note::NoteSignature& line : lines) {
      if (line.name != m.name() || line.key_hash != m.key_hash()) continue;
      if (m.VerifyNoteSignature(checkpoint_text, line.signature)) {
        counted.insert(m.public_key().bytes());
        break;
      }
    }
  }
  return counted.size();
}

}  // namespace verifier
}  // namespace keytrail
