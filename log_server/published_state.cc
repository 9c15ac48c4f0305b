#include "log_server/published_state.h"

#include "absl/strings/str_cat.h"
#include "core/bytes/reader.h"
#include "core/map/tiled_map.h"
#include "core/merkle/compact_range.h"
#include "core/merkle/proof_builder.h"
#include "core/storage/log_tiles.h"
#include "core/storage/rocks_map_store.h"

namespace keytrail {

absl::StatusOr<std::shared_ptr<const PublishedState>> LoadPublishedState(const LogStorage& storage,
                                                                         Snapshot snapshot) {
  auto state = std::make_shared<PublishedState>();
  state->snapshot = snapshot;
  const LogReader reader = storage.Reader(snapshot.get());
  auto log = reader.GetState();
  if (!log.ok()) return log.status();
  if (!log->has_value()) return absl::DataLossError("log state record is missing");
  state->log = **log;

  auto epoch = reader.GetEpoch(state->log.epoch);
  if (!epoch.ok()) return epoch.status();
  if (!epoch->has_value() || (*epoch)->tree_size != state->log.tree_size) {
    return absl::DataLossError(absl::StrCat("epoch record ", state->log.epoch,
                                            " is missing or disagrees with the log state"));
  }
  state->checkpoint = (*epoch)->checkpoint;

  auto range = merkle::CompactRange::FromHashes(state->log.tree_size, state->log.frontier);
  if (!range.ok()) return AsDataLoss(range.status(), "log state frontier");
  state->log_root = range->Root();

  auto last = reader.GetEntries(state->log.tree_size - 1, 1);
  if (!last.ok()) return last.status();
  state->epoch_entry = (*last)[0];

  LogTileReader tiles = reader.LogTiles();
  auto proof = merkle::BuildInclusionProof(state->log.tree_size - 1, state->log.tree_size, tiles);
  if (!proof.ok()) return proof.status();
  state->epoch_inclusion_proof = *std::move(proof);

  RocksMapReader map_reader = reader.MapReader();
  auto map_root = map::TiledMap::RootSummary(map_reader);
  if (!map_root.ok()) return map_root.status();
  state->map_root = map_root->hash;
  state->map_size = map_root->count;
  return std::shared_ptr<const PublishedState>(std::move(state));
}

}  // namespace keytrail
