#include "log_server/tile_publisher.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/merkle/node_id.h"
#include "core/tiles/tile_codec.h"
#include "core/tiles/tile_path.h"
#include "core/util/logging.h"
#include "log_server/private_bundles.h"

namespace keytrail {

using tiles::ObjectId;
using tiles::ObjectKind;
using tiles::ObjectType;

namespace {

// The bytes of a hash tile or entry bundle of the tree in `reader`'s
// snapshot (which holds it: the caller checked the tree size).
absl::StatusOr<std::string> ObjectBytes(const LogReader& reader, const ObjectId& id) {
  const uint64_t first = id.index * tiles::kTileWidth;
  if (id.type == ObjectType::kEntryBundle) {
    auto entries = reader.GetEntries(first, id.width);
    if (!entries.ok()) return entries.status();
    return tiles::EncodeEntryBundle(*entries);
  }
  std::vector<merkle::NodeId> ids;
  ids.reserve(id.width);
  for (int i = 0; i < id.width; ++i) {
    ids.push_back({static_cast<uint8_t>(tiles::kTileHeight * id.level), first + i});
  }
  // A reader per object: LogTileReader caches every tile it reads.
  LogTileReader hashes = reader.LogTiles();
  auto nodes = hashes.GetNodes(ids);
  if (!nodes.ok()) return nodes.status();
  if (nodes->size() != ids.size()) return absl::InternalError("tile reader: wrong hash count");
  return tiles::EncodeHashTile(*nodes);
}

}  // namespace

TilePublisher::TilePublisher(LogStorage* storage, tiles::TileStore* store,
                             TilePublisherOptions options)
    : storage_(storage), store_(store), options_(std::move(options)) {}

TilePublisher::~TilePublisher() { Stop(absl::ZeroDuration()); }

absl::Status TilePublisher::Restore() {
  auto marker = storage_->Reader(nullptr).GetTilesPublished();
  if (!marker.ok()) return marker.status();
  if (!marker->has_value()) return absl::OkStatus();
  // A store without a checkpoint is new or was emptied: publish it all.
  auto checkpoint = store_->Get(tiles::kCheckpointPath);
  if (absl::IsNotFound(checkpoint.status())) {
    LogWarning(
        "tiles: %s has no checkpoint although epoch %d was published; "
        "publishing the whole log again",
        store_->Describe(), (*marker)->epoch);
    return absl::OkStatus();
  }
  absl::MutexLock lock(&mu_);
  status_.has_checkpoint = true;
  status_.checkpoint_epoch = (*marker)->epoch;
  status_.checkpoint_size = (*marker)->tree_size;
  status_.has_tiles = true;
  status_.tiles_epoch = (*marker)->epoch;
  tiles_size_ = (*marker)->tree_size;
  status_.tiles_size = tiles_size_;
  return absl::OkStatus();
}

void TilePublisher::Start() {
  worker_ = std::thread([this] { Work(); });
}

void TilePublisher::Stop(absl::Duration drain) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) drain_until_ = absl::Now() + drain;
    stopping_ = true;
    changed_.SignalAll();
  }
  if (worker_.joinable()) worker_.join();
}

void TilePublisher::Publish(std::shared_ptr<const PublishedState> state) {
  if (state == nullptr) return;
  bool already_written = false;
  {
    absl::MutexLock lock(&mu_);
    if (newest_ != nullptr && newest_->log.epoch >= state->log.epoch) return;
    newest_ = state;
    status_.newest_epoch = newest_->log.epoch;
    // After a restart the newest state's tiles may be durable already (the
    // meta/tiles_published marker): the worker has nothing to write for it,
    // so say so here, or a log that requires cosignatures would never push
    // the checkpoint it restarted with.
    already_written = status_.has_tiles && state->log.epoch <= status_.tiles_epoch;
    changed_.SignalAll();
  }
  if (already_written && options_.on_tiles_written) options_.on_tiles_written(state);
}

