// Fuzzes the verifier's Lookup answer check (verifier/lookup.h) with
// LookupResponse protobufs against the fixed log's trust (fuzz/fixed_keys.h).
// The first input byte picks the account asked about. Properties: never a
// crash; an answer that verifies still verifies after a protobuf round trip,
// with the same result; it proves the checkpoint the answer carries.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fixed_keys.h"
#include "fuzz/fuzz_check.h"
#include "verifier/lookup.h"

using namespace keytrail;

namespace {
const char* const kAccounts[] = {"alice", "bob", "carol", "dave"};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string account = kAccounts[data[0] % 4];
  v1::LookupResponse response;
  if (!response.ParseFromArray(data + 1, static_cast<int>(size - 1))) return 0;
  const uint64_t now = fakes::FakeLog::kGenesisTimeMs + 10000;
  auto v = verifier::VerifyLookup(fuzz::Trust(), account, response, {}, now);
  if (!v.ok()) return 0;
  std::string wire;
  FUZZ_CHECK(response.SerializeToString(&wire));
  v1::LookupResponse again;
  FUZZ_CHECK(again.ParseFromString(wire));
  auto w = verifier::VerifyLookup(fuzz::Trust(), account, again, {}, now);
  FUZZ_CHECK(w.ok());
  FUZZ_CHECK(w->index == v->index);
  FUZZ_CHECK(w->current.has_value() == v->current.has_value());
  if (v->current) FUZZ_CHECK(w->current->version == v->current->version);
  // What verified is a checkpoint of the fixed log: nobody else holds its key.
  FUZZ_CHECK(v->log.checkpoint.size <= fuzz::Log().size());
  return 0;
}
