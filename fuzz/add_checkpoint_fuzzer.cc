// Fuzzes ParseAddCheckpointRequest (core/witness/add_checkpoint.h), the
// tlog-witness request body, with the witness's check of it
// (add_checkpoint_check.h) against the fixed log. Properties:
//  - every request built from the fixed log's own consistency proofs (any
//    old size, any newer size) parses back to its parts and passes the
//    check (checked once, on the first input);
//  - what parses formats back to the same bytes, when its checkpoint ends
//    in a newline (FormatAddCheckpointRequest requires it); a checkpoint
//    that does not never passes the check;
//  - a request that passes the check still passes after the round trip,
//    with the same size and proof;
//  - the 409 body parser on the same bytes: what parses formats back.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/merkle/hash_list.h"
#include "core/witness/add_checkpoint.h"
#include "fuzz/add_checkpoint_check.h"
#include "fuzz/fixed_keys.h"
#include "fuzz/fuzz_check.h"

using namespace keytrail;

namespace {

// Requests from the fixed log's real proofs verify (the property the
// mutations below are measured against).
void CheckHonestRequests() {
  const fakes::FakeLog& log = fuzz::Log();
  for (uint64_t size = 1; size <= log.size(); ++size) {
    for (uint64_t old_size = 0; old_size <= size; ++old_size) {
      std::vector<Hash> proof;
      if (old_size != 0 && old_size != size) {
        auto decoded = merkle::DecodeHashList(log.ConsistencyProof(old_size, size),
                                              witness::kMaxProofLines, "proof");
        FUZZ_CHECK(decoded.ok());
        proof = *decoded;
      }
      const std::string body =
          witness::FormatAddCheckpointRequest(old_size, proof, log.SignedCheckpointAt(size));
      auto parsed = witness::ParseAddCheckpointRequest(body);
      FUZZ_CHECK(parsed.ok());
      FUZZ_CHECK(parsed->old_size == old_size && parsed->proof == proof);
      FUZZ_CHECK(fuzz::CheckAgainstFixedLog(*parsed).ok());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool honest_checked = (CheckHonestRequests(), true);
  (void)honest_checked;
  absl::string_view in(reinterpret_cast<const char*>(data), size);

  auto tlog_size = witness::ParseTlogSize(in);
  if (tlog_size.ok()) FUZZ_CHECK(witness::FormatTlogSize(*tlog_size) == in);
  (void)witness::CheckSignatureLines(in);

  auto parsed = witness::ParseAddCheckpointRequest(in);
  if (!parsed.ok()) return 0;
  FUZZ_CHECK(!parsed->checkpoint.empty());
  FUZZ_CHECK(parsed->proof.size() <= witness::kMaxProofLines);
  const absl::Status checked = fuzz::CheckAgainstFixedLog(*parsed);
  if (parsed->checkpoint.back() != '\n') {
    FUZZ_CHECK(!checked.ok());
    return 0;
  }
  const std::string formatted =
      witness::FormatAddCheckpointRequest(parsed->old_size, parsed->proof, parsed->checkpoint);
  FUZZ_CHECK(formatted == in);
  auto again = witness::ParseAddCheckpointRequest(formatted);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->old_size == parsed->old_size);
  FUZZ_CHECK(again->proof == parsed->proof);
  FUZZ_CHECK(again->checkpoint == parsed->checkpoint);
  if (checked.ok()) FUZZ_CHECK(fuzz::CheckAgainstFixedLog(*again).ok());
  return 0;
}
