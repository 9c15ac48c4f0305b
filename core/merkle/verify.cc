#include "core/merkle/verify.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/bytes/encoding.h"
#include "core/merkle/hasher.h"
#include "core/merkle/proof_nodes.h"

namespace keytrail {
namespace merkle {
namespace {

constexpr absl::string_view kInclusion = "inclusion proof";
constexpr absl::string_view kConsistency = "consistency proof";

absl::Status WrongSize(absl::string_view what, size_t got, size_t want) {
  return absl::InvalidArgumentError(
      absl::StrCat(what, ": wrong proof size ", got, ", want ", want));
}

absl::Status Mismatch(absl::string_view what, absl::string_view which, const Hash& computed,
                      const Hash& want) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", which, " mismatch: computed ",
                                                 HexEncode(HashView(computed)), ", want ",
                                                 HexEncode(HashView(want))));
}

// Shifts fn and sn right together until fn is odd or zero: skips the levels
// where the node on fn's path is the last of its level and a left child, so
// the RFC's tree lifts it without a sibling (RFC 9162 2.1.3.2 step b.2).
void SkipLifted(uint64_t& fn, uint64_t& sn) {
  while (fn != 0 && (fn & 1) == 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

}  // namespace

absl::StatusOr<Hash> RootFromInclusionProof(uint64_t index, uint64_t size, const Hash& leaf_hash,
                                            absl::Span<const Hash> proof) {
  if (index >= size) {
    return absl::InvalidArgumentError(
        absl::StrCat(kInclusion, ": index ", index, " is not below tree size ", size));
  }
  const size_t want = InclusionProofSize(index, size);
  if (proof.size() != want) return WrongSize(kInclusion, proof.size(), want);

  // RFC 9162 2.1.3.2. fn walks the leaf's path, sn the last leaf's.
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    // Unreachable after the length check; kept as the RFC's own guard.
    if (sn == 0) return WrongSize(kInclusion, proof.size(), want);
    if ((fn & 1) || fn == sn) {
      r = HashChildren(p, r);
      SkipLifted(fn, sn);
    } else {
      r = HashChildren(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return WrongSize(kInclusion, proof.size(), want);
  return r;
}

absl::Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                             absl::Span<const Hash> proof, const Hash& root) {
  absl::StatusOr<Hash> computed = RootFromInclusionProof(index, size, leaf_hash, proof);
  if (!computed.ok()) return computed.status();
  if (*computed != root) return Mismatch(kInclusion, "root", *computed, root);
  return absl::OkStatus();
}

absl::Status VerifyConsistency(uint64_t size1, uint64_t size2, absl::Span<const Hash> proof,
                               const Hash& root1, const Hash& root2) {
  if (size1 > size2) {
    return absl::InvalidArgumentError(
        absl::StrCat(kConsistency, ": size1 ", size1, " is greater than size2 ", size2));
  }
  if (size1 == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(kConsistency, ": size1 is 0 (the empty tree has no proof)"));
  }
  const size_t want = ConsistencyProofSize(size1, size2);
  if (proof.size() != want) return WrongSize(kConsistency, proof.size(), want);
  if (size1 == size2) {
    if (root1 != root2) {
      return absl::InvalidArgumentError(
          absl::StrCat(kConsistency, ": different roots for the same size ", size1));
    }
    return absl::OkStatus();
  }

  // RFC 9162 2.1.4.2. When size1 is a power of two the old root is itself a
  // node of the new tree, and the proof leaves it out: start from root1
  // instead of prepending it (step 2), which saves a copy.
  const bool power_of_two = (size1 & (size1 - 1)) == 0;
  const Hash& seed = power_of_two ? root1 : proof[0];
  absl::Span<const Hash> rest = power_of_two ? proof : proof.subspan(1);

  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  // Step 4: start at the seed's level. The seed is the largest complete
  // subtree ending at size1; size1 - 1 ends in one 1-bit per level of it.
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = seed;
  Hash sr = seed;
  for (const Hash& c : rest) {
    if (sn == 0) return WrongSize(kConsistency, proof.size(), want);
    if ((fn & 1) || fn == sn) {
      fr = HashChildren(c, fr);
      sr = HashChildren(c, sr);
      SkipLifted(fn, sn);
    } else {
      sr = HashChildren(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return WrongSize(kConsistency, proof.size(), want);
  if (fr != root1) return Mismatch(kConsistency, "root1", fr, root1);
  if (sr != root2) return Mismatch(kConsistency, "root2", sr, root2);
  return absl::OkStatus();
}

}  // namespace merkle
}  // namespace keytrail
