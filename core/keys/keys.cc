#include "core/keys/keys.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace keytrail {

absl::Status KeyFileError(const std::string& path, const absl::Status& status) {
  return absl::Status(status.code(),
                      absl::StrCat("key file ", path, ": ", status.message()));
}

absl::StatusOr<std::string> WriteKeyPairFiles(std::string private_key,
                                              std::string public_key,
                                              const std::string& private_path,
                                              const std::string& public_path) {
  private_key.push_back('\n');
  absl::Status written = WritePrivateKeyFile(private_path, private_key);
  note::WipeString(&private_key);
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

absl::StatusOr<note::Ed25519NoteVerifier> LoadNoteVerifier(
    const std::string& path) {
  return LoadKeyFile(path, &note::ParseVerifierKey);
}

absl::StatusOr<std::string> GenerateNoteKeyPair(const std::string& name,
                                                const std::string& private_path,
                                                const std::string& public_path) {
  auto signer = note::Ed25519NoteSigner::Generate(name);
  if (!signer.ok()) return signer.status();
  return WriteKeyPairFiles(signer->PrivateKeyString(), signer->VerifierKey(),
                           private_path, public_path);
}

absl::StatusOr<note::CosignatureSigner> LoadCosignatureSigner(
    const std::string& path) {
  return LoadKeyFile(path, &note::ParseCosignatureSignerKey);
}

absl::StatusOr<note::CosignatureVerifier> LoadCosignatureVerifier(
    const std::string& path) {
  return LoadKeyFile(path, &note::ParseCosignatureVerifierKey);
}

absl::StatusOr<std::string> GenerateCosignatureKeyPair(
    const std::string& name, const std::string& private_path,
    const std::string& public_path) {
  auto signer = note::CosignatureSigner::Generate(name);
  if (!signer.ok()) return signer.status();
  return WriteKeyPairFiles(signer->PrivateKeyString(), signer->VerifierKey(),
                           private_path, public_path);
}

}  // namespace keytrail
