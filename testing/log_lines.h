// Reading a server's log output in end-to-end tests. Test-only.
#ifndef KEYTRAIL_TESTING_LOG_LINES_H_
#define KEYTRAIL_TESTING_LOG_LINES_H_

#include "absl/strings/string_view.h"

namespace keytrail::test {

// How many lines of `text` (split at '\n') contain `needle`: the servers
// promise one log line per significant event, so tests count them.
// Thread-compatible; no allocation beyond the split.
int CountLinesContaining(absl::string_view text, absl::string_view needle);

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_LOG_LINES_H_
