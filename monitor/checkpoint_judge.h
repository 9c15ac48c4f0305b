// The checkpoint judge: the one place where the monitor decides what a
// log-signed checkpoint means for the log it audits, whichever way the
// checkpoint arrived — polled from the log, pushed to the witness
// (POST /add-checkpoint, with or without a proof that checks), or cosigned
// by a peer and fetched by gossip. A checkpoint that cannot be a head of the
// log the monitor audited comes back as a split view with its evidence as
// a value, for the caller to keep (monitor/evidence_keeper.h):
//   - same size as an audited or known-consistent checkpoint, other root;
//   - a smaller size whose root is not the audited tree's at that size;
//   - a larger size the log's consistency proof (or the proof pushed with
//     it) does not connect to what was audited, where that proof shows
//     another root at the smaller size.
// Everything else that fails proves nothing and is an error: the log cannot
// be asked or its proof neither verifies nor shows another root.
//
// Pure apart from the reads it makes through `view` and `log`; thread-safe
// when those are.
#ifndef KEYTRAIL_MONITOR_CHECKPOINT_JUDGE_H_
#define KEYTRAIL_MONITOR_CHECKPOINT_JUDGE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/crypto/sha256.h"
#include "core/evidence/evidence.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "monitor/log_client.h"

namespace keytrail::monitor {

// A checkpoint note whose log signature verified, and what it says.
struct SignedCheckpoint {
  std::string text;  // the whole signed note
  note::Checkpoint checkpoint;
};

// Opens `text` as a checkpoint note of `origin` signed by `log_key`.
// Unavailable (it proves nothing: anyone on the path could send it) when
// it is longer than evidence can carry (evidence::kMaxNoteBytes), when no
// signature by the key verifies, when the text is no checkpoint or names
// another origin.
absl::StatusOr<SignedCheckpoint> OpenCheckpoint(const std::string& text,
                                                const note::NoteVerifier& log_key,
                                                absl::string_view origin);

// What the monitor audited of one log, as the judge reads it.
struct AuditedView {
  std::string log_key;  // the log's note verifier key (C2SP vkey), for evidence
  // The newest checkpoint whose every entry this monitor replayed, checked
  // and stored; nullopt before the first.
  std::optional<SignedCheckpoint> verified;
  // The newest checkpoint known consistent with `verified` and not smaller
  // (the audit target); nullopt: `verified` is the newest known.
  std::optional<SignedCheckpoint> head;
  // The audited tree's root at 0 < size < verified's size, and the
  // consistency proof between two sizes up to verified's (the monitor's own
  // database: no call to the log). Required when `verified` is set.
  std::function<absl::StatusOr<Hash>(uint64_t size)> root_at;
  std::function<absl::StatusOr<std::vector<Hash>>(uint64_t size1, uint64_t size2)> proof;
};

// A consistency proof that came with the checkpoint (a witness push's), from
// tree size `from_size` to the checkpoint's size. Used when `from_size` is
// the verified size.
struct OfferedProof {
  uint64_t from_size = 0;
  std::vector<Hash> hashes;
};

struct Verdict {
  enum class Kind {
    kConsistent,  // consistent with the view, not smaller than its head
                  // (larger: the new head)
    kOlder,       // consistent, smaller than the head (a rollback or a
                  // lagging replica: no evidence)
    kSplitView,   // cannot be a head of the audited log
  };
  Kind kind = Kind::kConsistent;
  // kSplitView: evidence that VerifyEvidence accepts, and its summary.
  std::optional<evidence::Evidence> evidence;
  std::string summary;
};

// Judges `checkpoint` (its log signature already verified) against `view`.
// `log` is asked for a consistency proof (and, for a power-of-two size,
// an entry and its inclusion proof) only when the checkpoint is larger than
// `verified` and `offered` did not settle it; each call with `deadline`.
// With `log` null nothing is asked: such a checkpoint is then Unavailable
// ("needs the log"), for a caller that must not wait (an HTTP thread) to
// hand it to the follower thread.
// Errors, none of them evidence of anything:
//   Unavailable  the log could not be asked, or its proof neither verifies
//                nor shows another root; a size-0 checkpoint whose root is
//                not the empty tree's;
//   other codes  from view.root_at / view.proof (the monitor's database).
absl::StatusOr<Verdict> JudgeCheckpoint(const SignedCheckpoint& checkpoint, const AuditedView& view,
                                        LogClient* log, absl::Time deadline,
                                        const OfferedProof* offered = nullptr);

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_CHECKPOINT_JUDGE_H_