void TilePublisher::Cosigned(uint64_t epoch, std::string note) {
  absl::MutexLock lock(&mu_);
  // A later note of the same epoch carries more cosignatures: take it too.
  if (cosigned_.has_value() && cosigned_->first > epoch) return;
  cosigned_ = std::make_pair(epoch, std::move(note));
  changed_.SignalAll();
}

TilePublisherStatus TilePublisher::status() const {
  absl::MutexLock lock(&mu_);
  return status_;
}

std::string TilePublisher::Metrics() const {
  const TilePublisherStatus s = status();
  const uint64_t lag =
      s.newest_epoch - std::min(s.newest_epoch, s.has_checkpoint ? s.checkpoint_epoch : 0);
  std::string out;
  auto metric = [&out](const char* name, const char* type, const char* help, uint64_t v) {
    absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n", name, " ",
                    v, "\n");
  };
  metric("keytrail_log_tiles_published_epoch", "gauge",
         "Epoch of the checkpoint in the tile store.", s.checkpoint_epoch);
  metric("keytrail_log_tiles_published_size", "gauge",
         "Tree size of the checkpoint in the tile store.", s.checkpoint_size);
  metric("keytrail_log_tiles_lag_epochs", "gauge",
         "Committed epochs whose checkpoint is not in the tile store yet.", lag);
  metric("keytrail_log_tiles_failing", "gauge", "1 while writes to the tile store fail.",
         s.failing ? 1 : 0);
  metric("keytrail_log_tiles_objects_written_total", "counter",
         "Tiles, bundles and checkpoints written since start.", s.objects_written);
  metric("keytrail_log_private_bundle_parts_written_total", "counter",
         "Sealed private bundle parts written to the private store since start.",
         s.private_parts_written);
  metric("keytrail_log_tiles_failed_puts_total", "counter",
         "Writes to the tile store that failed since start (each retried).", s.failed_puts);
  return out;
}

bool TilePublisher::stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_ && absl::Now() >= drain_until_;
}

