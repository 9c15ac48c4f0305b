// The text forms of note keys (c2sp.org/signed-note, Go's sumdb/note):
//
//   verifier key:  <name>+<key hash>+<base64(type || public key)>
//   private key:   PRIVATE+KEY+<name>+<key hash>+<base64(type || secret)>
//
// where <key hash> is 8 lowercase hex digits of
//   KeyHash = SHA-256(name || "\n" || type || public key)[:4], big-endian.
// Go defines the private form for Ed25519 (type 0x01, secret = 32-byte seed);
// keytrail uses the same shape for every type it has (see kKeyType*).
//
// Choices where the specs are silent:
//  - the key hash must be lowercase hex (what every encoder writes; Go also
//    accepts uppercase), so that parse-then-format gives back the input;
//  - base64 must be canonical (core/bytes/encoding.h), Go's is lenient about
//    the unused bits of the last character;
//  - a key name may not contain ASCII control characters (see text.h).
//
// Error messages never quote any part of the input: a private key string
// that lost a '+' would otherwise put its secret into the name field.
// Stateless and thread-safe.
#ifndef KEYTRAIL_CORE_NOTE_KEY_STRING_H_
#define KEYTRAIL_CORE_NOTE_KEY_STRING_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace keytrail {
namespace note {

// Signature type bytes assigned by c2sp.org/signed-note.
constexpr uint8_t kKeyTypeEd25519 = 0x01;        // Ed25519 note signature
constexpr uint8_t kKeyTypeCosignatureV1 = 0x04;  // tlog-cosignature, Ed25519

uint32_t KeyHash(absl::string_view name, uint8_t type, absl::string_view public_key);

// REQUIRES: IsValidKeyName(name) (text.h); callers validate names when they
// construct a signer or verifier.
std::string FormatVerifierKey(absl::string_view name, uint8_t type, absl::string_view public_key);
std::string FormatPrivateKey(absl::string_view name, uint32_t key_hash, uint8_t type,
                             absl::string_view secret);

// One parsed key string. For a private key, `key` is the secret; the
// destructor overwrites it.
struct ParsedKey {
  std::string name;
  uint32_t key_hash = 0;
  uint8_t type = 0;
  std::string key;  // the bytes after the type byte

  ParsedKey() = default;
  ParsedKey(const ParsedKey&) = default;
  ParsedKey& operator=(const ParsedKey&) = default;
  ~ParsedKey();
};

// Parses a verifier key whose type byte must be `want_type` and whose public
// key must be `want_key_size` bytes; checks the key hash against the name and
// key. InvalidArgument "<what>: <reason>" on any mismatch, including being
// handed a private key string.
absl::StatusOr<ParsedKey> ParseVerifierKeyString(absl::string_view vkey, uint8_t want_type,
                                                 size_t want_key_size, absl::string_view what);

// Parses a private key string the same way, except for the key hash, which
// needs the public key: the caller derives it and compares against
// KeyHash(name, type, public key). InvalidArgument "<what>: <reason>".
absl::StatusOr<ParsedKey> ParsePrivateKeyString(absl::string_view skey, uint8_t want_type,
                                                size_t want_secret_size, absl::string_view what);

}  // namespace note
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_NOTE_KEY_STRING_H_
