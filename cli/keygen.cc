#include "cli/keygen.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "cli/output.h"
#include "core/bytes/encoding.h"
#include "core/crypto/random.h"
#include "core/keys/key_file.h"
#include "core/keys/keys.h"
#include "core/replica/private_bundle.h"

namespace keytrail::cli {
namespace {

constexpr char kUsage[] =
    "usage: keytrail keygen note|vrf|cosigner NAME PRIVATE_FILE PUBLIC_FILE\n"
    "       keytrail keygen account PRIVATE_FILE PUBLIC_FILE\n"
    "       keytrail keygen token FILE\n"
    "       keytrail keygen replica FILE";

absl::Status Usage(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(why, "\n", kUsage));
}

absl::Status Report(const absl::StatusOr<std::string>& public_key, const std::string& kind,
                    const std::string& private_file, const std::string& public_file) {
  if (!public_key.ok()) return public_key.status();
  if (JsonOutput()) {
    PrintJson({{"kind", kind},
               {"private_file", private_file},
               {"public_file", public_file},
               {"public_key", *public_key}});
    return absl::OkStatus();
  }
  std::printf("wrote %s key: %s (private, mode 0600) and %s (public): %s\n", kind.c_str(),
              private_file.c_str(), public_file.c_str(), public_key->c_str());
  return absl::OkStatus();
}

}  // namespace

absl::Status RunKeygen(const std::vector<std::string>& args) {
  if (args.empty()) return Usage("keygen: say which key to make");
  const std::string& kind = args[0];
  if (kind == "token") {
    if (args.size() != 2) return Usage("keygen token: expected FILE");
    // 32 random bytes, hex: 256 bits, safe to paste into config systems.
    std::string token = HexEncode(RandomString(32));
    absl::Status s = WritePrivateKeyFile(args[1], token + "\n");
    if (!s.ok()) return s;
    if (JsonOutput()) {
      PrintJson({{"kind", "token"}, {"private_file", args[1]}});
      return absl::OkStatus();
    }
    std::printf("wrote write token: %s (mode 0600)\n", args[1].c_str());
    return absl::OkStatus();
  }
  if (kind == "replica") {
    // The key that seals the private epoch bundles for read replicas
    // (docs/REPLICAS.md): the primary and every replica get the same file.
    if (args.size() != 2) return Usage("keygen replica: expected FILE");
    absl::Status s = WritePrivateKeyFile(args[1], replica::ReplicaKey::GenerateFileContents());
    if (!s.ok()) return s;
    if (JsonOutput()) {
      PrintJson({{"kind", "replica"}, {"private_file", args[1]}});
      return absl::OkStatus();
    }
    std::printf("wrote replica key: %s (mode 0600)\n", args[1].c_str());
    return absl::OkStatus();
  }
  if (kind == "account") {
    if (args.size() != 3) return Usage("keygen account: expected PRIVATE_FILE PUBLIC_FILE");
    // An account key is an Ed25519 key in the note-key format; its name is
    // only a label.
    return Report(GenerateNoteKeyPair("account", args[1], args[2]), kind, args[1], args[2]);
  }
  if (args.size() != 4) {
    return Usage(absl::StrCat("keygen ", kind, ": expected NAME PRIVATE_FILE PUBLIC_FILE"));
  }
  const std::string &name = args[1], &priv = args[2], &pub = args[3];
  if (kind == "note") return Report(GenerateNoteKeyPair(name, priv, pub), kind, priv, pub);
  if (kind == "vrf") return Report(GenerateVrfKeyPair(name, priv, pub), kind, priv, pub);
  if (kind == "cosigner") {
    return Report(GenerateCosignatureKeyPair(name, priv, pub), kind, priv, pub);
  }
  return Usage(absl::StrCat("keygen: unknown key kind \"", kind, "\""));
}

}  // namespace keytrail::cli
