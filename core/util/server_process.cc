#include "core/util/server_process.h"

#include "absl/synchronization/mutex.h"

namespace keytrail {

void ConfigureServerProcess() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace keytrail
