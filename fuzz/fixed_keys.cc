#include "fuzz/fixed_keys.h"

#include <string>

#include "core/protocol/key_set.h"
#include "testing/fake_log_trust.h"

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
  static const auto* vrf = new VrfPrivateKey(VrfPrivateKey::FromBytes(std::string(32, 3)).value());
  return *vrf;
}

const fakes::FakeLog& Log() {
  static const fakes::FakeLog* log = [] {
    auto* log = new fakes::FakeLog(LogSigner(), LogVrf(), fakes::FakeLog::kGenesisTimeMs);
    log->AddCosigner(MonitorSigner());
    const uint64_t t = fakes::FakeLog::kGenesisTimeMs;
    log->Update("alice", fakes::PlainKeySet({"phone"}));
    log->Update("carol", fakes::PlainKeySet({"tablet"}));
    log->CloseEpoch(t + 1000);
    log->Update("alice", fakes::PlainKeySet({"laptop", "phone"}));
    log->Update("bob", fakes::SignedKeySet(FixedEd25519(4), "bob", 1, {"desk", "phone"}));
    log->CloseEpoch(t + 2000);
    log->Update("carol", KeySet{});
    log->CloseEpoch(t + 3000);
    return log;
  }();
  return *log;
}

const verifier::LogTrust& Trust() {
  static const verifier::LogTrust* trust = [] {
    auto* trust = new verifier::LogTrust(verifier::TrustIn(Log()));
    trust->monitors.push_back(MonitorSigner().Verifier());
    trust->min_cosignatures = 1;
    return trust;
  }();
  return *trust;
}

verifier::Policy FixedPolicy() {
  const v1::GetLogInfoResponse info = Log().LogInfo();
  verifier::Policy policy;
  policy.log_note_key = info.note_verifier_key();
  policy.vrf_public_key = info.vrf_public_key();
  policy.commitment_key = info.commitment_key();
  policy.monitor_keys = {MonitorSigner().VerifierKey()};
  policy.min_cosignatures = 1;
  return policy;
}

}  // namespace fuzz
}  // namespace keytrail
