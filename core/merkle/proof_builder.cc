#include "core/merkle/proof_builder.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/merkle/compact_range.h"
#include "core/merkle/hasher.h"

namespace keytrail {
namespace merkle {
namespace {

absl::StatusOr<std::vector<Hash>> Build(const absl::StatusOr<ProofNodes>& nodes,
                                        HashSource& source) {
  if (!nodes.ok()) return nodes.status();
  if (nodes->ids.empty()) return std::vector<Hash>();
  absl::StatusOr<std::vector<Hash>> hashes = FetchNodes(source, nodes->ids);
  if (!hashes.ok()) return hashes.status();
  return AssembleProof(*nodes, *std::move(hashes));
}

}  // namespace

absl::StatusOr<std::vector<Hash>> AssembleProof(const ProofNodes& nodes, std::vector<Hash> hashes) {
  if (hashes.size() != nodes.ids.size()) {
    return absl::InternalError(
        absl::StrCat("proof: ", hashes.size(), " hashes for ", nodes.ids.size(), " nodes"));
  }
  const size_t begin = nodes.ephemeral_begin;
  const size_t end = nodes.ephemeral_end;
  if (end - begin <= 1) return hashes;  // nothing to fold
  // The range is listed lowest level (rightmost) first; the RFC's subtree
  // over it nests to the right, so fold from the front: each higher node is
  // the left child of everything folded so far.
  Hash folded = hashes[begin];
  for (size_t k = begin + 1; k < end; ++k) {
    folded = HashChildren(hashes[k], folded);
  }
  hashes[begin] = folded;
  hashes.erase(hashes.begin() + static_cast<ptrdiff_t>(begin + 1),
               hashes.begin() + static_cast<ptrdiff_t>(end));
  return hashes;
}

absl::StatusOr<std::vector<Hash>> BuildInclusionProof(uint64_t index, uint64_t size,
                                                      HashSource& source) {
  return Build(InclusionProofNodes(index, size), source);
}

absl::StatusOr<std::vector<Hash>> BuildConsistencyProof(uint64_t size1, uint64_t size2,
                                                        HashSource& source) {
  return Build(ConsistencyProofNodes(size1, size2), source);
}

absl::StatusOr<Hash> RootAt(uint64_t size, HashSource& source) {
  absl::StatusOr<CompactRange> range = CompactRange::Load(size, source);
  if (!range.ok()) return range.status();
  return range->Root();
}

}  // namespace merkle
}  // namespace keytrail
