// Ed25519 checkpoint cosignatures, c2sp.org/tlog-cosignature "cosignature/v1"
// (signature type 0x04), as a witness or monitor makes them:
//
//   key hash        SHA-256(name || "\n" || 0x04 || 32-byte public key)[:4]
//   signed message  "cosignature/v1\ntime <timestamp>\n" || checkpoint text
//                   (timestamp: ASCII decimal, no leading zeros; the text is
//                   the whole note text, extension lines included)
//   signature line  — <name> base64(key hash || timestamp (u64, big-endian,
//                   POSIX seconds) || 64-byte Ed25519 signature)
//   verifier key    <name>+<hash>+<base64(0x04 || public key)>   (per spec)
//   private key     PRIVATE+KEY+<name>+<hash>+<base64(0x04 || 32-byte seed)>
//
// The private-key string is keytrail's choice: the spec defines none, so we
// use Go's note-key shape with the cosignature type byte, which keeps it from
// ever being mistaken for a note signing key of the same seed.
// Timestamps above 2^63 - 1 are invalid (spec). Verifiers here do not reject
// timestamps in the future (the spec allows it); that is the caller's policy.
// The v1 message does not commit to the cosigner's name, so one Ed25519 key
// must not serve two cosigner names (spec); nothing here can enforce that.
//
// Both classes are immutable values, safe to share between threads. A
// private key string is a secret: never log it.
#ifndef KEYTRAIL_CORE_NOTE_COSIGNATURE_H_
#define KEYTRAIL_CORE_NOTE_COSIGNATURE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/ed25519.h"
#include "core/note/note.h"
#include "core/note/verifier.h"

namespace keytrail {
namespace note {

// Key hash, timestamp, Ed25519 signature: the decoded signature-line bytes.
constexpr size_t kCosignatureSize = 4 + 8 + kEd25519SignatureSize;
constexpr uint64_t kMaxCosignatureTimestamp = (uint64_t{1} << 63) - 1;

// The message a cosigner signs.
std::string CosignatureMessage(absl::string_view checkpoint_text, uint64_t timestamp);

class CosignatureVerifier final : public NoteVerifier {
 public:
  // InvalidArgument if `name` is not a valid key name (text.h).
  static absl::StatusOr<CosignatureVerifier> Create(std::string name, Ed25519PublicKey key);

  const std::string& name() const override { return name_; }
  uint32_t key_hash() const override { return key_hash_; }
  const Ed25519PublicKey& public_key() const { return key_; }

  // Verifies `signature_bytes` (kCosignatureSize bytes: key hash, timestamp,
  // signature, as CosignatureSigner::Sign makes them) over the checkpoint
  // note text. Returns the timestamp, or InvalidArgument "cosignature: ..."
  // for a wrong length, another key's hash, a timestamp above 2^63 - 1, or a
  // signature that does not verify.
  absl::StatusOr<uint64_t> Verify(absl::string_view checkpoint_text,
                                  absl::string_view signature_bytes) const;

  // NoteVerifier: `signature` is the line's bytes after the key hash
  // (timestamp and signature).
  bool VerifyNoteSignature(absl::string_view text, absl::string_view signature) const override;

  // "<name>+<hash>+<base64(0x04 || public key)>".
  std::string VerifierKey() const;

 private:
  CosignatureVerifier(std::string name, uint32_t key_hash, Ed25519PublicKey key)
      : name_(std::move(name)), key_hash_(key_hash), key_(std::move(key)) {}
  absl::StatusOr<uint64_t> VerifyTimestamped(absl::string_view text,
                                             absl::string_view signature) const;
  friend class CosignatureSigner;
  std::string name_;
  uint32_t key_hash_;
  Ed25519PublicKey key_;
};

class CosignatureSigner {
 public:
  // InvalidArgument if `name` is not a valid key name (text.h).
  static absl::StatusOr<CosignatureSigner> Create(std::string name, Ed25519PrivateKey key);
  // A fresh key from the crypto library's DRBG.
  static absl::StatusOr<CosignatureSigner> Generate(std::string name);

  const std::string& name() const { return name_; }
  uint32_t key_hash() const { return key_hash_; }

  // The kCosignatureSize signature-line bytes (key hash || timestamp ||
  // Ed25519 signature) cosigning `checkpoint_text` at `timestamp` (POSIX
  // seconds). The caller checked the checkpoint before cosigning it.
  // REQUIRES: timestamp <= kMaxCosignatureTimestamp (aborts otherwise).
  std::string Sign(absl::string_view checkpoint_text, uint64_t timestamp) const;
  // The same, as a signature to add to a Note's signatures.
  NoteSignature SignAsNoteSignature(absl::string_view checkpoint_text, uint64_t timestamp) const;

  CosignatureVerifier Verifier() const;
  std::string VerifierKey() const { return Verifier().VerifierKey(); }
  // "PRIVATE+KEY+<name>+<hash>+<base64(0x04 || seed)>". SECRET.
  std::string PrivateKeyString() const;

 private:
  CosignatureSigner(std::string name, uint32_t key_hash, Ed25519PrivateKey key)
      : name_(std::move(name)), key_hash_(key_hash), key_(std::move(key)) {}
  std::string name_;
  uint32_t key_hash_;
  Ed25519PrivateKey key_;
};

// InvalidArgument "cosignature verifier key: <reason>" as ParseVerifierKey
// (ed25519_note.h), with type byte 0x04.
absl::StatusOr<CosignatureVerifier> ParseCosignatureVerifierKey(absl::string_view vkey);
// InvalidArgument "cosignature signer key: <reason>" as ParseSignerKey, with
// type byte 0x04; never quotes the input.
absl::StatusOr<CosignatureSigner> ParseCosignatureSignerKey(absl::string_view skey);

// The timestamp inside a cosignature's NoteSignature::signature (the bytes
// after the key hash), e.g. of an entry OpenNote verified with a
// CosignatureVerifier. InvalidArgument unless it is 72 bytes with a
// timestamp at most 2^63 - 1. Does not verify anything.
absl::StatusOr<uint64_t> CosignatureTimestamp(absl::string_view signature);

// The number of distinct `cosigners` (by public key: one key listed under
// two names counts once) with a line in `lines` whose name and key hash are
// the cosigner's and whose signature verifies over `checkpoint_text` (the
// note text). `lines` are a parsed note's signature lines, e.g. OpenedNote's
// `unverified` when the note was opened with the log key alone. A line by an
// unknown key, or a known cosigner's line that is malformed or does not
// verify, is ignored, never fatal (docs/DESIGN-NOTES.md, "Cosignatures"):
// one mangled cosignature only fails to count. Shared by the verifier
// library and the log server's replica, which demand the same cosignatures.
size_t CountCosignatures(absl::string_view checkpoint_text, const std::vector<NoteSignature>& lines,
                         const std::vector<CosignatureVerifier>& cosigners);

}  // namespace note
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_NOTE_COSIGNATURE_H_
