// Witness: the C2SP tlog-witness add-checkpoint semantics
// (c2sp.org/tlog-witness), independent of HTTP: it takes a request body and
// returns the status code, content type and body to answer with. Unlike a
// plain witness it cosigns only checkpoints the monitor has fully audited
// (AuditedLogs::CheckAudited).
//
// AddCheckpoint answers, in the order the checks run:
//   400  malformed body (core/witness/add_checkpoint.h), a checkpoint note or
//        text that does not parse, or old size > checkpoint size;
//   413  a checkpoint note over evidence::kMaxNoteBytes (16 KiB), which the
//        auditor never keeps: not retryable;
//   404  origin not followed by this monitor (LogVerifier is null, or
//        CheckAudited says NotFound);
//   403  no signature by the log's key verifies (or one by it fails);
//   409  old size is not the size this witness last cosigned (0 if never);
//        also an old size equal to the checkpoint's with another root (the
//        spec's choice for that case). Body "<stored size>\n", Content-Type
//        text/x.tlog.size;
//   422  the consistency proof does not verify (a non-empty proof from 0
//        included, and a size-0 checkpoint whose root is not the empty
//        tree's); and, keytrail's choice, a log the monitor has found
//        misbehaving (CheckAudited FailedPrecondition): the spec's "MUST NOT
//        cosign" status for a checkpoint that is well-formed and signed but
//        whose history does not check out. Not retryable;
//   503  (Retry-After) the monitor has not audited that far before the
//        deadline (CheckAudited Unavailable: also at once while the audit
//        database fails writes), or the store is unavailable, e.g. the
//        new state could not be written (a full disk): nothing is cosigned
//        that is not stored, and the log retries;
//   500  anything else (storage damaged, a bug);
//   200  one cosignature line "— <name> <base64>\n" (tlog-cosignature/v1,
//        timestamped now), after the new state is durably stored.
// Before answering 409 or 422 to a checkpoint whose log signature verified,
// it hands it to AuditedLogs::Observe: a push of a checkpoint that cannot be
// a head of the audited log (another root at a cosigned size, a proof that
// shows another tree) is split-view evidence, whatever the answer says.
// The old-size check and the state write are one atomic compare-and-set
// (WitnessStore), so racing requests cannot roll the state back: the loser
// of a race gets 409 with the winner's size.
//
// CosignedCheckpoint serves the monitoring endpoint: the newest cosigned
// checkpoint note (the log's signature and this witness's cosignature) of
// the origin whose SHA-256 is given; 404 if none.
//
// Thread-safe. Does not own `logs` or `store`; both must outlive it.
#ifndef KEYTRAIL_MONITOR_WITNESS_H_
#define KEYTRAIL_MONITOR_WITNESS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/note/cosignature.h"
#include "monitor/audited_logs.h"
#include "monitor/witness_store.h"

namespace keytrail::monitor {

struct WitnessResponse {
  int status = 500;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // Seconds for a Retry-After header; 0 for none.
  int retry_after_seconds = 0;
};

struct WitnessOptions {
  // How long one request waits for the audit to reach its checkpoint.
  // Below the log server's default push timeout (10 s), so a log hears
  // 503 rather than timing out.
  absl::Duration audit_timeout = absl::Seconds(5);
  // Retry-After sent with 503.
  int retry_after_seconds = 5;
  // The cosignature timestamp source (tests pin it).
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

class Witness {
 public:
  Witness(AuditedLogs* logs, WitnessStore* store, note::CosignatureSigner signer,
          WitnessOptions options = {});

  WitnessResponse AddCheckpoint(absl::string_view body);
  // `origin_hash_hex`: lowercase hex SHA-256 of the origin (64 characters);
  // anything else is 404.
  WitnessResponse CosignedCheckpoint(absl::string_view origin_hash_hex) const;

  // Prometheus text of this witness's counters: add-checkpoint requests by
  // outcome, cosignatures issued.
  std::string MetricsText() const;
  // Cosignatures returned since start (the status page). Any thread.
  uint64_t cosignatures_issued() const;

  const note::CosignatureSigner& signer() const { return signer_; }

 private:
  WitnessResponse Answer(absl::string_view outcome, WitnessResponse response);
  WitnessResponse Error(absl::string_view outcome, int status, absl::string_view message);

  AuditedLogs* const logs_;
  WitnessStore* const store_;
  const note::CosignatureSigner signer_;
  const WitnessOptions options_;

  mutable absl::Mutex mu_;
  std::map<std::string, uint64_t> requests_by_outcome_ ABSL_GUARDED_BY(mu_);
  uint64_t cosignatures_issued_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_WITNESS_H_
