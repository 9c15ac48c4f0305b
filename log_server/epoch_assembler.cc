#include "log_server/epoch_assembler.h"

#include <string>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "core/protocol/entry.h"
#include "core/tiles/tile_path.h"

namespace keytrail {

EpochAssembler::EpochAssembler(uint64_t next_epoch, uint64_t start, uint64_t end, DeliverFn deliver)
    : end_(end), deliver_(std::move(deliver)) {
  current_.epoch = next_epoch;
  current_.first_log_index = start;
}

absl::Status EpochAssembler::Add(absl::string_view entry, uint64_t index) {
  const std::string where =
      absl::StrCat("entry ", index, " (in ",
                   tiles::EntryBundlePath(index / tiles::kTileWidth, tiles::kTileWidth), ")");
  auto decoded = DecodeEntry(entry);
  if (!decoded.ok()) {
    return absl::Status(decoded.status().code(),
                        absl::StrCat(where, ": ", decoded.status().message()));
  }
  if (std::holds_alternative<UpdateEntry>(*decoded)) {
    current_.update_entries.emplace_back(entry);
    return absl::OkStatus();
  }
  const EpochEntry& e = std::get<EpochEntry>(*decoded);
  // The epoch number names the parts to fetch and their count: check both
  // here (the replayer checks the rest).
  if (e.epoch != current_.epoch) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": the epoch entry of epoch ", e.epoch,
                                                   " where epoch ", current_.epoch, " is next"));
  }
  if (e.update_count != current_.update_entries.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": epoch ", e.epoch, " counts ", e.update_count, " updates but ",
                     current_.update_entries.size(), " update entries precede it"));
  }
  current_.epoch_entry = std::string(entry);
  absl::Status delivered = deliver_(current_, e.timestamp_ms, index + 1 == end_);
  if (!delivered.ok()) return delivered;
  ReplicaEpoch next;
  next.epoch = current_.epoch + 1;
  next.first_log_index = index + 1;
  current_ = std::move(next);
  return absl::OkStatus();
}

absl::Status EpochAssembler::Finish() const {
  if (current_.update_entries.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("checkpoint: its tree of size ", end_,
                                                 " ends with ", current_.update_entries.size(),
                                                 " update entries, not an epoch entry"));
}

}  // namespace keytrail
