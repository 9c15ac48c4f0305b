// Fuzzes the verifier's BatchLookup answer check (Verifier::HandleBatchLookup)
// with BatchLookupResponse protobufs against the fixed log's policy
// (fuzz/fixed_keys.h). Input: byte 0 picks how many accounts were asked
// (1..4), byte 1 which (two bits each), the rest is the response.
// Properties: never a crash; a batch rejected as a whole changes nothing
// and has no per-account results; never more results than accounts; and
// each answer is handled as the Lookup answer it is: a second verifier fed
// the batch's log proof (as field 1) followed by answer i's bytes, as a
// LookupResponse, gets the same status code and version (docs/PROTOCOL.md
// "Batch lookups": those bytes are the account's Lookup answer).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fixed_keys.h"
#include "fuzz/fuzz_check.h"
#include "proto/keytrail.pb.h"
#include "verifier/verifier.h"

using namespace keytrail;

namespace {
const char* const kAccounts[] = {"alice", "bob", "carol", "dave"};

// `message` as protobuf field 1 (length-delimited): tag, varint length,
// bytes. Encoded by hand rather than with LookupAnswerPrefix, which the
// verifier uses, so that the two are checked against each other.
std::string AsField1(const std::string& message) {
  std::string out(1, '\x0a');
  for (uint64_t n = message.size();; n >>= 7) {
    if (n < 0x80) {
      out.push_back(static_cast<char>(n));
      break;
    }
    out.push_back(static_cast<char>((n & 0x7f) | 0x80));
  }
  return out + message;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::vector<std::string> accounts;
  for (int i = 0; i <= data[0] % 4; ++i) accounts.push_back(kAccounts[(data[1] >> (2 * i)) & 3]);
  const std::string response(reinterpret_cast<const char*>(data + 2), size - 2);
  static const verifier::Policy policy = fuzz::FixedPolicy();
  const uint64_t now = fakes::FakeLog::kGenesisTimeMs + 10000;

  auto v = verifier::Verifier::Create(policy, "");
  FUZZ_CHECK(v.ok());
  const std::string before = (*v)->SaveState();
  verifier::BatchResult b = (*v)->HandleBatchLookup(accounts, response, now);
  FUZZ_CHECK(b.results.size() <= accounts.size());
  if (!b.status.ok()) {
    FUZZ_CHECK(b.results.empty());
    FUZZ_CHECK((*v)->SaveState() == before);
    return 0;
  }
  v1::BatchLookupResponse parsed;
  FUZZ_CHECK(parsed.ParseFromString(response));
  FUZZ_CHECK(b.results.size() == static_cast<size_t>(parsed.answers_size()));
  auto w = verifier::Verifier::Create(policy, "");
  FUZZ_CHECK(w.ok());
  const std::string log = AsField1(parsed.log().SerializeAsString());
  for (size_t i = 0; i < b.results.size(); ++i) {
    const verifier::Result& r = b.results[i];
    verifier::Result one = (*w)->HandleLookup(
        accounts[i], log + parsed.answers(static_cast<int>(i)).SerializeAsString(), now);
    FUZZ_CHECK(one.status.code() == r.status.code());
    FUZZ_CHECK(one.account.has_value() == r.account.has_value());
    if (r.account) {
      FUZZ_CHECK(r.account->account == accounts[i]);
      FUZZ_CHECK(one.account->version == r.account->version);
    }
  }
  return 0;
}
