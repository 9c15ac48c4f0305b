// Writes the answers a C or Python test of the C API hands to its verifier,
// as "name hex" lines on stdout: the log's keys, then the answers a fake log
// gives to the calls the tests make, in their order:
//   1. History of the own account "alice" (enrolled: "phone");
//   2. Lookup of "bob";
//   3. the operator adds device "rogue" to alice, without her account key;
//      History of "alice" again;
//   4. alice signs her key set again ({"phone"}, version 3); History;
//   5. the operator adds device "tablet" to it under the version-3
//      signature (version 4); History;
//   6. a BatchLookup of "bob" and "carol" (who has no key set), under the
//      same checkpoint.
// TEST-ONLY (a genrule runs it).
#include <cstdio>
#include <string>

#include "core/bytes/encoding.h"
#include "core/crypto/ed25519.h"
#include "testing/verifier_scenario.h"

namespace keytrail {
namespace verifier {
namespace {

void Put(const char* name, const std::string& bytes) {
  std::printf("%s %s\n", name, HexEncode(bytes).c_str());
}

int Main() {
  FakeLog log;
  Ed25519PrivateKey alice = Ed25519PrivateKey::Generate();
  Ed25519PrivateKey bob = Ed25519PrivateKey::Generate();
  log.UpdateSigned("alice", alice, {"phone"});
  log.UpdateSigned("bob", bob, {"phone", "laptop"});
  log.CloseEpoch(FakeLog::kGenesisTimeMs + 1000);
  const Policy policy = PolicyFor(log);
  Put("note_key", policy.log_note_key);
  Put("vrf_key", policy.vrf_public_key);
  Put("commitment_key", policy.commitment_key);
  Put("now_ms", std::to_string(Now(log) + 60000));
  Put("alice_account_key", alice.public_key().bytes());

  auto v = NewVerifier(policy);
  if (!v->SetOwnAccount("alice").ok() || !v->EnrollDevice("phone", "key of phone").ok() ||
      !v->SetOwnAccountKey(alice.public_key().bytes()).ok()) {
    return 1;
  }
  std::string answer = HistoryAnswer(*v, log, "alice");
  Put("history_alice_1", answer);
  if (!v->HandleHistory("alice", answer, Now(log)).status.ok()) return 1;
  answer = LookupAnswer(*v, log, "bob");
  Put("lookup_bob", answer);
  if (!v->HandleLookup("bob", answer, Now(log)).status.ok()) return 1;

  log.Update("alice", PlainKeySet({"phone", "rogue"}));
  log.CloseEpoch(FakeLog::kGenesisTimeMs + 2000);
  answer = HistoryAnswer(*v, log, "alice");
  Put("history_alice_2", answer);
  Result r = v->HandleHistory("alice", answer, Now(log));
  if (!r.status.ok() || r.alerts.size() != 2) return 1;  // unenrolled, key removed

  log.UpdateSigned("alice", alice, {"phone"});
  log.CloseEpoch(FakeLog::kGenesisTimeMs + 3000);
  answer = HistoryAnswer(*v, log, "alice");
  Put("history_alice_3", answer);
  r = v->HandleHistory("alice", answer, Now(log));
  if (!r.status.ok() || !r.alerts.empty()) return 1;

  KeySet replayed = SignedKeySet(alice, "alice", 3, {"phone"});
  replayed.devices.push_back(Device{"tablet", "key of tablet"});
  SortDevices(&replayed);
  log.Update("alice", replayed);
  log.CloseEpoch(FakeLog::kGenesisTimeMs + 4000);
  answer = HistoryAnswer(*v, log, "alice");
  Put("history_alice_4", answer);
  r = v->HandleHistory("alice", answer, Now(log));
  if (!r.status.ok() || r.alerts.size() != 2) return 1;  // unenrolled, unsigned

  auto request = v->BatchLookupRequest({"bob", "carol"});
  if (!request.ok()) return 1;
  answer = BatchLookupAnswer(log, *request);
  Put("batch_bob_carol", answer);
  BatchResult b = v->HandleBatchLookup({"bob", "carol"}, answer, Now(log));
  return b.status.ok() && b.results.size() == 2 ? 0 : 1;
}

}  // namespace
}  // namespace verifier
}  // namespace keytrail

int main() { return keytrail::verifier::Main(); }
