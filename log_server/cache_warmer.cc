#include "log_server/cache_warmer.h"

#include "absl/time/clock.h"
#include "core/util/logging.h"

namespace keytrail {

void CacheWarmer::Start() {
  if (budget_ == 0) {
    done_.Notify();
    return;
  }
  thread_ = std::thread([this] {
    const absl::Time start = absl::Now();
    LogInfo("warming the block cache for lookups: up to %d MiB", budget_ >> 20);
    auto progress = [start](absl::string_view family, uint64_t bytes, uint64_t cache,
                            uint64_t pinned) {
      LogInfo(
          "block cache: read %s (%.1f MiB); cache holds %.1f MiB (%.1f MiB pinned) after %.1f s",
          family, bytes / 1048576.0, cache / 1048576.0, pinned / 1048576.0,
          absl::ToDoubleSeconds(absl::Now() - start));
    };
    auto read = storage_.WarmLookupCache(budget_, stop_, progress);
    if (!read.ok()) {
      // Lookups still work, reading what is not cached: worth a line, not a stop.
      LogWarning("block cache warm-up failed: %s", read.status().ToString());
    } else if (stop_.load()) {
      LogInfo("block cache warm-up stopped after %.1f MiB", *read / 1048576.0);
    } else {
      LogInfo("block cache warm: %.1f MiB read in %.1f s", *read / 1048576.0,
              absl::ToDoubleSeconds(absl::Now() - start));
    }
    done_.Notify();
  });
}

void CacheWarmer::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

}  // namespace keytrail
