// The verifier library an app embeds (verifier/verifier.h), on answers from
// a fake log with 1,000 accounts:
//  - the first Lookup answer a fresh verifier checks (checkpoint with 2
//    cosignatures, the policy requiring both): everything verified;
//  - each further Lookup answer under a checkpoint the verifier already
//    verified (64 accounts in turn, as an app opening a group chat): the
//    checkpoint's signatures are remembered (log_proof.h CheckpointCache),
//    everything else (consistency, epoch inclusion, freshness, VRF, map,
//    chain) verified each time;
//  - the same 64 accounts as one BatchLookup answer (docs/PROTOCOL.md
//    "Batch lookups") checked by a fresh verifier: the log proof once, each
//    answer as a Lookup answer; reported per answer;
//  - one History answer of 10 versions;
//  - the saved state of 1,000 contacts: its size and the time to load it.
//
//   bazel run -c opt //bench:verifier_bench
//   bazel run -c opt --config=boringssl //bench:verifier_bench
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "benchmark/benchmark.h"
#include "core/crypto/ed25519.h"
#include "core/note/cosignature.h"
#include "testing/verifier_scenario.h"
#include "verifier/verifier.h"

namespace keytrail {
namespace verifier {
namespace {

constexpr int kAccounts = 1000;
constexpr int kGroup = 64;

using ::keytrail::bench::Account;

struct Fixture {
  Fixture() {
    auto m1 = note::CosignatureSigner::Generate("monitor-one.example").value();
    auto m2 = note::CosignatureSigner::Generate("monitor-two.example").value();
    log.AddCosigner(m1);
    log.AddCosigner(m2);
    Ed25519PrivateKey key = Ed25519PrivateKey::Generate();
    for (int i = 0; i < kAccounts; ++i) log.Update(Account(i), PlainKeySet({"phone"}));
    log.CloseEpoch(FakeLog::kGenesisTimeMs + 1000);
    for (int v = 0; v < 10; ++v) {
      log.UpdateSigned("busy@bench.example", key, {"phone", v % 2 ? "laptop" : "tablet"});
      log.CloseEpoch(FakeLog::kGenesisTimeMs + 2000 + 1000 * v);
    }
    policy = PolicyFor(log);
    policy.monitor_keys = {m1.VerifierKey(), m2.VerifierKey()};
    policy.min_cosignatures = 2;
    auto v = NewVerifier(policy);
    lookup = LookupAnswer(*v, log, Account(7));
    for (int i = 0; i < kGroup; ++i) group.push_back(LookupAnswer(*v, log, Account(100 + i)));
    std::vector<std::string> members;
    for (int i = 0; i < kGroup; ++i) members.push_back(Account(100 + i));
    batch_accounts = members;
    batch = BatchLookupAnswer(log, v->BatchLookupRequest(members).value());
    history = HistoryAnswer(*v, log, "busy@bench.example");
    for (int i = 0; i < kAccounts; ++i) {
      if (!DoLookup(v.get(), log, Account(i)).status.ok()) abort();
    }
    state = v->SaveState();
  }
  FakeLog log;
  Policy policy;
  std::string lookup, history, state, batch;
  std::vector<std::string> batch_accounts;  // Account(100 + i), the batch's
  std::vector<std::string> group;           // answers for Account(100 + i)
};

const Fixture& F() {
  static const Fixture* f = new Fixture;
  return *f;
}

void BM_VerifyFirstLookup(benchmark::State& state) {
  const Fixture& f = F();
  for (auto _ : state) {
    state.PauseTiming();
    auto v = NewVerifier(f.policy);
    state.ResumeTiming();
    Result r = v->HandleLookup(Account(7), f.lookup, Now(f.log));
    if (!r.status.ok()) state.SkipWithError("lookup rejected");
  }
  state.counters["answer_bytes"] = f.lookup.size();
}
BENCHMARK(BM_VerifyFirstLookup)->Unit(benchmark::kMicrosecond);

void BM_VerifyLookupUnderVerifiedCheckpoint(benchmark::State& state) {
  const Fixture& f = F();
  auto v = NewVerifier(f.policy);
  if (!v->HandleLookup(Account(7), f.lookup, Now(f.log)).status.ok()) abort();
  size_t i = 0;
  for (auto _ : state) {
    const int k = static_cast<int>(i++ % kGroup);
    Result r = v->HandleLookup(Account(100 + k), f.group[k], Now(f.log));
    if (!r.status.ok()) state.SkipWithError("lookup rejected");
  }
}
BENCHMARK(BM_VerifyLookupUnderVerifiedCheckpoint)->Unit(benchmark::kMicrosecond);

void BM_VerifyBatchLookupOfGroup(benchmark::State& state) {
  const Fixture& f = F();
  for (auto _ : state) {
    state.PauseTiming();
    auto v = NewVerifier(f.policy);
    state.ResumeTiming();
    BatchResult b = v->HandleBatchLookup(f.batch_accounts, f.batch, Now(f.log));
    if (!b.status.ok() || b.results.size() != kGroup) state.SkipWithError("batch rejected");
  }
  state.counters["answer_bytes"] = f.batch.size();
  // Seconds per answer (printed with an SI prefix: 200u is 200 µs).
  state.counters["per_answer"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * kGroup,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_VerifyBatchLookupOfGroup)->Unit(benchmark::kMicrosecond);

void BM_VerifyHistoryTenVersions(benchmark::State& state) {
  const Fixture& f = F();
  for (auto _ : state) {
    state.PauseTiming();
    auto v = NewVerifier(f.policy);
    state.ResumeTiming();
    Result r = v->HandleHistory("busy@bench.example", f.history, Now(f.log));
    if (!r.status.ok() || r.account->version != 10) state.SkipWithError("history rejected");
  }
  state.counters["answer_bytes"] = f.history.size();
}
BENCHMARK(BM_VerifyHistoryTenVersions)->Unit(benchmark::kMicrosecond);

void BM_LoadStateThousandContacts(benchmark::State& state) {
  const Fixture& f = F();
  for (auto _ : state) {
    auto v = Verifier::Create(f.policy, f.state);
    if (!v.ok()) state.SkipWithError("state refused");
    benchmark::DoNotOptimize(v);
  }
  state.counters["state_bytes"] = f.state.size();
}
BENCHMARK(BM_LoadStateThousandContacts)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace verifier
}  // namespace keytrail
