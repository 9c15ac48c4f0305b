// Checks the part of every answer that ties it to the log (a v1::LogProof):
// the signed, cosigned checkpoint, its consistency with the client's last
// verified checkpoint, the epoch entry it ends on, and that epoch's
// freshness. docs/PROTOCOL.md, "What a Lookup answer proves", steps 1-3.
//
// Pure function: no I/O, no clock (the caller passes now), thread-safe. The
// result owns its data and keeps no reference to the arguments.
#ifndef KEYTRAIL_VERIFIER_LOG_PROOF_H_
#define KEYTRAIL_VERIFIER_LOG_PROOF_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "core/note/checkpoint.h"
#include "core/protocol/entry.h"
#include "proto/keytrail.pb.h"
#include "verifier/log_trust.h"

namespace keytrail {
namespace verifier {

// Bounds on the Merkle proofs decoded from an answer, checked before any
// copying. A tree of uint64_t size never needs more (merkle/hash_list.h).
constexpr size_t kMaxInclusionProofHashes = 64;
constexpr size_t kMaxConsistencyProofHashes = 65;

struct VerifiedLog {
  // The checkpoint, signed by the log and consistent with the client's last
  // one. Store {checkpoint.size, checkpoint.root} (trusted()) as the next
  // TrustedCheckpoint once the whole answer has verified.
  note::Checkpoint checkpoint;
  // The checkpoint's last leaf: the epoch whose map root the answer's map
  // proof is checked against.
  EpochEntry epoch{};
  // How many of LogTrust::monitors cosigned the checkpoint (each counted
  // once, however many lines it has).
  size_t cosignatures = 0;

  TrustedCheckpoint trusted() const { return TrustedCheckpoint{checkpoint.size, checkpoint.root}; }
};

// Remembers the checkpoint notes that passed step 1 of VerifyLogProof
// (below: the log's signature, the cosignature policy, the checkpoint text)
// under one LogTrust, so that the answers an app checks under one
// checkpoint -- every member of a group chat looked up at once -- pay its
// Ed25519 verifies (the log's and each cosignature) once. Keyed by the exact
// note bytes: a note that differs in any byte is another note, checked
// afresh. Only step 1 is remembered; steps 2-4 (consistency with `last`,
// the epoch entry and its inclusion proof, freshness) and everything an
// answer proves after them (VRF, map, chain) are checked on every answer.
//
// Holds at most `capacity` notes and forgets the oldest first (a log
// publishes one checkpoint per epoch: an app needs one or two at a time).
// Thread-safe (one mutex). It belongs to the LogTrust it was made for:
// VerifyLogProof uses it only with that object (compared by address), so a
// cache can never vouch for a note under another key or policy.
class CheckpointCache {
 public:
  static constexpr size_t kDefaultCapacity = 4;

  // `trust` is not owned and must outlive the cache. capacity >= 1.
  explicit CheckpointCache(const LogTrust* trust, size_t capacity = kDefaultCapacity)
      : trust_(trust), capacity_(capacity < 1 ? 1 : capacity) {}
  CheckpointCache(const CheckpointCache&) = delete;
  CheckpointCache& operator=(const CheckpointCache&) = delete;

  bool IsFor(const LogTrust& trust) const { return &trust == trust_; }
  // The checkpoint and trusted cosignature count step 1 found for exactly
  // `note`, if remembered.
  std::optional<std::pair<note::Checkpoint, size_t>> Find(absl::string_view note) const;
  // Remembers `note` (which passed step 1 under the cache's trust).
  void Add(absl::string_view note, const note::Checkpoint& checkpoint, size_t cosignatures);
  size_t size() const;

 private:
  struct Entry {
    std::string note;
    note::Checkpoint checkpoint;
    size_t cosignatures = 0;
  };
  // Constant after construction.
  const LogTrust* const trust_;
  const size_t capacity_;

  mutable absl::Mutex mu_;
  std::deque<Entry> entries_ ABSL_GUARDED_BY(mu_);  // oldest first
};

// Returns what `proof` proves when every check passes, in this order:
//  1. The checkpoint note opens (core/note OpenNote) with trust.log_key (its
//     line must verify), and at least trust.min_cosignatures distinct
//     monitors' cosignatures verify (CountCosignatures, cosignatures.h: a
//     broken or unknown cosignature line is ignored, never fatal). The note parses as a checkpoint
//     with origin trust.origin, no extension lines and size >= 1 (a log always holds its genesis
//     epoch).
//  2. Against `last`: size < last.size is a rollback; equal size needs the
//     same root (else a fork) and an empty consistency proof; a larger size
//     needs a consistency proof from `last` (which must be empty when
//     last.size is 0, i.e. on first contact).
//  3. epoch_entry decodes as an epoch entry (kind 2) and epoch_inclusion_proof
//     proves it is leaf size - 1 of the checkpoint's tree.
//  4. If trust.max_staleness_ms != 0: the epoch's timestamp is at most that
//     old at now_ms, and at most that far in the future (a log whose clock
//     runs ahead could otherwise look fresh long after it stopped).
// Every failure is InvalidArgument, its message starting with the failed
// check:
//   "trust: ..."                 trust.log_key's name differs from trust.origin
//   "checkpoint signature: ..."  the note does not open: malformed, the log
//                                key's line invalid, duplicate monitors
//   "checkpoint signature: not signed by the log key ..."
//   "checkpoint has N trusted cosignatures, policy needs M"
//   "checkpoint: ..."            not a checkpoint; wrong origin; extension
//                                lines; size 0
//   "rollback: ..."  "fork: ..."  "consistency proof: ..."
//   "epoch entry: ..."           does not decode, or is an update entry
//   "epoch inclusion proof: ..." does not decode or does not verify
//   "stale: ..."                 too old; "clock: ..." too far in the future
// With `checkpoints` (made for `trust`), step 1 is skipped for a note it
// remembers and a note that passes it is remembered; the result and every
// error are the same as without.
absl::StatusOr<VerifiedLog> VerifyLogProof(const LogTrust& trust, const v1::LogProof& proof,
                                           const TrustedCheckpoint& last, uint64_t now_ms,
                                           CheckpointCache* checkpoints = nullptr);

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_VERIFIER_LOG_PROOF_H_
