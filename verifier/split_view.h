// Split-view (fork) evidence as the verifier library raises it, in the
// monitor's evidence format (core/evidence, docs/PROTOCOL.md "Evidence"), so
// that `keytrail evidence verify` and any monitor can check what a phone
// found without trusting the phone.
//
// Pure functions; thread-safe.
#ifndef KEYTRAIL_VERIFIER_SPLIT_VIEW_H_
#define KEYTRAIL_VERIFIER_SPLIT_VIEW_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "core/crypto/sha256.h"
#include "core/note/checkpoint.h"

namespace keytrail {
namespace verifier {

// One signed checkpoint: its note text and what it says.
struct SignedCheckpoint {
  std::string note;  // the whole signed note
  note::Checkpoint checkpoint;
};

// Encoded split-view evidence when `a` and `b` (both signed by the log whose
// verifier key is `log_vkey`) cannot both be heads of one append-only log:
//  - equal sizes and different roots: always;
//  - different sizes: when `consistency_proof` (an encoded hash list, from
//    the smaller size to the larger) leads to the larger root from an older
//    root other than the smaller checkpoint's (then the log signed a proof
//    of its own split view).
// nullopt when the two are consistent, or when the proof does not decode or
// lead to the larger root at all (which proves nothing about the log: anyone
// can send a broken proof).
std::optional<std::string> SplitViewEvidence(absl::string_view log_vkey, const SignedCheckpoint& a,
                                             const SignedCheckpoint& b,
                                             absl::string_view consistency_proof);

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_VERIFIER_SPLIT_VIEW_H_
