// PublishedState: everything readers need about one committed epoch, fixed
// at publication. Readers hold a shared_ptr to it, so a Lookup answers from
// one consistent snapshot while the next epoch is being built.
#ifndef KEYTRAIL_LOG_SERVER_PUBLISHED_STATE_H_
#define KEYTRAIL_LOG_SERVER_PUBLISHED_STATE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/crypto/sha256.h"
#include "core/storage/database.h"
#include "log_server/log_storage.h"
#include "log_server/records.h"

namespace keytrail {

struct PublishedState {
  Snapshot snapshot;  // the database as of this epoch
  LogState log;       // epoch, tree size, timestamp
  Hash log_root{};
  Hash map_root{};
  uint64_t map_size = 0;                    // accounts in the map
  std::string checkpoint;                   // the signed note
  std::string epoch_entry;                  // last leaf of the checkpoint
  std::vector<Hash> epoch_inclusion_proof;  // of epoch_entry at tree_size
};

// Reads the state committed in `snapshot` and precomputes what every answer
// carries. DataLoss when records are missing or damaged.
absl::StatusOr<std::shared_ptr<const PublishedState>> LoadPublishedState(const LogStorage& storage,
                                                                         Snapshot snapshot);

// The latest published state. Thread-safe.
class StateHolder {
 public:
  std::shared_ptr<const PublishedState> Get() const {
    absl::MutexLock lock(&mu_);
    return state_;
  }
  void Set(std::shared_ptr<const PublishedState> s) {
    {
      absl::MutexLock lock(&mu_);
      state_ = s;
    }
    for (const auto& f : on_set_) f(s);
  }
  // Adds `f`, run after every Set, on the setting thread, outside the lock,
  // after those added before it (the cosignature collector and the lookup
  // contexts hear of each committed epoch this way). REQUIRES: called
  // before any concurrent Set.
  void OnSet(std::function<void(const std::shared_ptr<const PublishedState>&)> f) {
    on_set_.push_back(std::move(f));
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const PublishedState> state_ ABSL_GUARDED_BY(mu_);
  std::vector<std::function<void(const std::shared_ptr<const PublishedState>&)>> on_set_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_PUBLISHED_STATE_H_
