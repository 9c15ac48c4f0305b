// What the two Ed25519 note key kinds share (internal to core/note): the
// Ed25519 note key (type 0x01, ed25519_note.h) and the tlog-cosignature key
// (type 0x04, cosignature.h) differ only in their type byte, so making their
// key hash and parsing their key strings is written once here.
//
// Errors are InvalidArgument "<what>: <reason>", as in key_string.h; nothing
// quotes the input. Stateless and thread-safe.
#ifndef KEYTRAIL_CORE_NOTE_ED25519_KEY_H_
#define KEYTRAIL_CORE_NOTE_ED25519_KEY_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/crypto/ed25519.h"
#include "core/note/key_string.h"

namespace keytrail {
namespace note {

// The key hash of an Ed25519 key of `type` named `name`, once the name is
// checked (CheckKeyName, text.h). InvalidArgument "<what>: ..." for a bad
// name.
absl::StatusOr<uint32_t> Ed25519KeyHash(absl::string_view name, uint8_t type,
                                        const Ed25519PublicKey& key, absl::string_view what);

// Parses a verifier key of `type` into Verifier::Create(name, public key).
template <typename Verifier>
absl::StatusOr<Verifier> ParseEd25519VerifierKey(absl::string_view vkey, uint8_t type,
                                                 absl::string_view what) {
  auto parsed = ParseVerifierKeyString(vkey, type, kEd25519PublicKeySize, what);
  if (!parsed.ok()) return parsed.status();
  auto key = Ed25519PublicKey::FromBytes(parsed->key);
  if (!key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", key.status().message()));
  }
  return Verifier::Create(parsed->name, *std::move(key));
}

// Parses a private key string of `type` into Signer::Create(name, key) and
// checks that its key hash matches the name and the derived public key.
template <typename Signer>
absl::StatusOr<Signer> ParseEd25519SignerKey(absl::string_view skey, uint8_t type,
                                             absl::string_view what) {
  auto parsed = ParsePrivateKeyString(skey, type, kEd25519SeedSize, what);
  if (!parsed.ok()) return parsed.status();
  auto key = Ed25519PrivateKey::FromSeed(parsed->key);
  if (!key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", key.status().message()));
  }
  auto signer = Signer::Create(parsed->name, *std::move(key));
  if (!signer.ok()) return signer.status();
  if (signer->key_hash() != parsed->key_hash) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": key hash does not match the name and the key's public key"));
  }
  return signer;
}

}  // namespace note
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_NOTE_ED25519_KEY_H_
