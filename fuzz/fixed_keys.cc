#include "fuzz/fixed_keys.h"

#include <string>

#include "core/protocol/key_set.h"

namespace keytrail {
namespace fuzz {
namespace {

Ed25519PrivateKey FixedEd25519(char fill) {
  return Ed25519PrivateKey::FromSeed(std::string(32, fill)).value();
}

}  // namespace

const note::Ed25519NoteSigner& LogSigner() {
  static const auto* signer = new note::Ed25519NoteSigner(
      note::Ed25519NoteSigner::Create("example.org/fuzz-log", FixedEd25519(1)).value());
  return *signer;
}

const note::CosignatureSigner& MonitorSigner() {
  static const auto* signer = new note::CosignatureSigner(
      note::CosignatureSigner::Create("example.org/fuzz-monitor", FixedEd25519(2)).value());
  return *signer;
}

const VrfPrivateKey& LogVrf() {
  static const auto* vrf =
      new VrfPrivateKey(VrfPrivateKey::FromBytes(std::string(32, 3)).value());
  return *vrf;
}

const verifier::FakeLog& Log() {
  static const verifier::FakeLog* log = [] {
    auto* log = new verifier::FakeLog(LogSigner(), LogVrf(), verifier::FakeLog::kGenesisTimeMs);
    log->AddCosigner(MonitorSigner());
    const uint64_t t = verifier::FakeLog::kGenesisTimeMs;
    log->Update("alice", verifier::PlainKeySet({"phone"}));
    log->Update("carol", verifier::PlainKeySet({"tablet"}));
    log->CloseEpoch(t + 1000);
    log->Update("alice", verifier::PlainKeySet({"laptop", "phone"}));
    log->Update("bob", verifier::SignedKeySet(FixedEd25519(4), "bob", {"desk", "phone"}));
    log->CloseEpoch(t + 2000);
    log->Update("carol", KeySet{});
    log->CloseEpoch(t + 3000);
    return log;
  }();
  return *log;
}

const verifier::LogTrust& Trust() {
  static const verifier::LogTrust* trust = [] {
    auto* trust = new verifier::LogTrust(Log().Trust());
    trust->monitors.push_back(MonitorSigner().Verifier());
    trust->min_cosignatures = 1;
    return trust;
  }();
  return *trust;
}

}  // namespace fuzz
}  // namespace keytrail
