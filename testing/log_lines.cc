#include "testing/log_lines.h"

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace keytrail::test {

int CountLinesContaining(absl::string_view text, absl::string_view needle) {
  int n = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) n += absl::StrContains(line, needle);
  return n;
}

}  // namespace keytrail::test
