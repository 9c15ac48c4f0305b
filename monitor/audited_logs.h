// monitor/audited_logs.h
// AuditedLogs: what the witness asks of the monitor's auditors. Implemented by
// the monitor (one auditor per followed log); used by the tlog-witness handler.
// Thread-safe: called from HTTP threads while the auditors run.
#ifndef KEYTRAIL_MONITOR_AUDITED_LOGS_H_
#define KEYTRAIL_MONITOR_AUDITED_LOGS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
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
  virtual absl::Status CheckAudited(absl::string_view origin,
                                    absl::string_view signed_note,
                                    const note::Checkpoint& checkpoint,
                                    absl::Time deadline) = 0;
};

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_AUDITED_LOGS_H_
