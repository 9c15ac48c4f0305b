// TEST ONLY. The BatchLookup vector (testdata/batch_lookup_vector.json):
// a small log built with fixed keys, timestamps and openings, so it comes
// out the same, byte for byte, every time; a BatchLookupResponse of one
// present and one absent account from it, and each account's Lookup
// answer from the same state. //log_server:gen_batch_lookup_vector writes
// it; //log_server:batch_lookup_vector_test checks the committed file
// field by field and that the server still makes exactly these bytes.
#ifndef KEYTRAIL_LOG_SERVER_BATCH_LOOKUP_VECTOR_H_
#define KEYTRAIL_LOG_SERVER_BATCH_LOOKUP_VECTOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace keytrail::test {

struct BatchLookupVector {
  std::string origin;
  std::string note_verifier_key;
  std::string vrf_public_key;  // 33 bytes
  std::vector<std::string> accounts;
  uint64_t last_verified_size = 0;
  uint64_t tree_size = 0;
  std::string batch_response;                 // BatchLookupResponse bytes
  std::string log_proof;                      // its field 1 (LogProof bytes)
  std::vector<std::string> answers;           // its fields 2 (AccountAnswer bytes)
  std::vector<std::string> lookup_responses;  // Lookup(accounts[i]) bytes
};

// Builds the log in `dir` (a fresh directory, removed by the caller) and
// answers from it. Errors: the storage's or the builder's.
absl::StatusOr<BatchLookupVector> MakeBatchLookupVector(const std::string& dir);

}  // namespace keytrail::test

#endif  // KEYTRAIL_LOG_SERVER_BATCH_LOOKUP_VECTOR_H_
