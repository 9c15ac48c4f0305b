#include "core/merkle/hash_source.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace keytrail {
namespace merkle {

// Out of line so the vtable has one home.
HashSource::~HashSource() = default;

absl::StatusOr<std::vector<Hash>> FetchNodes(HashSource& source, absl::Span<const NodeId> ids) {
  absl::StatusOr<std::vector<Hash>> hashes = source.GetNodes(ids);
  if (!hashes.ok()) return hashes.status();
  if (hashes->size() != ids.size()) {
    return absl::InternalError(absl::StrCat("hash source returned ", hashes->size(), " hashes for ",
                                            ids.size(), " nodes"));
  }
  return hashes;
}

}  // namespace merkle
}  // namespace keytrail
