// monitor/audited_logs.h
// AuditedLogs: what the witness asks of the monitor's auditors. Implemented by
// the monitor (one auditor per followed log); used by the tlog-witness handler.
// Thread-safe: called from HTTP threads while the auditors run.
#ifndef KEYTRAIL_MONITOR_AUDITED_LOGS_H_
#define KEYTRAIL_MONITOR_AUDITED_LOGS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "core/crypto/sha256.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"

namespace keytrail::monitor {

class AuditedLogs {
 public:
  virtual ~AuditedLogs() = default;

  // The log's note verifier for `origin`, or nullptr when this monitor does
  // not follow that origin. The pointer lives as long as this object.
  virtual const note::NoteVerifier* LogVerifier(absl::string_view origin) const = 0;

  // Whether `checkpoint` (already verified by the caller: a well-formed
  // tlog-checkpoint whose log signature verifies; `signed_note` is its whole
  // note text) matches what this monitor has replayed and checked. When the
  // checkpoint is beyond what has been audited, the auditor takes it as a new
  // target (fetching entries up to its size) and this call waits until the
  // audit reaches it or `deadline` passes.
  //   OK: every entry up to checkpoint.size was replayed and passed every
  //       rule, and the audited tree at that size has checkpoint's root:
  //       safe to cosign.
  //   Unavailable: not audited that far by the deadline (retryable).
  //   FailedPrecondition: the log is misbehaving — already known, or proven
  //       by this very checkpoint (another root at a size already audited,
  //       or entries up to its size that break a rule); the auditor has
  //       stored the evidence before returning.
  //   NotFound: the monitor does not follow `origin`.
  virtual absl::Status CheckAudited(absl::string_view origin, absl::string_view signed_note,
                                    const note::Checkpoint& checkpoint, absl::Time deadline) = 0;

  // A checkpoint of `origin` (verified by the caller as for CheckAudited)
  // that the witness was pushed and will not cosign — the request's old size
  // is not the cosigned one, its proof does not verify, or it has another
  // root at the cosigned size — with the request's `old_size` and `proof`.
  // Whatever the answer to the request, the auditor judges the checkpoint
  // like any other it sees: one that cannot be a head of the audited log
  // becomes split-view evidence (stored, MISBEHAVING, no more cosigning).
  // Returns at once, never waiting on the log (a checkpoint that needs the
  // log's proof is judged later by the auditor's own thread).
  //   FailedPrecondition: the log is known to misbehave (now or before);
  //   NotFound: the monitor does not follow `origin`;
  //   OK: nothing proven (yet); other codes: the monitor's own storage.
  virtual absl::Status Observe(absl::string_view origin, absl::string_view signed_note,
                               const note::Checkpoint& checkpoint, uint64_t old_size,
                               absl::Span<const Hash> proof) = 0;
};

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_AUDITED_LOGS_H_
