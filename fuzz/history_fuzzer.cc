// Fuzzes the verifier's History answer check (verifier/history.h) with
// HistoryResponse protobufs against the fixed log's trust. The first input
// byte picks the account and since_version. Properties: never a crash; an
// answer that verifies still verifies after a protobuf round trip with the
// same versions; the versions it returns are consecutive from since_version.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "fuzz/fixed_keys.h"
#include "fuzz/fuzz_check.h"
#include "verifier/history.h"

using namespace keytrail;

namespace {
const char* const kAccounts[] = {"alice", "bob", "carol", "dave"};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string account = kAccounts[data[0] % 4];
  const uint64_t since = 1 + (data[0] >> 2) % 3;
  v1::HistoryResponse response;
  if (!response.ParseFromArray(data + 1, static_cast<int>(size - 1))) return 0;
  const uint64_t now = fakes::FakeLog::kGenesisTimeMs + 10000;
  auto v = verifier::VerifyHistory(fuzz::Trust(), account, since, std::nullopt, response, {}, now);
  if (!v.ok()) return 0;
  for (size_t i = 0; i < v->versions.size(); ++i) {
    FUZZ_CHECK(v->versions[i].version == since + i);
  }
  std::string wire;
  FUZZ_CHECK(response.SerializeToString(&wire));
  v1::HistoryResponse again;
  FUZZ_CHECK(again.ParseFromString(wire));
  auto w = verifier::VerifyHistory(fuzz::Trust(), account, since, std::nullopt, again, {}, now);
  FUZZ_CHECK(w.ok());
  FUZZ_CHECK(w->versions.size() == v->versions.size());
  FUZZ_CHECK(w->head == v->head);
  return 0;
}
