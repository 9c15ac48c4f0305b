#include "log_server/epoch_context.h"

#include <algorithm>
#include <utility>

#include "core/merkle/hash_list.h"
#include "core/merkle/proof_builder.h"
#include "core/storage/log_tiles.h"
#include "core/storage/rocks_map_store.h"
#include "core/util/logging.h"

namespace keytrail {

absl::StatusOr<std::shared_ptr<const EpochContext>> EpochContext::Build(
    const LogStorage& storage, const PublishedState& state, const EpochContextOptions& options) {
  std::shared_ptr<EpochContext> context(
      new EpochContext(storage, state.snapshot, state.log.epoch, state.log.tree_size,
                       options.consistency_proofs, options.leaf_iterators));
  context->inclusion_proof_ = merkle::EncodeHashList(state.epoch_inclusion_proof);
  RocksMapReader map_reader = storage.Reader(state.snapshot.get()).MapReader();
  auto top = map::MapTop::Load(map_reader, options.map_strata);
  if (!top.ok()) return top.status();
  context->map_top_ = *std::move(top);
  return std::shared_ptr<const EpochContext>(std::move(context));
}

absl::StatusOr<std::string> EpochContext::ConsistencyProof(uint64_t first_size) const {
  if (max_proofs_ > 0) {
    absl::MutexLock lock(&mu_);
    auto it = proofs_.find(first_size);
    if (it != proofs_.end()) return it->second;
  }
  LogTileReader tiles = storage_.Reader(snapshot_.get()).LogTiles();
  auto proof = merkle::BuildConsistencyProof(first_size, tree_size_, tiles);
  if (!proof.ok()) return proof.status();
  std::string encoded = merkle::EncodeHashList(*proof);
  if (max_proofs_ > 0) {
    absl::MutexLock lock(&mu_);
    if (proofs_.size() < max_proofs_ && proofs_.emplace(first_size, encoded).second) {
      proof_bytes_ += encoded.size();
    }
  }
  return encoded;
}

size_t EpochContext::cached_consistency_proofs() const {
  absl::MutexLock lock(&mu_);
  return proofs_.size();
}

std::unique_ptr<rocksdb::Iterator> EpochContext::TakeLeafIterator() const {
  absl::MutexLock lock(&mu_);
  if (iterators_.empty()) return nullptr;
  std::unique_ptr<rocksdb::Iterator> it = std::move(iterators_.back());
  iterators_.pop_back();
  return it;
}

void EpochContext::ReturnLeafIterator(std::unique_ptr<rocksdb::Iterator> it) const {
  if (it == nullptr) return;
  {
    absl::MutexLock lock(&mu_);
    if (iterators_.size() < max_iterators_) {
      iterators_.push_back(std::move(it));
      return;
    }
  }
  // Destroyed outside the lock.
}

size_t EpochContext::idle_leaf_iterators() const {
  absl::MutexLock lock(&mu_);
  return iterators_.size();
}

size_t EpochContext::bytes() const {
  absl::MutexLock lock(&mu_);
  // Per cached proof: the bytes, the string and the table slot.
  return sizeof(EpochContext) + inclusion_proof_.size() + map_top_->bytes() + proof_bytes_ +
         proofs_.size() * (sizeof(uint64_t) + sizeof(std::string) + 8);
}

EpochContexts::EpochContexts(const LogStorage& storage, EpochContextOptions options)
    : storage_(storage), options_(options), thread_([this] { Run(); }) {}

EpochContexts::~EpochContexts() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

void EpochContexts::Publish(const std::shared_ptr<const PublishedState>& state) {
  if (state == nullptr) return;
  absl::MutexLock lock(&mu_);
  for (const auto& c : kept_) {
    if (c->IsFor(*state)) return;
  }
  for (const auto& q : queue_) {
    if (q->snapshot == state->snapshot) return;
  }
  queue_.push_back(state);
  // Only the newest few can still be asked for.
  while (queue_.size() > kKept) queue_.pop_front();
}

std::shared_ptr<const EpochContext> EpochContexts::For(const PublishedState& state) const {
  absl::MutexLock lock(&mu_);
  for (auto it = kept_.rbegin(); it != kept_.rend(); ++it) {
    if ((*it)->IsFor(state)) return *it;
  }
  return nullptr;
}

void EpochContexts::WaitIdle() const {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](const EpochContexts* c)
           ABSL_EXCLUSIVE_LOCKS_REQUIRED(c->mu_) { return c->queue_.empty() && !c->building_; },
      this));
}

size_t EpochContexts::size() const {
  absl::MutexLock lock(&mu_);
  return kept_.size();
}

size_t EpochContexts::bytes() const {
  std::vector<std::shared_ptr<const EpochContext>> kept;
  {
    absl::MutexLock lock(&mu_);
    kept = kept_;
  }
  size_t total = 0;
  for (const auto& c : kept) total += c->bytes();
  return total;
}

void EpochContexts::Run() {
  for (;;) {
    std::shared_ptr<const PublishedState> state;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](EpochContexts* c)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(c->mu_) { return c->stop_ || !c->queue_.empty(); },
          this));
      if (stop_) return;
      state = std::move(queue_.front());
      queue_.pop_front();
      building_ = true;
    }
    auto context = EpochContext::Build(storage_, *state, options_);
    if (!context.ok()) {
      LogError("epoch %d: building the lookup context failed (lookups go on without it): %s",
               state->log.epoch, context.status().ToString());
    }
    // The old contexts (and their snapshots) are released outside the lock.
    std::vector<std::shared_ptr<const EpochContext>> dropped;
    {
      absl::MutexLock lock(&mu_);
      if (context.ok()) {
        kept_.push_back(*std::move(context));
        std::sort(kept_.begin(), kept_.end(),
                  [](const auto& a, const auto& b) { return a->epoch() < b->epoch(); });
        while (kept_.size() > kKept) {
          dropped.push_back(std::move(kept_.front()));
          kept_.erase(kept_.begin());
        }
      }
      building_ = false;
    }
  }
}

}  // namespace keytrail
