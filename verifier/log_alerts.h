// The log alerts an answer can raise (docs/VERIFIER.md, alerts 5-8): what a
// log proof that the log's key signed says about the log itself, judged
// against the checkpoint the library verified before. The answer is
// rejected either way (VerifyLogProof fails on each of these); the alerts
// say why in terms the user can act on, with evidence.
//
// Pure functions; thread-safe.
#ifndef KEYTRAIL_VERIFIER_LOG_ALERTS_H_
#define KEYTRAIL_VERIFIER_LOG_ALERTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/keytrail.pb.h"
#include "verifier/alert.h"
#include "verifier/log_trust.h"
#include "verifier/split_view.h"

namespace keytrail {
namespace verifier {

// Opens `message` with the log's key alone and parses its checkpoint (origin
// trust.origin, size >= 1). InvalidArgument "checkpoint: ..." otherwise.
absl::StatusOr<SignedCheckpoint> OpenLogCheckpoint(const LogTrust& trust,
                                                   absl::string_view message);

// The alerts `proof` raises against `stored` (the last verified checkpoint;
// nullopt before the first): none unless the log's own signature verifies.
// Then, each that applies:
//   kLogMissingCosignatures  fewer than trust.min_cosignatures trusted
//                            monitors cosigned (evidence: the served note);
//   kLogRolledBack           a smaller tree than `stored` (evidence: the
//                            served note);
//   kLogForked               a tree inconsistent with `stored`, proven
//                            (evidence: SplitViewEvidence);
//   kLogStale                its epoch entry (proven by its inclusion proof)
//                            is older than trust.max_staleness_ms at now_ms
//                            (evidence: the served note).
std::vector<Alert> LogAlerts(const LogTrust& trust, absl::string_view log_vkey,
                             const v1::LogProof& proof,
                             const std::optional<SignedCheckpoint>& stored, uint64_t now_ms);

// The rollback alert for a server that answered OUT_OF_RANGE to a request
// whose last_verified_size was `stored`'s size (DESIGN-NOTES, "Rollback
// evidence"): the evidence is the stored note, the log's own signed word
// that its tree once had that size.
Alert OutOfRangeAlert(const SignedCheckpoint& stored);

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_VERIFIER_LOG_ALERTS_H_
