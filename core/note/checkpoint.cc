#include "core/note/checkpoint.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/bytes/decimal.h"
#include "core/bytes/encoding.h"
#include "core/note/text.h"

namespace keytrail {
namespace note {
namespace {

absl::Status Error(absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat("checkpoint: ", reason));
}

}  // namespace

absl::StatusOr<Checkpoint> ParseCheckpoint(absl::string_view text) {
  absl::Status chars = CheckNoteCharacters(text, "checkpoint");
  if (!chars.ok()) return chars;
  if (!absl::ConsumeSuffix(&text, "\n")) {
    return Error("text does not end in a newline");
  }
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (lines.size() < 3) {
    return Error(absl::StrCat(lines.size(),
                              " lines, want at least 3 "
                              "(origin, size, root hash)"));
  }
  Checkpoint cp;
  if (lines[0].empty()) return Error("empty origin line");
  cp.origin = std::string(lines[0]);
  if (!ParseCanonicalDecimal(lines[1], &cp.size)) {
    return Error("tree size is not a canonical decimal number below 2^64");
  }
  auto root = Base64Decode(lines[2], "checkpoint: root hash");
  if (!root.ok()) return root.status();
  if (!HashFromBytes(*root, &cp.root)) {
    return Error(absl::StrCat("root hash is ", root->size(), " bytes, want ", kHashSize));
  }
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) {
      return Error(absl::StrCat("empty extension line ", i + 1));
    }
    cp.extensions.emplace_back(lines[i]);
  }
  return cp;
}

std::string FormatCheckpoint(const Checkpoint& checkpoint) {
  std::string out = absl::StrCat(checkpoint.origin, "\n", checkpoint.size, "\n",
                                 Base64Encode(HashView(checkpoint.root)), "\n");
  for (const std::string& ext : checkpoint.extensions) {
    absl::StrAppend(&out, ext, "\n");
  }
  return out;
}

}  // namespace note
}  // namespace keytrail
