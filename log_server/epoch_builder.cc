#include "log_server/epoch_builder.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/bytes/reader.h"
#include "core/crypto/random.h"
#include "core/map/tiled_map.h"
#include "core/merkle/hasher.h"
#include "core/note/checkpoint.h"
#include "core/protocol/chain.h"
#include "core/protocol/commitment.h"
#include "core/protocol/entry.h"
#include "core/protocol/limits.h"

namespace keytrail {
namespace {

// The in-epoch view of one account index touched by this epoch.
struct Touched {
  map::MapLeaf leaf;
  bool is_new;  // no leaf before this epoch
};

// A version record on its way into the epoch's batch.
struct NewVersion {
  Hash index;
  uint64_t version;
  VersionRecord record;
};

absl::Status CheckConfig(const LogConfig& stored, const LogConfig& wanted) {
  if (stored.origin != wanted.origin) {
    return absl::FailedPreconditionError(absl::StrCat(
        "data directory belongs to origin \"", stored.origin, "\", not \"", wanted.origin, "\""));
  }
  if (stored.note_verifier_key != wanted.note_verifier_key) {
    return absl::FailedPreconditionError(
        absl::StrCat("data directory was created with note key ", stored.note_verifier_key,
                     ", but the key given is ", wanted.note_verifier_key));
  }
  if (stored.vrf_public_key != wanted.vrf_public_key) {
    return absl::FailedPreconditionError("data directory was created with a different VRF key");
  }
  return absl::OkStatus();
}

// Whether `storage` holds a log already (false: a new, empty one), after
// checking that it is the log `config` names and that a primary (`replica`
// false) or a replica (true) may write it.
absl::StatusOr<bool> OpenExisting(const LogStorage& storage, const LogConfig& config,
                                  bool replica) {
  const LogReader latest = storage.Reader(nullptr);
  auto stored = latest.GetConfig();
  if (!stored.ok()) return stored.status();
  auto state = latest.GetState();
  if (!state.ok()) return state.status();
  auto is_replica = latest.IsReplica();
  if (!is_replica.ok()) return is_replica.status();
  if (stored->has_value() != state->has_value()) {
    return absl::DataLossError("log config and log state records disagree: one is missing");
  }
  if (!stored->has_value()) {
    if (*is_replica) return absl::DataLossError("replica marker without a log state record");
    return false;
  }
  // A replica's directory holds only what the primary published, and its
  // epoch records may lack checkpoints: a primary writing on it would fork
  // the log; a replica replaying into the primary's would corrupt it.
  if (*is_replica && !replica) {
    return absl::FailedPreconditionError(
        "data directory belongs to a read replica; a primary log server needs a directory of "
        "its own");
  }
  if (!*is_replica && replica) {
    return absl::FailedPreconditionError(
        "data directory was written by a primary log server; a replica needs a directory of its "
        "own");
  }
  absl::Status s = CheckConfig(**stored, config);
  if (!s.ok()) return s;
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<EpochBuilder>> EpochBuilder::Open(LogStorage* storage,
                                                                 const LogConfig& config,
                                                                 note::Ed25519NoteSigner signer,
                                                                 Clock clock) {
  auto builder = std::unique_ptr<EpochBuilder>(
      new EpochBuilder(storage, config, std::move(signer), std::move(clock)));
  auto existing = OpenExisting(*storage, config, /*replica=*/false);
  if (!existing.ok()) return existing.status();
  absl::Status s = builder->Reload();
  if (!s.ok()) return s;
  if (*existing) return builder;
  // A new log: the genesis epoch and the config are committed together.
  auto genesis = builder->BuildEpoch({});
  if (!genesis.ok()) return genesis.status();
  return builder;
}

absl::StatusOr<std::unique_ptr<EpochBuilder>> EpochBuilder::OpenForReplay(LogStorage* storage,
                                                                          const LogConfig& config) {
  auto builder =
      std::unique_ptr<EpochBuilder>(new EpochBuilder(storage, config, std::nullopt, nullptr));
  auto existing = OpenExisting(*storage, config, /*replica=*/true);
  if (!existing.ok()) return existing.status();
  absl::Status s = builder->Reload();
  if (!s.ok()) return s;
  return builder;
}

bool EpochBuilder::HintIsCurrent(const PreparedUpdate& u) const {
  if (!u.leaf_epoch.has_value() || !state_.has_value()) return false;
  const uint64_t read_at = *u.leaf_epoch;
  if (read_at > state_->epoch) return false;
  if (read_at == state_->epoch) return true;
  // Every epoch after read_at must be tracked, and none may have touched it.
  if (recent_.empty() || recent_.front().first > read_at + 1 ||
      recent_.back().first != state_->epoch) {
    return false;
  }
  for (const auto& [epoch, indexes] : recent_) {
    if (epoch > read_at && indexes.contains(u.account_record.index)) return false;
  }
  return true;
}

absl::StatusOr<std::optional<map::MapLeaf>> EpochBuilder::CurrentLeaf(
    const PreparedUpdate& u, map::MapReader& reader) const {
  const Hash& index = u.account_record.index;
  // The last sealed epoch may still be on its way to storage.
  auto sealed = sealed_leaves_.find(index);
  if (sealed != sealed_leaves_.end()) return std::optional<map::MapLeaf>(sealed->second);
  if (HintIsCurrent(u)) return u.leaf;
  return reader.GetLeaf(index);
}

absl::Status EpochBuilder::Reload() {
  recent_.clear();
  sealed_leaves_.clear();
  auto state = storage_->Reader(nullptr).GetState();
  if (!state.ok()) return state.status();
  const uint64_t size = state->has_value() ? (*state)->tree_size : 0;
  if (state->has_value()) {
    state_ = **state;
    auto range = merkle::CompactRange::FromHashes(state_->tree_size, state_->frontier);
    if (!range.ok()) return AsDataLoss(range.status(), "log state frontier");
    range_ = *std::move(range);
  } else {
    state_.reset();
    range_ = merkle::CompactRange();
  }
  auto tiles = storage_->ResumeLogTiles(size);
  if (!tiles.ok()) return tiles.status();
  tiles_ = *std::move(tiles);
  auto entries = storage_->ResumeEntryBundles(size);
  if (!entries.ok()) return entries.status();
  entries_ = *std::move(entries);
  published_.reset();
  if (!state_.has_value()) return absl::OkStatus();
  auto published = LoadPublishedState(*storage_, storage_->GetSnapshot());
  if (!published.ok()) return published.status();
  published_ = *std::move(published);
  return absl::OkStatus();
}

absl::Status EpochBuilder::ResumeStorage() {
  absl::Status resumed = storage_->Resume();
  if (!resumed.ok()) return resumed;
  return Reload();
}

std::string EpochBuilder::SignCheckpoint(uint64_t size, const Hash& root) const {
  note::Checkpoint checkpoint;
  checkpoint.origin = signer_->name();
  checkpoint.size = size;
  checkpoint.root = root;
  std::string text = note::FormatCheckpoint(checkpoint);
  note::Note signed_note;
  signed_note.text = text;
  signed_note.signatures.push_back(
      note::NoteSignature{signer_->name(), signer_->key_hash(), signer_->Sign(text)});
  return note::FormatNote(signed_note);
}

absl::StatusOr<EpochResult> EpochBuilder::BuildEpoch(absl::Span<const PreparedUpdate> updates) {
  auto fail = [this](absl::Status error) -> absl::Status {
    // Drop whatever the failed epoch did to the in-memory tree and tiles.
    absl::Status reload = Reload();
    if (reload.ok()) return error;
    return absl::Status(
        error.code(),
        absl::StrCat(error.message(), "; reloading state also failed: ", reload.message()));
  };
  auto epoch = SequenceUpdates(updates);
  if (!epoch.ok()) return fail(epoch.status());
  absl::Status s = SealEpoch(**epoch);
  if (!s.ok()) return fail(s);
  auto published = CommitEpoch(**epoch);
  if (!published.ok()) return fail(published.status());
  RecordCommitted(**epoch, *published);
  return std::move((*epoch)->result);
}

absl::StatusOr<std::unique_ptr<PendingEpoch>> EpochBuilder::SequenceUpdates(
    absl::Span<const PreparedUpdate> updates) {
  if (!signer_.has_value()) {
    return absl::FailedPreconditionError("a replica's epoch builder only replays epochs");
  }
  return Sequence(updates, state_ ? std::max(clock_(), state_->timestamp_ms) : clock_());
}

absl::StatusOr<std::unique_ptr<PendingEpoch>> EpochBuilder::SequenceReplayed(
    absl::Span<const PreparedUpdate> updates, uint64_t timestamp_ms) {
  if (signer_.has_value()) {
    return absl::FailedPreconditionError("a primary's epoch builder does not replay epochs");
  }
  return Sequence(updates, timestamp_ms);
}

absl::StatusOr<std::unique_ptr<PendingEpoch>> EpochBuilder::Sequence(
    absl::Span<const PreparedUpdate> updates, uint64_t timestamp_ms) {
  auto pending = std::make_unique<PendingEpoch>(*storage_);
  const absl::Time start = absl::Now();
  const uint64_t epoch = state_ ? state_->epoch + 1 : 0;
  pending->epoch = epoch;
  pending->timestamp_ms = timestamp_ms;
  const bool replay = !signer_.has_value();
  if (replay) pending->update_entries.reserve(updates.size());
  EpochBatch& batch = pending->batch;
  EpochResult& result = pending->result;
  RocksMapReader map_reader = storage_->Reader(nullptr).MapReader();
  auto on_node = [this](merkle::NodeId id, const Hash& h) { tiles_->Add(id, h); };

  result.outcomes.reserve(updates.size());
  // Version records go into the batch sorted (EpochBatch::PutVersion says
  // why), so they are collected first.
  std::vector<NewVersion> versions;
  versions.reserve(updates.size());
  absl::flat_hash_map<Hash, Touched> touched;
  touched.reserve(updates.size());
  for (const PreparedUpdate& u : updates) {
    const Hash& index = u.account_record.index;
    auto it = touched.find(index);
    if (it == touched.end()) {
      auto leaf = CurrentLeaf(u, map_reader);
      if (!leaf.ok()) return leaf.status();
      Touched t;
      t.is_new = !leaf->has_value();
      t.leaf = leaf->has_value() ? **leaf : map::MapLeaf{index, 0, GenesisHead()};
      it = touched.emplace(index, t).first;
    }
    Touched& t = it->second;
    const uint64_t current = t.leaf.version;
    if (u.expected_version.has_value() && *u.expected_version != current) {
      result.outcomes.push_back(
          absl::AbortedError(absl::StrCat("account is at version ", current,
                                          ", the update expected version ", *u.expected_version)));
      continue;
    }
    if (current == 0) {
      // First version of a new account: its VRF index and proof are fixed
      // now, in the same batch.
      batch.PutAccount(u.account, u.account_record);
    }
    const uint64_t version = current + 1;
    VersionRecord rec;
    rec.opening = u.opening.empty() ? RandomString(kOpeningSize) : u.opening;
    auto commitment = CommitKeySet(rec.opening, u.account, version, u.key_set);
    if (!commitment.ok()) return commitment.status();  // validated before; a bug
    rec.epoch = epoch;
    rec.previous_head = t.leaf.head;
    rec.key_set = u.key_set;
    std::string entry = EncodeEntry(UpdateEntry{index, version, epoch, *commitment});
    rec.log_index = range_->size();
    range_->Append(EntryLeafHash(entry), on_node);
    if (replay) pending->update_entries.push_back(entry);
    entries_->Add(std::move(entry));
    result.outcomes.push_back(UpdateOutcome{version, epoch, rec.log_index, 0});
    versions.push_back(NewVersion{index, version, std::move(rec)});
    t.leaf.version = version;
    t.leaf.head = ChainHead(t.leaf.head, version, epoch, *commitment);
    ++pending->update_count;
  }

  std::sort(versions.begin(), versions.end(), [](const NewVersion& a, const NewVersion& b) {
    return a.index != b.index ? a.index < b.index : a.version < b.version;
  });
  for (const NewVersion& v : versions) batch.PutVersion(v.index, v.version, v.record);
  pending->changes.reserve(touched.size());
  for (const auto& [index, t] : touched) {
    if (t.leaf.version > 0) pending->changes.push_back({t.leaf, t.is_new});
  }
  std::sort(pending->changes.begin(), pending->changes.end(),
            [](const map::LeafChange& a, const map::LeafChange& b) {
              return a.leaf.index < b.leaf.index;
            });
  result.sequence_time = absl::Now() - start;
  return pending;
}

absl::Status EpochBuilder::SealEpoch(PendingEpoch& pending) {
  const absl::Time start = absl::Now();
  EpochBatch& batch = pending.batch;
  // Reads see the last committed epoch, which must be the one before this.
  const LogReader committed = storage_->Reader(nullptr);
  RocksMapReader map_reader = committed.MapReader();
  // A second reader lets the map work use the second core.
  RocksMapReader second_reader = committed.MapReader();
  map::MapReader* extra[] = {&second_reader};
  BatchMapWriter map_writer = batch.MapWriter();
  auto map_root = map::TiledMap::Apply(map_reader, pending.changes, map_writer, extra);
  if (!map_root.ok()) return map_root.status();
  pending.result.map_time = absl::Now() - start;

  std::string entry = EncodeEntry(
      EpochEntry{pending.epoch, pending.timestamp_ms, map_root->hash, pending.update_count});
  range_->Append(EntryLeafHash(entry),
                 [this](merkle::NodeId id, const Hash& h) { tiles_->Add(id, h); });
  entries_->Add(std::move(entry));
  batch.PutLogTiles(*tiles_);
  batch.PutEntryBundles(*entries_);

  LogState next;
  next.epoch = pending.epoch;
  next.tree_size = range_->size();
  next.timestamp_ms = pending.timestamp_ms;
  next.frontier = range_->hashes();
  pending.map_root = map_root->hash;
  pending.log_root = range_->Root();
  batch.PutEpoch(pending.epoch,
                 EpochRecord{next.tree_size, signer_.has_value()
                                                 ? SignCheckpoint(next.tree_size, pending.log_root)
                                                 : pending.checkpoint});
  batch.PutState(next);
  if (pending.epoch == 0) {
    batch.PutConfig(config_);
    if (!signer_.has_value()) batch.PutReplicaMarker();
  }

  // From here on the next epoch builds on this one.
  state_ = next;
  sealed_leaves_.clear();
  absl::flat_hash_set<Hash> indexes;
  indexes.reserve(pending.changes.size());
  for (const map::LeafChange& c : pending.changes) {
    sealed_leaves_.emplace(c.leaf.index, c.leaf);
    indexes.insert(c.leaf.index);
  }
  recent_.emplace_back(pending.epoch, std::move(indexes));
  if (recent_.size() > kHintEpochs) recent_.pop_front();
  for (auto& outcome : pending.result.outcomes) {
    if (outcome.ok()) outcome->tree_size = next.tree_size;
  }
  pending.sealed = true;
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const PublishedState>> EpochBuilder::CommitEpoch(
    PendingEpoch& pending) const {
  if (!pending.sealed) return absl::InternalError("commit of an epoch not sealed");
  const absl::Time start = absl::Now();
  absl::Status committed = storage_->Commit(pending.batch);
  if (!committed.ok()) return committed;
  auto published = LoadPublishedState(*storage_, storage_->GetSnapshot());
  pending.result.commit_time = absl::Now() - start;
  return published;
}

void EpochBuilder::RecordCommitted(PendingEpoch& pending,
                                   std::shared_ptr<const PublishedState> published) {
  published_ = published;
  pending.result.published = std::move(published);
}

}  // namespace keytrail
