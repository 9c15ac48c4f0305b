// Fixed keys shared by the fuzz targets and the seed program, so that the
// committed seeds carry signatures the targets can verify. TEST-ONLY: these
// keys are public.
#ifndef KEYTRAIL_FUZZ_FIXED_KEYS_H_
#define KEYTRAIL_FUZZ_FIXED_KEYS_H_

#include <memory>

#include "core/crypto/ecvrf.h"
#include "core/note/cosignature.h"
#include "core/note/note.h"
#include "testing/fake_log.h"
#include "verifier/log_trust.h"
#include "verifier/policy.h"

namespace keytrail {
namespace fuzz {

// The log's note key, origin "example.org/fuzz-log".
const note::Ed25519NoteSigner& LogSigner();
// A monitor's cosignature key, name "example.org/fuzz-monitor".
const note::CosignatureSigner& MonitorSigner();
const VrfPrivateKey& LogVrf();
// A FakeLog with the keys above and MonitorSigner as cosigner, holding
// three epochs: alice (plain devices, 2 versions), bob (signed devices with
// an account key), carol (deactivated after one version). Built once.
const fakes::FakeLog& Log();
// Log().Trust() requiring MonitorSigner's cosignature.
const verifier::LogTrust& Trust();
// The Policy an app pins for Log(): its note, VRF and commitment keys, and
// MonitorSigner as the one monitor whose cosignature it requires (the
// policy TrustFromPolicy turns into Trust()).
verifier::Policy FixedPolicy();

}  // namespace fuzz
}  // namespace keytrail

#endif  // KEYTRAIL_FUZZ_FIXED_KEYS_H_
