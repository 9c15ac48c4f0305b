// The C2SP tlog-witness wire formats (c2sp.org/tlog-witness), shared by the
// witness that parses them and the log server that sends them:
//
//   add-checkpoint request body:
//     old <size>\n                      canonical ASCII decimal
//     <base64 of one 32-byte hash>\n    0..63 consistency proof lines
//     \n
//     <signed checkpoint note>          everything after the blank line
//   409 Conflict body (Content-Type text/x.tlog.size):
//     <size>\n
//   200 body: one or more note signature lines "— <name> <base64>\n".
//
// Parsing is strict (any deviation is InvalidArgument "add-checkpoint: ..."):
//  - sizes are canonical decimal: digits only, no sign, no leading zero
//    (except "0"), at most 2^64 - 1;
//  - each proof line is exactly the 44-character canonical base64 of 32
//    bytes; more than kMaxProofLines lines is an error;
//  - every line ends in "\n" (no "\r");
//  - the whole body is at most kMaxAddCheckpointBody bytes; the checkpoint
//    part is not empty and is returned verbatim (the caller opens it as a
//    signed note, which checks its structure and signatures).
// The proof is not verified here (the caller has the old root).
// Stateless, thread-safe.
#ifndef KEYTRAIL_CORE_WITNESS_ADD_CHECKPOINT_H_
#define KEYTRAIL_CORE_WITNESS_ADD_CHECKPOINT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/crypto/sha256.h"

namespace keytrail::witness {

// The spec's limit on consistency proof lines.
constexpr size_t kMaxProofLines = 63;
// Request bodies above this are refused: a checkpoint note with the spec's
// 100 signatures and long extension lines fits many times over.
constexpr size_t kMaxAddCheckpointBody = 64 * 1024;
// A 200 answer above this is refused by the log's pusher.
constexpr size_t kMaxCosignatureResponse = 16 * 1024;

// The Content-Type of a 409 answer.
constexpr char kTlogSizeContentType[] = "text/x.tlog.size";

struct AddCheckpointRequest {
  uint64_t old_size = 0;
  std::vector<Hash> proof;
  std::string checkpoint;  // the signed note, verbatim
};

// Parses a request body (see the file comment).
absl::StatusOr<AddCheckpointRequest> ParseAddCheckpointRequest(absl::string_view body);

// The request body. REQUIRES: proof.size() <= kMaxProofLines and a signed
// note that ends in "\n" (aborts otherwise: a caller bug).
std::string FormatAddCheckpointRequest(uint64_t old_size, absl::Span<const Hash> proof,
                                       absl::string_view checkpoint);

// A 409 body "<size>\n": the size, or InvalidArgument
// "tlog size: ..." for anything else (empty, non-canonical, no final
// newline, trailing bytes, more than 20 digits).
absl::StatusOr<uint64_t> ParseTlogSize(absl::string_view body);
std::string FormatTlogSize(uint64_t size);

// Checks a 200 body's shape: 1..100 lines, each starting with "— " and
// ending in "\n", no blank line, at most kMaxCosignatureResponse bytes.
// InvalidArgument "cosignature response: ..." otherwise. The lines are then
// appended to the checkpoint note and opened with the witness's key
// (note::OpenNote), which checks them fully.
absl::Status CheckSignatureLines(absl::string_view body);

// Whether a checkpoint of `new_size` / `new_root` extends the tree a witness
// cosigned at `old_size` / `old_root` (old_size 0: nothing cosigned yet), by
// the rules of c2sp.org/tlog-witness; the caller has checked old_size <=
// new_size and the checkpoint's signature. Shared by the witness and the
// fuzz target that checks requests against a fixed log. Returns
//  - OK: it does;
//  - FailedPrecondition: the same non-zero size with another root (a fork;
//    the witness answers 409 Conflict with the size it holds);
//  - InvalidArgument naming what failed (the witness answers 422): a size-0
//    checkpoint without the empty tree's root, a proof where none is due
//    (old size 0, or equal sizes), or a consistency proof that does not
//    verify.
absl::Status CheckExtends(uint64_t old_size, const Hash& old_root, uint64_t new_size,
                          const Hash& new_root, absl::Span<const Hash> proof);

}  // namespace keytrail::witness

#endif  // KEYTRAIL_CORE_WITNESS_ADD_CHECKPOINT_H_
