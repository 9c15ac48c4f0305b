#include "log_server/vrf_proof_cache.h"

namespace keytrail {

std::optional<AccountRecord> VrfProofCache::Get(absl::string_view account) {
  if (capacity_ == 0) return std::nullopt;
  absl::MutexLock lock(&mu_);
  auto it = by_account_.find(account);
  if (it == by_account_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second);  // iterators stay valid
  return it->second->record;
}

void VrfProofCache::Put(absl::string_view account, const AccountRecord& record) {
  if (capacity_ == 0) return;
  absl::MutexLock lock(&mu_);
  auto it = by_account_.find(account);
  if (it != by_account_.end()) {
    it->second->record = record;
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.push_front(Entry{std::string(account), record});
  by_account_.emplace(lru_.front().account, lru_.begin());
  if (lru_.size() > capacity_) {
    by_account_.erase(lru_.back().account);
    lru_.pop_back();
  }
}

size_t VrfProofCache::size() const {
  absl::MutexLock lock(&mu_);
  return lru_.size();
}

}  // namespace keytrail
