// The check a tlog-witness makes of an add-checkpoint request
// (c2sp.org/tlog-witness, as monitor/witness.cc does it), against the fixed
// log of fuzz/fixed_keys.h: the witness is taken to have cosigned the fixed
// log at the request's old size (old size 0: nothing yet). Shared by
// add_checkpoint_fuzzer and make_seeds, so that the seeds are known to pass
// the check the fuzzer asserts about. TEST-ONLY.
//
// Returns OK when the checkpoint is a note the fixed log's key signed, with
// a checkpoint body of the fixed log's origin, an old size within both the
// checkpoint and the fixed log, and a proof that the checkpoint extends the
// fixed log's tree at the old size (witness::CheckExtends, the witness's own
// rule). Otherwise an error naming the failed step: InvalidArgument, or
// FailedPrecondition for the same size with another root. Thread-safe (the
// fixed log is built once).
#ifndef KEYTRAIL_FUZZ_ADD_CHECKPOINT_CHECK_H_
#define KEYTRAIL_FUZZ_ADD_CHECKPOINT_CHECK_H_

#include "absl/status/status.h"
#include "core/witness/add_checkpoint.h"

namespace keytrail {
namespace fuzz {

absl::Status CheckAgainstFixedLog(const witness::AddCheckpointRequest& request);

}  // namespace fuzz
}  // namespace keytrail

#endif  // KEYTRAIL_FUZZ_ADD_CHECKPOINT_CHECK_H_
