#include "core/util/server_process.h"

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace keytrail::test {
namespace {

// Takes a then b, then b then a: a lock-order cycle (never a real deadlock
// here: one thread, each pair released before the next).
void InvertLockOrder() {
  absl::Mutex a, b;
  {
    absl::MutexLock la(&a);
    absl::MutexLock lb(&b);
  }
  {
    absl::MutexLock lb(&b);
    absl::MutexLock la(&a);
  }
}

TEST(ServerProcessTest, TurnsOffMutexDeadlockDetection) {
  // Debian's abseil (built without NDEBUG) aborts on the cycle by default;
  // shown in a child so this process keeps the default until the call.
  EXPECT_DEATH(InvertLockOrder(), "deadlock");
  ConfigureServerProcess();
  InvertLockOrder();  // would abort with the detection on
}

}  // namespace
}  // namespace keytrail::test
