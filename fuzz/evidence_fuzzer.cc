// Fuzzes evidence files (core/evidence/evidence.h): DecodeEvidence, then
// VerifyEvidence on what decodes. Properties:
//  - decode -> encode is the identity (the encoding is canonical, and
//    whatever decodes is within the bounds EncodeEvidence requires);
//  - verification gives the same answer for the decoded evidence and for
//    the evidence decoded again from its encoding (same finding, or the same
//    refusal);
//  - a refusal is InvalidArgument; a finding names the evidence's own log
//    key and the origin that key is named after.
// make_seeds writes verifying evidence of each kind from the fixed log's
// forks, so mutations start past the signature and proof checks.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "core/evidence/evidence.h"
#include "fuzz/fuzz_check.h"

using namespace keytrail;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view in(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<evidence::Evidence> decoded = evidence::DecodeEvidence(in);
  if (!decoded.ok()) {
    FUZZ_CHECK(decoded.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  const std::string encoded = evidence::EncodeEvidence(*decoded);
  FUZZ_CHECK(encoded == in);
  absl::StatusOr<evidence::Evidence> again = evidence::DecodeEvidence(encoded);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(evidence::EncodeEvidence(*again) == encoded);

  absl::StatusOr<evidence::Finding> finding = evidence::VerifyEvidence(*decoded);
  absl::StatusOr<evidence::Finding> finding_again = evidence::VerifyEvidence(*again);
  FUZZ_CHECK(finding.ok() == finding_again.ok());
  if (!finding.ok()) {
    FUZZ_CHECK(finding.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(finding.status() == finding_again.status());
    return 0;
  }
  FUZZ_CHECK(finding->summary == finding_again->summary);
  FUZZ_CHECK(finding->origin == finding_again->origin);
  FUZZ_CHECK(finding->log_key == decoded->log_key);
  FUZZ_CHECK(!finding->summary.empty());
  // A C2SP verifier key is "<name>+<hash>+<key>": the origin is its name.
  FUZZ_CHECK(absl::string_view(decoded->log_key).substr(0, finding->origin.size() + 1) ==
             finding->origin + "+");
  return 0;
}
