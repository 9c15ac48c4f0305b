#include "core/witness/add_checkpoint.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "core/bytes/decimal.h"
#include "core/bytes/encoding.h"
#include "core/merkle/verify.h"
#include "core/note/note.h"

namespace keytrail::witness {
namespace {

absl::Status Error(absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat("add-checkpoint: ", reason));
}

// Splits off the next "\n"-terminated line (without its newline). False when
// no newline is left.
bool NextLine(absl::string_view* rest, absl::string_view* line) {
  const size_t nl = rest->find('\n');
  if (nl == absl::string_view::npos) return false;
  *line = rest->substr(0, nl);
  rest->remove_prefix(nl + 1);
  return true;
}

// The base64 length of a 32-byte hash: 4 * ceil(32 / 3).
constexpr size_t kHashBase64Size = 44;

}  // namespace

absl::StatusOr<AddCheckpointRequest> ParseAddCheckpointRequest(absl::string_view body) {
  if (body.size() > kMaxAddCheckpointBody) {
    return Error(absl::StrCat("body of ", body.size(), " bytes, limit ", kMaxAddCheckpointBody));
  }
  absl::string_view rest = body;
  absl::string_view line;
  if (!NextLine(&rest, &line)) return Error("no old size line");
  if (!absl::ConsumePrefix(&line, "old ")) {
    return Error("first line is not \"old <size>\"");
  }
  AddCheckpointRequest request;
  if (!ParseCanonicalDecimal(line, &request.old_size)) {
    return Error("old size is not a canonical decimal");
  }
  while (true) {
    if (!NextLine(&rest, &line)) return Error("no blank line before the checkpoint");
    if (line.empty()) break;
    if (request.proof.size() == kMaxProofLines) {
      return Error(absl::StrCat("more than ", kMaxProofLines, " proof lines"));
    }
    if (line.size() != kHashBase64Size) {
      return Error(absl::StrCat("proof line ", request.proof.size() + 1,
                                " is not the base64 of a 32-byte hash"));
    }
    absl::StatusOr<std::string> raw = Base64Decode(line, "add-checkpoint: proof line");
    if (!raw.ok()) return raw.status();
    Hash h;
    if (!HashFromBytes(*raw, &h)) {
      return Error(absl::StrCat("proof line ", request.proof.size() + 1, " is not a 32-byte hash"));
    }
    request.proof.push_back(h);
  }
  if (rest.empty()) return Error("no checkpoint after the blank line");
  request.checkpoint = std::string(rest);
  return request;
}

std::string FormatAddCheckpointRequest(uint64_t old_size, absl::Span<const Hash> proof,
                                       absl::string_view checkpoint) {
  if (proof.size() > kMaxProofLines || checkpoint.empty() || checkpoint.back() != '\n') {
    std::abort();
  }
  std::string out = absl::StrCat("old ", old_size, "\n");
  for (const Hash& h : proof) {
    absl::StrAppend(&out, Base64Encode(HashView(h)), "\n");
  }
  absl::StrAppend(&out, "\n", checkpoint);
  return out;
}

absl::StatusOr<uint64_t> ParseTlogSize(absl::string_view body) {
  uint64_t size = 0;
  if (body.empty() || body.back() != '\n' ||
      !ParseCanonicalDecimal(body.substr(0, body.size() - 1), &size)) {
    return absl::InvalidArgumentError("tlog size: body is not \"<canonical decimal>\\n\"");
  }
  return size;
}

std::string FormatTlogSize(uint64_t size) { return absl::StrCat(size, "\n"); }

absl::Status CheckSignatureLines(absl::string_view body) {
  auto error = [](absl::string_view reason) {
    return absl::InvalidArgumentError(absl::StrCat("cosignature response: ", reason));
  };
  if (body.size() > kMaxCosignatureResponse) {
    return error(absl::StrCat(body.size(), " bytes, limit ", kMaxCosignatureResponse));
  }
  if (body.empty()) return error("no signature line");
  absl::string_view rest = body;
  absl::string_view line;
  size_t lines = 0;
  while (!rest.empty()) {
    if (!NextLine(&rest, &line)) return error("last line has no newline");
    if (!absl::StartsWith(line, "\xE2\x80\x94 ")) {
      return error(absl::StrCat("line ", lines + 1, " does not start with \"\xE2\x80\x94 \""));
    }
    if (++lines > note::kMaxNoteSignatures) {
      return error(absl::StrCat("more than ", note::kMaxNoteSignatures, " lines"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckExtends(uint64_t old_size, const Hash& old_root, uint64_t new_size,
                          const Hash& new_root, absl::Span<const Hash> proof) {
  if (new_size == 0 && new_root != Sha256Of("")) {
    return absl::InvalidArgumentError("a size-0 checkpoint must have the empty tree's root");
  }
  if (old_size == 0 || old_size == new_size) {
    if (!proof.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("the consistency proof from size ", old_size,
                                                     " to ", new_size, " must be empty"));
    }
    if (old_size != 0 && new_root != old_root) {
      return absl::FailedPreconditionError(
          absl::StrCat("size ", old_size, " with a root other than the one cosigned"));
    }
    return absl::OkStatus();
  }
  return merkle::VerifyConsistency(old_size, new_size, proof, old_root, new_root);
}

}  // namespace keytrail::witness
