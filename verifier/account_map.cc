#include "verifier/account_map.h"

#include "absl/strings/str_cat.h"
#include "core/map/hasher.h"
#include "verifier/status_util.h"

namespace keytrail {
namespace verifier {

absl::Status VerifyAccountInMap(const Hash& map_root, const Hash& index, uint64_t version,
                                const Hash& head, const map::MapProof& proof) {
  if (proof.terminal != map::MapProof::Terminal::kLeaf) {
    return absl::InvalidArgumentError(
        absl::StrCat("map proof: terminal ", static_cast<int>(proof.terminal),
                     " does not prove membership, but the answer gives version ", version));
  }
  // Computed here rather than with VerifyMapMembership so that a malformed
  // proof and a head the map does not hold get different messages.
  const map::MapLeaf leaf{index, version, head};
  auto root = map::MapRootFromProof(index, &leaf, proof);
  if (!root.ok()) return root.status();  // "map proof: ..."
  if (*root != map_root) {
    return absl::InvalidArgumentError(absl::StrCat(
        "version ", version, ": computed head ", HashHex(head),
        " does not match the map: map proof: root mismatch (the key set, opening, "
        "version, epoch or previous head differ from what the log committed, or the "
        "proof is for another leaf)"));
  }
  return absl::OkStatus();
}

absl::Status VerifyAccountAbsent(const Hash& map_root, const Hash& index,
                                 const map::MapProof& proof, absl::string_view claim) {
  // Checked before the root so that a hidden account gets its own message.
  if (proof.terminal == map::MapProof::Terminal::kLeaf) {
    return absl::InvalidArgumentError(
        absl::StrCat("map proof: proves the account has a version, but ", claim));
  }
  return map::VerifyMapNonMembership(map_root, index, proof);
}

}  // namespace verifier
}  // namespace keytrail
