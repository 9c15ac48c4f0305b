// Test helper: what a verifier test needs from testing/fake_log.h in the
// verifier's own types. The fake log stands on core/ only, so the
// conversion to LogTrust and TrustedCheckpoint lives here. Test-only.
#ifndef KEYTRAIL_TESTING_FAKE_LOG_TRUST_H_
#define KEYTRAIL_TESTING_FAKE_LOG_TRUST_H_

#include "core/note/checkpoint.h"
#include "testing/fake_log.h"
#include "verifier/log_trust.h"

namespace keytrail {
namespace verifier {

// The trust an app pins for `log`: LogTrust::FromLogInfo(log.LogInfo())
// (origin, note key, VRF key; no monitors, no policy). Aborts if the fake's
// info does not parse, which would be a bug in the fake.
LogTrust TrustIn(const fakes::FakeLog& log);

// A checkpoint body as a client stores it after verifying it.
inline TrustedCheckpoint Trusted(const note::Checkpoint& checkpoint) {
  return TrustedCheckpoint{checkpoint.size, checkpoint.root};
}

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_TESTING_FAKE_LOG_TRUST_H_
