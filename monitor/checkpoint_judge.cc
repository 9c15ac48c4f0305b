#include "monitor/checkpoint_judge.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/evidence/old_root.h"
#include "core/merkle/hasher.h"
#include "core/merkle/verify.h"
#include "core/protocol/entry.h"

namespace keytrail::monitor {
namespace {

Verdict Consistent() { return Verdict{Verdict::Kind::kConsistent, std::nullopt, ""}; }
Verdict Older() { return Verdict{Verdict::Kind::kOlder, std::nullopt, ""}; }

// `small` and `big` (small's size <= big's) cannot both be heads of one log:
// big's tree has `root_in_big` at small's size, which `proof` shows.
absl::StatusOr<Verdict> Split(const AuditedView& view, const SignedCheckpoint& small,
                              const SignedCheckpoint& big, const Hash& root_in_big,
                              std::vector<Hash> proof) {
  evidence::Evidence e;
  e.kind = evidence::EvidenceKind::kSplitView;
  e.log_key = view.log_key;
  e.checkpoint_a = small.text;
  e.checkpoint_b = big.text;
  if (small.checkpoint.size < big.checkpoint.size) {
    e.root_a_in_b = root_in_big;
    e.consistency_proof = std::move(proof);
  }
  auto finding = evidence::VerifyEvidence(e);
  if (!finding.ok()) {
    // The judge builds it from verified values only: a bug, not the log.
    return absl::InternalError(
        absl::StrCat("BUG: split view evidence does not verify: ", finding.status().message()));
  }
  return Verdict{Verdict::Kind::kSplitView, std::move(e), finding->summary};
}

// The root of big's tree at `size`, a power of two, from the log's entry
// size - 1 and its inclusion proof in big: [0, size) is a complete subtree,
// so the proof starts with its own log2(size) hashes (a consistency proof
// from a power of two leaves the old root out).
absl::StatusOr<Hash> PowerOfTwoOldRoot(uint64_t size, const SignedCheckpoint& big, LogClient& log,
                                       absl::Time deadline) {
  if (size == 0 || (size & (size - 1)) != 0)
    return absl::InvalidArgumentError("not a power of two");
  auto entries = log.Entries(size - 1, 1, deadline);
  if (!entries.ok()) return entries.status();
  auto proof = log.InclusionProof(size - 1, big.checkpoint.size, deadline);
  if (!proof.ok()) return proof.status();
  const Hash leaf = EntryLeafHash(entries->front());
  absl::Status s =
      merkle::VerifyInclusion(size - 1, big.checkpoint.size, leaf, *proof, big.checkpoint.root);
  if (!s.ok()) return absl::UnavailableError(s.message());
  Hash node = leaf;
  for (uint64_t width = 1, i = 0; width < size; width <<= 1, ++i) {
    node = merkle::HashChildren((*proof)[i], node);  // the leaf is rightmost: siblings on the left
  }
  return node;
}

// small's size < big's: consistent (OK), a split view, or Unavailable.
absl::StatusOr<std::optional<Verdict>> CompareWithLogProof(const AuditedView& view,
                                                           const SignedCheckpoint& small,
                                                           const SignedCheckpoint& big,
                                                           LogClient* log, absl::Time deadline) {
  const uint64_t size1 = small.checkpoint.size, size2 = big.checkpoint.size;
  if (log == nullptr) {
    return absl::UnavailableError(absl::StrCat("comparing sizes ", size1, " and ", size2,
                                               " needs the log's consistency proof"));
  }
  auto proof = log->ConsistencyProof(size1, size2, deadline);
  if (!proof.ok()) return proof.status();
  absl::Status s =
      merkle::VerifyConsistency(size1, size2, *proof, small.checkpoint.root, big.checkpoint.root);
  if (s.ok()) return std::optional<Verdict>();
  auto old_root = evidence::OldRootFromConsistencyProof(size1, size2, *proof, big.checkpoint.root);
  if (!old_root.ok()) old_root = PowerOfTwoOldRoot(size1, big, *log, deadline);
  if (old_root.ok() && *old_root != small.checkpoint.root) {
    auto split = Split(view, small, big, *old_root, *std::move(proof));
    if (!split.ok()) return split.status();
    return std::optional<Verdict>(*std::move(split));
  }
  return absl::UnavailableError(absl::StrCat("the log's consistency proof from ", size1, " to ",
                                             size2, " does not verify: ", s.message()));
}

}  // namespace

absl::StatusOr<SignedCheckpoint> OpenCheckpoint(const std::string& text,
                                                const note::NoteVerifier& log_key,
                                                absl::string_view origin) {
  if (text.size() > evidence::kMaxNoteBytes) {
    // Evidence could not carry it; no honest checkpoint comes near this.
    return absl::UnavailableError(absl::StrCat("checkpoint note of ", text.size(),
                                               " bytes, more than ", evidence::kMaxNoteBytes));
  }
  const note::NoteVerifier* verifiers[] = {&log_key};
  auto opened = note::OpenNote(text, verifiers);
  if (!opened.ok()) {
    return absl::UnavailableError(
        absl::StrCat("checkpoint signature does not verify: ", opened.status().message()));
  }
  auto checkpoint = note::ParseCheckpoint(opened->text);
  if (!checkpoint.ok()) return absl::UnavailableError(checkpoint.status().message());
  if (checkpoint->origin != origin) {
    return absl::UnavailableError(
        absl::StrCat("checkpoint of origin \"", checkpoint->origin, "\", want \"", origin, "\""));
  }
  return SignedCheckpoint{text, *std::move(checkpoint)};
}

absl::StatusOr<Verdict> JudgeCheckpoint(const SignedCheckpoint& cp, const AuditedView& view,
                                        LogClient* log, absl::Time deadline,
                                        const OfferedProof* offered) {
  const note::Checkpoint& c = cp.checkpoint;
  const std::optional<SignedCheckpoint>& head = view.head.has_value() ? view.head : view.verified;
  if (c.size == 0) {
    // Every log's first head; no evidence format holds two of size 0.
    if (c.root != merkle::EmptyRoot()) {
      return absl::UnavailableError("a size-0 checkpoint whose root is not the empty tree's");
    }
    return head.has_value() && head->checkpoint.size > 0 ? Older() : Consistent();
  }
  if (view.verified.has_value() && c.size <= view.verified->checkpoint.size) {
    // At or below what was audited: the monitor's own tree decides.
    const SignedCheckpoint& verified = *view.verified;
    const uint64_t v = verified.checkpoint.size;
    auto root = c.size == v ? absl::StatusOr<Hash>(verified.checkpoint.root) : view.root_at(c.size);
    if (!root.ok()) return root.status();
    if (*root == c.root) return c.size < head->checkpoint.size ? Older() : Consistent();
    if (c.size == v) return Split(view, cp, verified, *root, {});
    auto proof = view.proof(c.size, v);
    if (!proof.ok()) return proof.status();
    return Split(view, cp, verified, *root, *std::move(proof));
  }
  if (offered != nullptr && view.verified.has_value() &&
      offered->from_size == view.verified->checkpoint.size) {
    // A proof from the verified size came with it (a push): when it does
    // not connect the two but shows another root there, it is the evidence.
    const SignedCheckpoint& verified = *view.verified;
    const uint64_t v = verified.checkpoint.size;
    if (!merkle::VerifyConsistency(v, c.size, offered->hashes, verified.checkpoint.root, c.root)
             .ok()) {
      auto old_root = evidence::OldRootFromConsistencyProof(v, c.size, offered->hashes, c.root);
      if (old_root.ok() && *old_root != verified.checkpoint.root) {
        return Split(view, verified, cp, *old_root, offered->hashes);
      }
    }
  }
  if (!head.has_value()) return Consistent();  // the first checkpoint seen
  const note::Checkpoint& h = head->checkpoint;
  if (c.size == h.size) {
    if (c.root == h.root) return Consistent();
    return Split(view, cp, *head, h.root, {});
  }
  const bool smaller = c.size < h.size;
  auto compared = smaller ? CompareWithLogProof(view, cp, *head, log, deadline)
                          : CompareWithLogProof(view, *head, cp, log, deadline);
  if (!compared.ok()) return compared.status();
  if (compared->has_value()) return **std::move(compared);
  return smaller ? Older() : Consistent();
}

}  // namespace keytrail::monitor
