// VrfProofCache: a bounded LRU cache of VRF proofs for accounts the log does
// not know, so a repeated lookup of the same absent account costs one ECVRF
// prove (~150 µs, ~3x an ordinary lookup) instead of one per call.
//
// Caching is safe: ECVRF proving is deterministic (RFC 9381 section 5.4.2.1,
// nonce from RFC 6979), so for the log's one VRF key an account's proof and
// index never change; a cached entry is exactly what Prove would return
// again, and the index the epoch builder will store if the account is
// created. Entries are never stale.
//
// Memory is bounded by capacity entries of at most kMaxAccountIdSize +
// kVrfProofSize + 32 bytes plus list and hash-map overhead (~300 bytes at
// most with a maximal account id; ~250 bytes typical): 65,536 entries
// (the default) hold ~16 MiB at most.
//
// A flood of distinct random names defeats any cache: the scheduling in
// proof_scheduler.h is the defence against that; this cache only saves the
// work of repeats (clients retrying, the same unknown contact looked up by
// many).
//
// Get returns a copy, or nullopt when absent; Put inserts or refreshes, and
// evicts the least recently used entry beyond capacity. capacity 0 disables
// the cache (Get always misses, Put does nothing). Thread-safe (one mutex).
#ifndef KEYTRAIL_LOG_SERVER_VRF_PROOF_CACHE_H_
#define KEYTRAIL_LOG_SERVER_VRF_PROOF_CACHE_H_

#include <cstddef>
#include <list>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "log_server/records.h"

namespace keytrail {

class VrfProofCache {
 public:
  static constexpr size_t kDefaultCapacity = 65536;

  explicit VrfProofCache(size_t capacity) : capacity_(capacity) {}
  VrfProofCache(const VrfProofCache&) = delete;
  VrfProofCache& operator=(const VrfProofCache&) = delete;

  std::optional<AccountRecord> Get(absl::string_view account);
  void Put(absl::string_view account, const AccountRecord& record);

  size_t size() const;
  size_t capacity() const { return capacity_; }

 private:
  struct Entry {
    std::string account;
    AccountRecord record;
  };
  using List = std::list<Entry>;  // most recently used first

  const size_t capacity_;
  mutable absl::Mutex mu_;
  List lru_ ABSL_GUARDED_BY(mu_);
  // Keys view the account string inside the list node, which never moves.
  absl::flat_hash_map<absl::string_view, List::iterator> by_account_ ABSL_GUARDED_BY(mu_);
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_VRF_PROOF_CACHE_H_
