// Signature throughput: raw Ed25519, C2SP signed notes (sign, open) and
// tlog-cosignature/v1 (sign, verify), on a checkpoint-sized text. The
// items_per_second column is signatures (or notes) per second on one core.
//   bazel run -c opt //bench:signature_bench
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "core/crypto/ed25519.h"
#include "core/note/cosignature.h"
#include "core/note/note.h"

namespace keytrail {
namespace {

// A typical checkpoint body: origin, size, base64 root hash (96 bytes).
const char kCheckpoint[] =
    "example.org/keytrail-test-log\n"
    "1234567890\n"
    "/HtzXVSOrQ5/vpHJt/ZXDg114baS2ri7oGd7Hf6cNL0=\n";

constexpr uint64_t kTime = 1700000000;

Ed25519PrivateKey Key(char fill) {
  return Ed25519PrivateKey::FromSeed(std::string(32, fill)).value();
}

void BM_Ed25519Sign(benchmark::State& state) {
  const Ed25519PrivateKey key = Key(1);
  for (auto _ : state) benchmark::DoNotOptimize(key.Sign(kCheckpoint));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ed25519Sign);

void BM_Ed25519Verify(benchmark::State& state) {
  const Ed25519PrivateKey key = Key(1);
  const std::string sig = key.Sign(kCheckpoint);
  for (auto _ : state) {
    if (!key.public_key().Verify(kCheckpoint, sig)) state.SkipWithError("bad");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ed25519Verify);

void BM_NoteSign(benchmark::State& state) {
  const auto signer =
      note::Ed25519NoteSigner::Create("example.org/keytrail-test-log", Key(1)).value();
  for (auto _ : state) {
    auto msg = note::SignNote(kCheckpoint, {&signer});
    benchmark::DoNotOptimize(msg);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NoteSign);

void BM_NoteOpen(benchmark::State& state) {
  const auto signer =
      note::Ed25519NoteSigner::Create("example.org/keytrail-test-log", Key(1)).value();
  const note::Ed25519NoteVerifier verifier = signer.Verifier();
  const std::string msg = note::SignNote(kCheckpoint, {&signer}).value();
  for (auto _ : state) {
    auto opened = note::OpenNote(msg, {&verifier});
    if (!opened.ok()) state.SkipWithError("open failed");
    benchmark::DoNotOptimize(opened);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NoteOpen);

// What a client does per answer: open a checkpoint signed by the log and
// cosigned by range(0) witnesses, all of them known.
void BM_NoteOpenCosigned(benchmark::State& state) {
  const auto log = note::Ed25519NoteSigner::Create("example.org/keytrail-test-log", Key(1)).value();
  const note::Ed25519NoteVerifier log_verifier = log.Verifier();
  std::vector<note::CosignatureVerifier> witnesses;
  note::Note n = note::ParseNote(note::SignNote(kCheckpoint, {&log}).value()).value();
  for (int i = 0; i < state.range(0); ++i) {
    const auto w = note::CosignatureSigner::Create("witness" + std::to_string(i) + ".example",
                                                   Key(static_cast<char>(2 + i)))
                       .value();
    n.signatures.push_back(w.SignAsNoteSignature(kCheckpoint, kTime));
    witnesses.push_back(w.Verifier());
  }
  std::vector<const note::NoteVerifier*> verifiers = {&log_verifier};
  for (const auto& w : witnesses) verifiers.push_back(&w);
  const std::string msg = note::FormatNote(n);
  for (auto _ : state) {
    auto opened = note::OpenNote(msg, verifiers);
    if (!opened.ok() || opened->verified.size() != static_cast<size_t>(state.range(0) + 1)) {
      state.SkipWithError("open failed");
    }
    benchmark::DoNotOptimize(opened);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NoteOpenCosigned)->Arg(1)->Arg(3);

void BM_CosignatureSign(benchmark::State& state) {
  const auto signer = note::CosignatureSigner::Create("witness.example", Key(2)).value();
  for (auto _ : state) {
    benchmark::DoNotOptimize(signer.Sign(kCheckpoint, kTime));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CosignatureSign);

void BM_CosignatureVerify(benchmark::State& state) {
  const auto signer = note::CosignatureSigner::Create("witness.example", Key(2)).value();
  const note::CosignatureVerifier verifier = signer.Verifier();
  const std::string sig = signer.Sign(kCheckpoint, kTime);
  for (auto _ : state) {
    auto ts = verifier.Verify(kCheckpoint, sig);
    if (!ts.ok()) state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(ts);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CosignatureVerify);

}  // namespace
}  // namespace keytrail
