// CacheWarmer: at start-up, reads what lookups read (LogStorage::
// WarmLookupCache: accounts, map leaves, versions) into the block cache on a
// thread of its own, so the first lookups find it in memory instead of
// reading 4 KiB blocks one by one. Serving does not wait for it; progress
// is logged per column family, and a failure is only a warning (lookups
// read what is not cached). Used by the primary and by read replicas.
//
// Thread safety: Wait from any thread; Start and Stop from the owner's.
// Ownership: borrows `storage`, which must outlive the warmer (Stop, or the
// destructor, joins the thread).
#ifndef KEYTRAIL_LOG_SERVER_CACHE_WARMER_H_
#define KEYTRAIL_LOG_SERVER_CACHE_WARMER_H_

#include <atomic>
#include <cstdint>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "log_server/log_storage.h"

namespace keytrail {

class CacheWarmer {
 public:
  // Reads at most `budget_bytes` (0: nothing; Wait returns at once).
  CacheWarmer(const LogStorage& storage, uint64_t budget_bytes)
      : storage_(storage), budget_(budget_bytes) {}
  ~CacheWarmer() { Stop(); }

  void Start();
  // Stops reading early and joins the thread. Idempotent.
  void Stop();
  // Waits up to `timeout` for the warm-up to end (finished, failed or
  // stopped); true once it has.
  bool Wait(absl::Duration timeout) const { return done_.WaitForNotificationWithTimeout(timeout); }

 private:
  const LogStorage& storage_;
  const uint64_t budget_;
  std::atomic<bool> stop_{false};
  absl::Notification done_;
  std::thread thread_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_CACHE_WARMER_H_