bool TilePublisher::PutWithRetry(absl::string_view path, absl::string_view bytes, ObjectKind kind,
                                 tiles::TileStore* store) {
  absl::Duration backoff = options_.min_backoff;
  std::string last_logged;
  while (true) {
    absl::Status put = store->Put(path, bytes, kind);
    bool became_ok = false;
    bool became_failing = false;
    {
      absl::MutexLock lock(&mu_);
      if (put.ok()) {
        ++status_.objects_written;
        became_ok = status_.failing;
        status_.failing = false;
      } else {
        ++status_.failed_puts;
        became_failing = !status_.failing;
        status_.failing = true;
        status_.last_error = put.ToString();
      }
    }
    if (became_ok) {
      LogInfo("tiles: writing to %s works again", store->Describe());
      if (options_.on_health) options_.on_health(true);
    }
    if (put.ok()) return true;
    if (became_failing && options_.on_health) options_.on_health(false);
    const bool retryable = tiles::IsRetryable(put);
    if (!retryable) backoff = options_.max_backoff;
    if (!retryable) {
      LogError("tiles: writing %s to %s failed (retry in %s): %s", std::string(path),
               store->Describe(), absl::FormatDuration(backoff), put.ToString());
    } else if (put.ToString() != last_logged) {
      LogWarning("tiles: writing %s to %s failed (retrying with backoff): %s", std::string(path),
                 store->Describe(), put.ToString());
      last_logged = put.ToString();
    }
    absl::MutexLock lock(&mu_);
    const absl::Time until = absl::Now() + backoff;
    while (!(stopping_ && absl::Now() >= drain_until_) && absl::Now() < until) {
      changed_.WaitWithDeadline(&mu_, std::min(until, drain_until_));
    }
    if (stopping_ && absl::Now() >= drain_until_) return false;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

absl::Status TilePublisher::WriteTiles(const std::shared_ptr<const PublishedState>& state) {
  const LogReader reader = storage_->Reader(state->snapshot.get());
  const uint64_t final_size = state->log.tree_size;
  uint64_t epoch;
  uint64_t size;
  {
    absl::MutexLock lock(&mu_);
    epoch = status_.has_tiles ? status_.tiles_epoch + 1 : 0;
    size = status_.has_tiles ? tiles_size_ : 0;
  }
  for (; epoch <= state->log.epoch; ++epoch) {
    auto record = reader.GetEpoch(epoch);
    if (!record.ok()) return record.status();
    if (!record->has_value()) {
      return absl::DataLossError(absl::StrCat("epoch ", epoch, " has no record"));
    }
    const uint64_t next = (*record)->tree_size;
    if (next < size || next > final_size) {
      return absl::DataLossError(absl::StrCat("epoch ", epoch, " has tree size ", next,
                                              ", outside ", size, "..", final_size));
    }
    // The private bundle first: a checkpoint never covers an epoch whose
    // bundle a replica cannot fetch.
    if (options_.private_store != nullptr) {
      absl::Status written = WritePrivateParts(reader, epoch);
      if (!written.ok()) return written;
    }
    for (const ObjectId& id : tiles::NewObjects(size, next)) {
      // A drain that runs out stops here, not after a long backlog.
      if (stopping()) return absl::CancelledError("stopping");
      // A partial tile the newest tree has the full one of is not needed.
      if (id.partial()) {
        ObjectId full = id;
        full.width = tiles::kTileWidth;
        if (tiles::ExistsInTree(full, final_size)) continue;
      }
      auto bytes = ObjectBytes(reader, id);
      if (!bytes.ok()) return bytes.status();
      if (!PutWithRetry(tiles::ObjectPath(id), *bytes,
                        id.partial() ? ObjectKind::kMutable : ObjectKind::kImmutable, store_)) {
        return absl::CancelledError("stopping");
      }
    }
    size = next;
    absl::MutexLock lock(&mu_);
    status_.has_tiles = true;
    status_.tiles_epoch = epoch;
    tiles_size_ = next;
    status_.tiles_size = next;
  }
  absl::MutexLock lock(&mu_);
  tiles_state_ = state;
  return absl::OkStatus();
}

absl::Status TilePublisher::WritePrivateParts(const LogReader& reader, uint64_t epoch) {
  auto parts = ReadPrivateParts(reader, epoch);
  if (!parts.ok()) return parts.status();
  for (const replica::PrivatePart& part : *parts) {
    if (stopping()) return absl::CancelledError("stopping");
    const std::string sealed = SealPrivatePart(*options_.replica_key, options_.origin, part);
    if (!PutWithRetry(tiles::PrivateBundlePath(epoch, part.part), sealed, ObjectKind::kImmutable,
                      options_.private_store)) {
      return absl::CancelledError("stopping");
    }
    absl::MutexLock lock(&mu_);
    ++status_.private_parts_written;
  }
  return absl::OkStatus();
}

absl::Status TilePublisher::WriteCheckpoint(uint64_t epoch, uint64_t size,
                                            const std::string& note) {
  if (!PutWithRetry(tiles::kCheckpointPath, note, ObjectKind::kMutable, store_)) {
    return absl::CancelledError("stopping");
  }
  {
    absl::MutexLock lock(&mu_);
    status_.has_checkpoint = true;
    status_.checkpoint_epoch = epoch;
    status_.checkpoint_size = size;
  }
  // The marker may lag the store (a crash here only means rewriting the
  // same objects after the restart); it must never lead it, hence after.
  EpochBatch batch(*storage_);
  batch.PutTilesPublished(TilesPublishedRecord{epoch, size});
  absl::Status marked = storage_->Commit(batch);
  if (!marked.ok()) {
    LogWarning("tiles: recording that epoch %d is published failed: %s", epoch, marked.ToString());
  }
  return absl::OkStatus();
}

// The checkpoint due now, if any: the newest log-signed one whose tiles are
// written, or the newest qualifying cosigned one whose tiles are written.
// REQUIRES: mu_ held.
bool TilePublisher::CheckpointDueLocked() const {
  if (options_.required_cosignatures == 0) {
    return tiles_state_ != nullptr &&
           (!status_.has_checkpoint || tiles_state_->log.epoch > status_.checkpoint_epoch);
  }
  // (newest_: a snapshot holding the cosigned epoch's record; after a
  // restart the tiles may be done, from the marker, before any were written.)
  return cosigned_.has_value() && status_.has_tiles && newest_ != nullptr &&
         newest_->log.epoch >= cosigned_->first && status_.tiles_epoch >= cosigned_->first &&
         (!status_.has_checkpoint || cosigned_->first >= status_.checkpoint_epoch);
}

absl::Status TilePublisher::PublishCheckpoint() {
  std::shared_ptr<const PublishedState> tiles_state;
  std::optional<std::pair<uint64_t, std::string>> cosigned;
  {
    absl::MutexLock lock(&mu_);
    if (!CheckpointDueLocked()) return absl::OkStatus();
    tiles_state = tiles_state_;
    if (options_.required_cosignatures > 0) {
      tiles_state = newest_;  // for its snapshot only (see CheckpointDueLocked)
      cosigned = std::move(cosigned_);
      cosigned_.reset();  // taken; a newer note sets it again
    }
  }
  if (!cosigned.has_value()) {
    return WriteCheckpoint(tiles_state->log.epoch, tiles_state->log.tree_size,
                           tiles_state->checkpoint);
  }
  absl::Status done;
  // The tree size of the cosigned epoch (newest >= it, so the newest
  // state's snapshot has its record).
  auto record = storage_->Reader(tiles_state->snapshot.get()).GetEpoch(cosigned->first);
  if (!record.ok()) {
    done = record.status();
  } else if (!record->has_value()) {
    done = absl::DataLossError(absl::StrCat("epoch ", cosigned->first, " has no record"));
  } else {
    done = WriteCheckpoint(cosigned->first, (*record)->tree_size, cosigned->second);
  }
  if (!done.ok()) {
    absl::MutexLock lock(&mu_);
    if (!cosigned_.has_value()) cosigned_ = std::move(cosigned);  // try it again
  }
  return done;
}

void TilePublisher::Work() {
  absl::Duration backoff = options_.min_backoff;
  while (true) {
    std::shared_ptr<const PublishedState> target;
    {
      absl::MutexLock lock(&mu_);
      while (true) {
        const bool tiles_due =
            newest_ != nullptr && (!status_.has_tiles || newest_->log.epoch > status_.tiles_epoch);
        const bool due = tiles_due || CheckpointDueLocked();
        if (stopping_ && (absl::Now() >= drain_until_ || !due)) return;
        if (due) break;
        changed_.Wait(&mu_);
      }
      if (newest_ != nullptr && (!status_.has_tiles || newest_->log.epoch > status_.tiles_epoch)) {
        target = newest_;
      }
    }
    absl::Status done;
    if (target != nullptr) {
      done = WriteTiles(target);
      if (done.ok() && options_.on_tiles_written) options_.on_tiles_written(target);
    }
    // The checkpoint right after its tiles, so a steady stream of epochs
    // cannot hold it back.
    if (done.ok()) done = PublishCheckpoint();
    if (absl::IsCancelled(done)) return;
    if (done.ok()) {
      backoff = options_.min_backoff;
      continue;
    }
    // Reading our own storage failed (Put failures are retried inside).
    LogError("tiles: publishing failed (retry in %s): %s", absl::FormatDuration(backoff),
             done.ToString());
    absl::MutexLock lock(&mu_);
    const absl::Time until = absl::Now() + backoff;
    while (!stopping_ && absl::Now() < until) changed_.WaitWithDeadline(&mu_, until);
    if (stopping_) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace keytrail
