#include "core/note/ed25519_key.h"

#include "core/note/text.h"

namespace keytrail {
namespace note {

absl::StatusOr<uint32_t> Ed25519KeyHash(absl::string_view name, uint8_t type,
                                        const Ed25519PublicKey& key, absl::string_view what) {
  absl::Status ok = CheckKeyName(name, what);
  if (!ok.ok()) return ok;
  return KeyHash(name, type, key.bytes());
}

}  // namespace note
}  // namespace keytrail
