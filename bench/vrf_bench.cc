// ECVRF-P256-SHA256-TAI (core/crypto/ecvrf.h), one thread: proofs made,
// proofs verified, and outputs read from proofs, per second. The log server
// makes one proof per new account; clients verify one per lookup.
//
//   bazel run -c opt //bench:vrf_bench                      # OpenSSL 3
//   bazel run -c opt --config=boringssl //bench:vrf_bench   # BoringSSL
//
// Inputs cycle through 64 account-like alphas, so the number of
// try-and-increment attempts per hash-to-curve averages out (about two).
#include <cstdlib>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "core/crypto/ecvrf.h"

namespace keytrail {
namespace {

struct Inputs {
  VrfPrivateKey key;
  std::vector<std::string> alphas;
  std::vector<std::string> proofs;
};

const Inputs& GetInputs() {
  static const Inputs* const inputs = [] {
    // A fixed key (RFC 9381 example 10's) so that runs are comparable.
    const unsigned char sk[kVrfPrivateKeySize] = {0xc9, 0xaf, 0xa9, 0xd8, 0x45, 0xba, 0x75, 0x16,
                                                  0x6b, 0x5c, 0x21, 0x57, 0x67, 0xb1, 0xd6, 0x93,
                                                  0x4e, 0x50, 0xc3, 0xdb, 0x36, 0xe8, 0x9b, 0x12,
                                                  0x7b, 0x8a, 0x62, 0x2b, 0x12, 0x0f, 0x67, 0x21};
    auto key = VrfPrivateKey::FromBytes(std::string(reinterpret_cast<const char*>(sk), sizeof(sk)));
    if (!key.ok()) std::abort();
    auto* in = new Inputs{*std::move(key), {}, {}};
    for (int i = 0; i < 64; ++i) {
      in->alphas.push_back("user" + std::to_string(i) + "@example.com");
      in->proofs.push_back(in->key.Prove(in->alphas.back()));
    }
    return in;
  }();
  return *inputs;
}

void BM_Prove(benchmark::State& state) {
  const Inputs& in = GetInputs();
  size_t i = 0;
  for (auto _ : state) {
    std::string pi = in.key.Prove(in.alphas[i++ % in.alphas.size()]);
    benchmark::DoNotOptimize(pi);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Prove);

void BM_Verify(benchmark::State& state) {
  const Inputs& in = GetInputs();
  const VrfPublicKey& pub = in.key.public_key();
  size_t i = 0;
  for (auto _ : state) {
    size_t j = i++ % in.alphas.size();
    absl::StatusOr<Hash> beta = pub.Verify(in.alphas[j], in.proofs[j]);
    if (!beta.ok()) {
      state.SkipWithError("proof did not verify");
      break;
    }
    benchmark::DoNotOptimize(*beta);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Verify);

void BM_ProofToHash(benchmark::State& state) {
  const Inputs& in = GetInputs();
  size_t i = 0;
  for (auto _ : state) {
    absl::StatusOr<Hash> beta = VrfProofToHash(in.proofs[i++ % in.proofs.size()]);
    if (!beta.ok()) {
      state.SkipWithError("proof did not decode");
      break;
    }
    benchmark::DoNotOptimize(*beta);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ProofToHash);

// Part of both Prove and Verify: hashing alpha to the curve (about two
// SHA-256 and two square roots mod p on average).
void BM_HashToCurve(benchmark::State& state) {
  const Inputs& in = GetInputs();
  const VrfPublicKey& pub = in.key.public_key();
  size_t i = 0;
  for (auto _ : state) {
    std::string h = pub.HashToCurveForTesting(in.alphas[i++ % in.alphas.size()]);
    benchmark::DoNotOptimize(h);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HashToCurve);

// Decoding a public key: under BoringSSL this also builds the key's tables
// for Verify (chunked odd multiples of -Y), paid once per key, e.g. when a
// verifier reads its policy.
void BM_PublicKeyFromBytes(benchmark::State& state) {
  const std::string raw = GetInputs().key.public_key().bytes();
  for (auto _ : state) {
    absl::StatusOr<VrfPublicKey> key = VrfPublicKey::FromBytes(raw);
    if (!key.ok()) {
      state.SkipWithError("public key did not decode");
      break;
    }
    benchmark::DoNotOptimize(*key);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PublicKeyFromBytes);

}  // namespace
}  // namespace keytrail
