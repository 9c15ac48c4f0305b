#include "core/keys/keys.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "core/note/text.h"

namespace keytrail {

absl::Status KeyFileError(const std::string& path, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat("key file ", path, ": ", status.message()));
}

absl::StatusOr<std::string> WriteKeyPairFiles(std::string private_key, std::string public_key,
                                              const std::string& private_path,
                                              const std::string& public_path) {
  private_key.push_back('\n');
  absl::Status written = WritePrivateKeyFile(private_path, private_key);
  WipeString(&private_key);
  if (!written.ok()) return written;
  written = WritePublicKeyFile(public_path, public_key + "\n");
  if (!written.ok()) {
    // Nobody has seen this key's public half: drop it, so a retry is clean.
    ::unlink(private_path.c_str());
    return written;
  }
  return public_key;
}

absl::StatusOr<note::Ed25519NoteSigner> LoadNoteSigner(const std::string& path) {
  return LoadKeyFile(path, &note::ParseSignerKey);
}

absl::StatusOr<note::Ed25519NoteVerifier> LoadNoteVerifier(const std::string& path) {
  return LoadKeyFile(path, &note::ParseVerifierKey);
}

absl::StatusOr<std::string> GenerateNoteKeyPair(const std::string& name,
                                                const std::string& private_path,
                                                const std::string& public_path) {
  auto signer = note::Ed25519NoteSigner::Generate(name);
  if (!signer.ok()) return signer.status();
  return WriteKeyPairFiles(signer->PrivateKeyString(), signer->VerifierKey(), private_path,
                           public_path);
}

absl::StatusOr<note::CosignatureSigner> LoadCosignatureSigner(const std::string& path) {
  return LoadKeyFile(path, &note::ParseCosignatureSignerKey);
}

absl::StatusOr<note::CosignatureVerifier> LoadCosignatureVerifier(const std::string& path) {
  return LoadKeyFile(path, &note::ParseCosignatureVerifierKey);
}

absl::StatusOr<std::string> GenerateCosignatureKeyPair(const std::string& name,
                                                       const std::string& private_path,
                                                       const std::string& public_path) {
  auto signer = note::CosignatureSigner::Generate(name);
  if (!signer.ok()) return signer.status();
  return WriteKeyPairFiles(signer->PrivateKeyString(), signer->VerifierKey(), private_path,
                           public_path);
}

absl::StatusOr<NamedVrfPrivateKey> ParseVrfPrivateKeyString(absl::string_view skey) {
  auto parsed =
      note::ParsePrivateKeyString(skey, kKeyTypeVrfP256, kVrfPrivateKeySize, "VRF private key");
  if (!parsed.ok()) return parsed.status();
  auto key = VrfPrivateKey::FromBytes(parsed->key);
  if (!key.ok()) {
    return absl::InvalidArgumentError("VRF private key: the scalar is out of range");
  }
  if (note::KeyHash(parsed->name, kKeyTypeVrfP256, key->public_key().bytes()) != parsed->key_hash) {
    return absl::InvalidArgumentError("VRF private key: key hash does not match the key");
  }
  return NamedVrfPrivateKey{parsed->name, *std::move(key)};
}

absl::StatusOr<NamedVrfPublicKey> ParseVrfPublicKeyString(absl::string_view vkey) {
  auto parsed =
      note::ParseVerifierKeyString(vkey, kKeyTypeVrfP256, kVrfPublicKeySize, "VRF public key");
  if (!parsed.ok()) return parsed.status();
  auto key = VrfPublicKey::FromBytes(parsed->key);
  if (!key.ok()) {
    return absl::InvalidArgumentError("VRF public key: not a valid P-256 point");
  }
  return NamedVrfPublicKey{parsed->name, *std::move(key)};
}

std::string FormatVrfPrivateKeyString(absl::string_view name, const VrfPrivateKey& key) {
  std::string secret = key.bytes();
  std::string out =
      note::FormatPrivateKey(name, note::KeyHash(name, kKeyTypeVrfP256, key.public_key().bytes()),
                             kKeyTypeVrfP256, secret);
  WipeString(&secret);
  return out;
}

std::string FormatVrfPublicKeyString(absl::string_view name, const VrfPublicKey& key) {
  return note::FormatVerifierKey(name, kKeyTypeVrfP256, key.bytes());
}

namespace {
absl::StatusOr<VrfPrivateKey> ParseVrfPrivateKeyOnly(absl::string_view skey) {
  auto named = ParseVrfPrivateKeyString(skey);
  if (!named.ok()) return named.status();
  return std::move(named->key);
}
absl::StatusOr<VrfPublicKey> ParseVrfPublicKeyOnly(absl::string_view vkey) {
  auto named = ParseVrfPublicKeyString(vkey);
  if (!named.ok()) return named.status();
  return std::move(named->key);
}
}  // namespace

absl::StatusOr<VrfPrivateKey> LoadVrfPrivateKey(const std::string& path) {
  return LoadKeyFile(path, &ParseVrfPrivateKeyOnly);
}

absl::StatusOr<VrfPublicKey> LoadVrfPublicKey(const std::string& path) {
  return LoadKeyFile(path, &ParseVrfPublicKeyOnly);
}

absl::StatusOr<std::string> GenerateVrfKeyPair(const std::string& name,
                                               const std::string& private_path,
                                               const std::string& public_path) {
  absl::Status name_ok = note::CheckKeyName(name, "VRF key");
  if (!name_ok.ok()) return name_ok;
  VrfPrivateKey key = VrfPrivateKey::Generate();
  return WriteKeyPairFiles(FormatVrfPrivateKeyString(name, key),
                           FormatVrfPublicKeyString(name, key.public_key()), private_path,
                           public_path);
}

}  // namespace keytrail
