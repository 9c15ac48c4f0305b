#include "core/note/ed25519_note.h"

#include "absl/strings/str_cat.h"
#include "core/note/key_string.h"
#include "core/note/text.h"

namespace keytrail {
namespace note {

absl::StatusOr<Ed25519NoteVerifier> Ed25519NoteVerifier::Create(
    std::string name, Ed25519PublicKey key) {
  absl::Status ok = CheckKeyName(name, "note verifier");
  if (!ok.ok()) return ok;
  const uint32_t hash = KeyHash(name, kKeyTypeEd25519, key.bytes());
  return Ed25519NoteVerifier(std::move(name), hash, std::move(key));
}

std::string Ed25519NoteVerifier::VerifierKey() const {
  return FormatVerifierKey(name_, kKeyTypeEd25519, key_.bytes());
}

absl::StatusOr<Ed25519NoteSigner> Ed25519NoteSigner::Create(
    std::string name, Ed25519PrivateKey key) {
  absl::Status ok = CheckKeyName(name, "note signer");
  if (!ok.ok()) return ok;
  const uint32_t hash =
      KeyHash(name, kKeyTypeEd25519, key.public_key().bytes());
  return Ed25519NoteSigner(std::move(name), hash, std::move(key));
}

absl::StatusOr<Ed25519NoteSigner> Ed25519NoteSigner::Generate(
    std::string name) {
  return Create(std::move(name), Ed25519PrivateKey::Generate());
}

Ed25519NoteVerifier Ed25519NoteSigner::Verifier() const {
  // The name was checked when this signer was made.
  return Ed25519NoteVerifier(name_, key_hash_, key_.public_key());
}

std::string Ed25519NoteSigner::PrivateKeyString() const {
  return FormatPrivateKey(name_, key_hash_, kKeyTypeEd25519, key_.seed());
}

absl::StatusOr<Ed25519NoteVerifier> ParseVerifierKey(absl::string_view vkey) {
  constexpr absl::string_view kWhat = "note verifier key";
  auto parsed = ParseVerifierKeyString(vkey, kKeyTypeEd25519,
                                       kEd25519PublicKeySize, kWhat);
  if (!parsed.ok()) return parsed.status();
  auto key = Ed25519PublicKey::FromBytes(parsed->key);
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(kWhat, ": ", key.status().message()));
  }
  return Ed25519NoteVerifier::Create(parsed->name, *std::move(key));
}

absl::StatusOr<Ed25519NoteSigner> ParseSignerKey(absl::string_view skey) {
  constexpr absl::string_view kWhat = "note signer key";
  auto parsed =
      ParsePrivateKeyString(skey, kKeyTypeEd25519, kEd25519SeedSize, kWhat);
  if (!parsed.ok()) return parsed.status();
  auto key = Ed25519PrivateKey::FromSeed(parsed->key);
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(kWhat, ": ", key.status().message()));
  }
  auto signer = Ed25519NoteSigner::Create(parsed->name, *std::move(key));
  if (!signer.ok()) return signer.status();
  if (signer->key_hash() != parsed->key_hash) {
    return absl::InvalidArgumentError(absl::StrCat(
        kWhat, ": key hash does not match the name and the key's public key"));
  }
  return signer;
}

}  // namespace note
}  // namespace keytrail
