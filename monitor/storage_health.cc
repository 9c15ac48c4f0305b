#include "monitor/storage_health.h"

#include "core/storage/database.h"
#include "core/util/logging.h"

namespace keytrail::monitor {

void StorageHealth::Failed(absl::string_view part_name, const absl::Status& error) {
  absl::MutexLock lock(&mu_);
  Part& part = parts_[std::string(part_name)];
  ++part.failed_writes;
  part.error = error.ToString();
  const bool needs_restart = error.code() == absl::StatusCode::kFailedPrecondition;
  if (!part.failing) {
    part.failing = true;
    part.since = clock_();
    part.failures_this_time = 1;
    LogError(
        "storage failing (%s) in the %s: %s; nothing new is audited or cosigned, "
        "add-checkpoint answers 503 and health is NOT_SERVING until a write works "
        "(retried with backoff)",
        IsDiskFull(error) ? "disk full" : "write failed", part_name, error.ToString());
  } else {
    ++part.failures_this_time;
  }
  if (needs_restart && !part.needs_restart_logged) {
    part.needs_restart_logged = true;
    LogError("storage can't recover without a restart in the %s: %s", part_name, error.ToString());
  }
  Changed();
}

void StorageHealth::Add(absl::string_view part) {
  absl::MutexLock lock(&mu_);
  parts_.try_emplace(std::string(part));
}

void StorageHealth::Succeeded(absl::string_view part_name) {
  absl::MutexLock lock(&mu_);
  auto it = parts_.find(part_name);
  if (it == parts_.end()) {
    parts_.emplace(std::string(part_name), Part{});
    return;
  }
  Part& part = it->second;
  if (!part.failing) return;
  LogInfo("storage recovered in the %s after %s failing (%d failed writes); %s", part_name,
          absl::FormatDuration(absl::Trunc(clock_() - part.since, absl::Milliseconds(1))),
          part.failures_this_time, [&] {
            for (const auto& [name, p] : parts_) {
              if (name != part_name && p.failing) return "other storage still failing";
            }
            return "health SERVING again";
          }());
  part.failing = false;
  part.needs_restart_logged = false;
  part.error.clear();
  part.failures_this_time = 0;
  Changed();
}

absl::Status StorageHealth::Report(absl::string_view part, absl::Status status) {
  if (status.ok()) {
    Succeeded(part);
  } else {
    Failed(part, status);
  }
  return status;
}

void StorageHealth::Changed() {
  bool healthy = true;
  for (const auto& [name, part] : parts_) healthy = healthy && !part.failing;
  if (healthy == healthy_) return;
  healthy_ = healthy;
  if (on_change_) on_change_(healthy);
}

bool StorageHealth::healthy() const {
  absl::MutexLock lock(&mu_);
  return healthy_;
}

bool StorageHealth::failing(absl::string_view part) const {
  absl::MutexLock lock(&mu_);
  auto it = parts_.find(part);
  return it != parts_.end() && it->second.failing;
}

std::vector<StoragePartStatus> StorageHealth::Parts() const {
  absl::MutexLock lock(&mu_);
  std::vector<StoragePartStatus> out;
  for (const auto& [name, part] : parts_) {
    out.push_back(StoragePartStatus{name, part.failing, part.error,
                                    part.failing ? part.since : absl::InfinitePast(),
                                    part.failed_writes});
  }
  return out;
}

}  // namespace keytrail::monitor
