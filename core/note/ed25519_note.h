// Ed25519 note keys (c2sp.org/signed-note, signature type 0x01), compatible
// with Go's golang.org/x/mod/sumdb/note:
//
//   key hash      SHA-256(name || "\n" || 0x01 || 32-byte public key)[:4]
//   signature     Ed25519 (RFC 8032) over the note text, 64 bytes
//   verifier key  <name>+<hash as %08x>+<base64(0x01 || public key)>
//   private key   PRIVATE+KEY+<name>+<hash>+<base64(0x01 || 32-byte seed)>
//
// Key-string parsing rules and the choices where the specs are silent are in
// key_string.h. Both classes are immutable values, safe to share between
// threads. A private key string is a secret: never log it.
#ifndef KEYTRAIL_CORE_NOTE_ED25519_NOTE_H_
#define KEYTRAIL_CORE_NOTE_ED25519_NOTE_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/ed25519.h"
#include "core/note/verifier.h"

namespace keytrail {
namespace note {

class Ed25519NoteVerifier final : public NoteVerifier {
 public:
  // InvalidArgument if `name` is not a valid key name (text.h).
  static absl::StatusOr<Ed25519NoteVerifier> Create(std::string name, Ed25519PublicKey key);

  const std::string& name() const override { return name_; }
  uint32_t key_hash() const override { return key_hash_; }
  const Ed25519PublicKey& public_key() const { return key_; }

  // True iff `sig` is a valid 64-byte Ed25519 signature of `text`.
  bool Verify(absl::string_view text, absl::string_view sig) const {
    return key_.Verify(text, sig);
  }
  bool VerifyNoteSignature(absl::string_view text, absl::string_view sig) const override {
    return Verify(text, sig);
  }

  // "<name>+<hash>+<base64(0x01 || public key)>".
  std::string VerifierKey() const;

 private:
  Ed25519NoteVerifier(std::string name, uint32_t key_hash, Ed25519PublicKey key)
      : name_(std::move(name)), key_hash_(key_hash), key_(std::move(key)) {}
  friend class Ed25519NoteSigner;
  std::string name_;
  uint32_t key_hash_;
  Ed25519PublicKey key_;
};

class Ed25519NoteSigner final : public NoteSigner {
 public:
  // InvalidArgument if `name` is not a valid key name (text.h).
  static absl::StatusOr<Ed25519NoteSigner> Create(std::string name, Ed25519PrivateKey key);
  // A fresh key from the crypto library's DRBG. InvalidArgument for a bad
  // name.
  static absl::StatusOr<Ed25519NoteSigner> Generate(std::string name);

  const std::string& name() const override { return name_; }
  uint32_t key_hash() const override { return key_hash_; }

  // The deterministic 64-byte Ed25519 signature of `text`.
  std::string Sign(absl::string_view text) const override { return key_.Sign(text); }

  Ed25519NoteVerifier Verifier() const;
  std::string VerifierKey() const { return Verifier().VerifierKey(); }
  // Go's "PRIVATE+KEY+<name>+<hash>+<base64(0x01 || seed)>". SECRET.
  std::string PrivateKeyString() const;

 private:
  Ed25519NoteSigner(std::string name, uint32_t key_hash, Ed25519PrivateKey key)
      : name_(std::move(name)), key_hash_(key_hash), key_(std::move(key)) {}
  std::string name_;
  uint32_t key_hash_;
  Ed25519PrivateKey key_;
};

// Parses a verifier key. InvalidArgument "note verifier key: <reason>" if it
// is malformed, has another type byte, a public key not 32 bytes, or a key
// hash that does not match; the message never quotes the input.
absl::StatusOr<Ed25519NoteVerifier> ParseVerifierKey(absl::string_view vkey);

// Parses Go's private key string. InvalidArgument "note signer key:
// <reason>" as above, including a key hash that does not match the public key
// derived from the seed; the message never quotes the input.
absl::StatusOr<Ed25519NoteSigner> ParseSignerKey(absl::string_view skey);

}  // namespace note
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_NOTE_ED25519_NOTE_H_
