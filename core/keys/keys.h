// Typed key files: load a signer or verifier from the file `keygen` wrote,
// or generate a key pair into two new files.
//
// File contents (one line each, ending in "\n"; see key_file.h):
//   note signing key       PRIVATE+KEY+<name>+<hash>+<base64(0x01 || seed)>
//                          (Go's sumdb/note format)                mode 0600
//   note verifier key      <name>+<hash>+<base64(0x01 || public key)>  0644
//   cosigning key          PRIVATE+KEY+<name>+<hash>+<base64(0x04 || seed)>
//                          (keytrail's, by analogy; cosignature.h)     0600
//   cosignature verifier   <name>+<hash>+<base64(0x04 || public key)>  0644
//   VRF key                PRIVATE+KEY+<name>+<hash>+<base64(0x81 || scalar)>
//                          (keytrail's; the 32-byte P-256 scalar)      0600
//   VRF public key         <name>+<hash>+<base64(0x81 || 33-byte point)> 0644
//   (0x81 is outside the type bytes c2sp.org/signed-note assigns, so a VRF
//   key string can never be mistaken for a note key.)
//
// Every loader returns the ReadKeyFile codes (NotFound, PermissionDenied,
// InvalidArgument for an empty/oversized/multi-line file), and
// InvalidArgument "<path>: <what is wrong>" for a damaged key (bad base64,
// wrong type byte, wrong length, key hash not matching). No error message
// ever quotes a key file's contents. Loaders do not check a private key
// file's mode; call CheckPrivateKeyFileMode (key_file.h) and warn.
//
// Generators write the private file first, then the public one, each with
// the key_file.h writers (AlreadyExists if either path is taken); if the
// public file cannot be written the new private file is removed again, so a
// failed run leaves nothing behind. They return the verifier key string.
//
// Adding a key type (e.g. the VRF key) is one loader per file kind, each a
// one-line call of LoadKeyFile with the type's parser, and one generator
// calling WriteKeyPairFiles.
//
// Thread-safe: no shared state.
#ifndef KEYTRAIL_CORE_KEYS_KEYS_H_
#define KEYTRAIL_CORE_KEYS_KEYS_H_

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/ecvrf.h"
#include "core/keys/key_file.h"
#include "core/note/cosignature.h"
#include "core/note/ed25519_note.h"
#include "core/note/key_string.h"
#include "core/util/wipe.h"

namespace keytrail {

absl::StatusOr<note::Ed25519NoteSigner> LoadNoteSigner(const std::string& path);
absl::StatusOr<note::Ed25519NoteVerifier> LoadNoteVerifier(const std::string& path);
absl::StatusOr<std::string> GenerateNoteKeyPair(const std::string& name,
                                                const std::string& private_path,
                                                const std::string& public_path);

absl::StatusOr<note::CosignatureSigner> LoadCosignatureSigner(const std::string& path);
absl::StatusOr<note::CosignatureVerifier> LoadCosignatureVerifier(const std::string& path);
absl::StatusOr<std::string> GenerateCosignatureKeyPair(const std::string& name,
                                                       const std::string& private_path,
                                                       const std::string& public_path);

// The key type byte of VRF key strings.
constexpr uint8_t kKeyTypeVrfP256 = 0x81;

// A VRF key with the name it was generated under (the log's origin).
struct NamedVrfPrivateKey {
  std::string name;
  VrfPrivateKey key;
};
struct NamedVrfPublicKey {
  std::string name;
  VrfPublicKey key;
};
absl::StatusOr<NamedVrfPrivateKey> ParseVrfPrivateKeyString(absl::string_view skey);
absl::StatusOr<NamedVrfPublicKey> ParseVrfPublicKeyString(absl::string_view vkey);
std::string FormatVrfPrivateKeyString(absl::string_view name, const VrfPrivateKey& key);
std::string FormatVrfPublicKeyString(absl::string_view name, const VrfPublicKey& key);

absl::StatusOr<VrfPrivateKey> LoadVrfPrivateKey(const std::string& path);
absl::StatusOr<VrfPublicKey> LoadVrfPublicKey(const std::string& path);
// Returns the public key string.
absl::StatusOr<std::string> GenerateVrfKeyPair(const std::string& name,
                                               const std::string& private_path,
                                               const std::string& public_path);

// ---- Building blocks for the functions above (and future key types). ----

// Prefixes a parse error with the path: "<path>: <message>", same code.
absl::Status KeyFileError(const std::string& path, const absl::Status& status);

// Reads `path` and parses its key string with `parse`. The string read is
// wiped after parsing. `parse` must not quote its input in errors.
template <typename Key>
absl::StatusOr<Key> LoadKeyFile(const std::string& path,
                                absl::StatusOr<Key> (*parse)(absl::string_view key_string)) {
  absl::StatusOr<std::string> contents = ReadKeyFile(path);
  if (!contents.ok()) return contents.status();
  absl::StatusOr<Key> key = parse(*contents);
  WipeString(&*contents);
  if (!key.ok()) return KeyFileError(path, key.status());
  return key;
}

// Writes private_key + "\n" (mode 0600) then public_key + "\n" (mode 0644),
// removing the private file if the public one fails; returns public_key.
absl::StatusOr<std::string> WriteKeyPairFiles(std::string private_key, std::string public_key,
                                              const std::string& private_path,
                                              const std::string& public_path);

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_KEYS_KEYS_H_
