#include "core/note/ed25519_note.h"

#include "core/note/ed25519_key.h"
#include "core/note/key_string.h"

namespace keytrail {
namespace note {

absl::StatusOr<Ed25519NoteVerifier> Ed25519NoteVerifier::Create(std::string name,
                                                                Ed25519PublicKey key) {
  auto hash = Ed25519KeyHash(name, kKeyTypeEd25519, key, "note verifier");
  if (!hash.ok()) return hash.status();
  return Ed25519NoteVerifier(std::move(name), *hash, std::move(key));
}

std::string Ed25519NoteVerifier::VerifierKey() const {
  return FormatVerifierKey(name_, kKeyTypeEd25519, key_.bytes());
}

absl::StatusOr<Ed25519NoteSigner> Ed25519NoteSigner::Create(std::string name,
                                                            Ed25519PrivateKey key) {
  auto hash = Ed25519KeyHash(name, kKeyTypeEd25519, key.public_key(), "note signer");
  if (!hash.ok()) return hash.status();
  return Ed25519NoteSigner(std::move(name), *hash, std::move(key));
}

absl::StatusOr<Ed25519NoteSigner> Ed25519NoteSigner::Generate(std::string name) {
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
  return ParseEd25519VerifierKey<Ed25519NoteVerifier>(vkey, kKeyTypeEd25519, "note verifier key");
}

absl::StatusOr<Ed25519NoteSigner> ParseSignerKey(absl::string_view skey) {
  return ParseEd25519SignerKey<Ed25519NoteSigner>(skey, kKeyTypeEd25519, "note signer key");
}

}  // namespace note
}  // namespace keytrail
