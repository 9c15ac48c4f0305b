#include "testing/fake_log_trust.h"

namespace keytrail {
namespace verifier {

LogTrust TrustIn(const fakes::FakeLog& log) { return LogTrust::FromLogInfo(log.LogInfo()).value(); }

}  // namespace verifier
}  // namespace keytrail
