// Reading the checkpoint out of a signed checkpoint note in end-to-end
// tests, where the note came from a server under test. Test-only.
#ifndef KEYTRAIL_TESTING_SIGNED_CHECKPOINT_H_
#define KEYTRAIL_TESTING_SIGNED_CHECKPOINT_H_

#include "absl/strings/string_view.h"
#include "core/note/checkpoint.h"

namespace keytrail::test {

// The checkpoint in `signed_note` (signatures not checked), or an empty
// Checkpoint (size 0, no origin) when the note or its text does not parse,
// so a test's size comparisons fail visibly instead of crashing.
note::Checkpoint CheckpointOf(absl::string_view signed_note);

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_SIGNED_CHECKPOINT_H_
