#include "monitor/auditor.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "core/bytes/encoding.h"
#include "core/bytes/reader.h"
#include "core/map/tiled_map.h"
#include "core/protocol/chain.h"
#include "core/storage/rocks_map_store.h"

namespace keytrail::monitor {
namespace {

using evidence::Rule;

// Reads the committed map through RocksDB, with the records of replayed but
// uncommitted epochs laid over it.
class OverlayReader : public map::MapReader {
 public:
  OverlayReader(MonitorStore& store, const std::map<std::string, std::string>& tiles,
                const std::map<Hash, map::MapLeaf>& leaves)
      : base_(store.db(), store.cf(MonitorCf::kMapTiles), store.cf(MonitorCf::kMapLeaves),
              nullptr),
        tiles_(tiles),
        leaves_(leaves) {}

  absl::StatusOr<std::optional<std::string>> GetTile(absl::string_view key) override {
    auto it = tiles_.find(std::string(key));
    if (it != tiles_.end()) return std::optional<std::string>(it->second);
    return base_.GetTile(key);
  }

  absl::Status ScanLeaves(const Hash& prefix, int depth, std::vector<map::MapLeaf>* out) override {
    std::vector<map::MapLeaf> stored;
    absl::Status s = base_.ScanLeaves(prefix, depth, &stored);
    if (!s.ok()) return s;
    Hash lo = prefix, hi = prefix;
    for (int i = depth; i < map::kIndexBits; ++i) {
      const uint8_t bit = static_cast<uint8_t>(0x80 >> (i % 8));
      lo[i / 8] &= static_cast<uint8_t>(~bit);
      hi[i / 8] |= bit;
    }
    auto it = leaves_.lower_bound(lo);
    auto end = leaves_.upper_bound(hi);
    if (it == end) {
      out->insert(out->end(), stored.begin(), stored.end());
      return absl::OkStatus();
    }
    size_t i = 0;
    while (i < stored.size() || it != end) {
      if (it == end || (i < stored.size() && stored[i].index < it->first)) {
        out->push_back(stored[i++]);
      } else {
        if (i < stored.size() && stored[i].index == it->first) ++i;
        out->push_back(it->second);
        ++it;
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<map::MapLeaf>> GetLeaf(const Hash& index) override {
    auto it = leaves_.find(index);
    if (it != leaves_.end()) return std::optional<map::MapLeaf>(it->second);
    return base_.GetLeaf(index);
  }

 private:
  RocksMapReader base_;
  const std::map<std::string, std::string>& tiles_;
  const std::map<Hash, map::MapLeaf>& leaves_;
};

// Collects one epoch's map writes, to lay over storage once checked.
class CollectWriter : public map::MapWriter {
 public:
  void PutTile(std::string key, std::string value) override {
    tiles.emplace_back(std::move(key), std::move(value));
  }
  void PutLeaf(const map::MapLeaf& leaf) override { leaves.push_back(leaf); }
  std::vector<std::pair<std::string, std::string>> tiles;
  std::vector<map::MapLeaf> leaves;
};

std::string Hex(const Hash& h) { return HexEncode(HashView(h)); }

}  // namespace

absl::StatusOr<evidence::Evidence> BuildRuleEvidence(
    const Violation& v, const std::string& log_key, const std::string& checkpoint,
    const std::function<absl::StatusOr<std::vector<Hash>>(uint64_t index)>& inclusion_proof) {
  evidence::Evidence e;
  e.kind = evidence::EvidenceKind::kBrokenRule;
  e.log_key = log_key;
  e.rule = v.rule;
  e.checkpoint = checkpoint;
  for (size_t i = 0; i < v.indexes.size(); ++i) {
    auto proof = inclusion_proof(v.indexes[i]);
    if (!proof.ok()) return proof.status();
    e.entries.push_back(evidence::ProvenEntry{v.indexes[i], v.entries[i], *std::move(proof)});
  }
  e.witnesses = v.witnesses;
  e.observed_ms = v.observed_ms;
  return e;
}

absl::StatusOr<std::unique_ptr<Auditor>> Auditor::Open(MonitorStore* store, ClockMs clock) {
  auto auditor = std::unique_ptr<Auditor>(new Auditor(store, std::move(clock)));
  absl::Status s = auditor->Reset();
  if (!s.ok()) return s;
  return auditor;
}

absl::Status Auditor::Reset() {
  auto state = store_->GetState();
  if (!state.ok()) return state.status();
  verified_ = *std::move(state);
  auto range = merkle::CompactRange::FromHashes(verified_.size, verified_.frontier);
  if (!range.ok()) return AsDataLoss(range.status(), "monitor state frontier");
  range_ = *std::move(range);
  auto tiles = LogTileWriter::Resume(store_->db(), store_->cf(MonitorCf::kLogTiles), verified_.size);
  if (!tiles.ok()) return tiles.status();
  tiles_.emplace(*std::move(tiles));
  last_epoch_.reset();
  if (verified_.size > 0) last_epoch_ = verified_.last_epoch;
  open_.clear();
  overlay_tiles_.clear();
  overlay_leaves_.clear();
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Violation>> Auditor::Feed(absl::Span<const std::string> entries) {
  for (const std::string& raw : entries) {
    const uint64_t index = fed_size();
    if (raw.empty() || raw.size() > 0xffff) {
      // No entry is this long (or empty); evidence could not carry it, and
      // GetEntries answers are bounded, so this is a broken answer, not proof.
      return absl::UnavailableError(
          absl::StrCat("GetEntries: entry ", index, " is ", raw.size(), " bytes long"));
    }
    auto decoded = DecodeEntry(raw);
    if (!decoded.ok()) {
      Violation v;
      v.rule = Rule::kEntryEncoding;
      v.message = absl::StrCat("entry ", index, " does not decode: ", decoded.status().message());
      v.indexes = {index};
      v.entries = {raw};
      return std::optional<Violation>(std::move(v));
    }
    if (const auto* update = std::get_if<UpdateEntry>(&*decoded)) {
      open_.push_back(OpenUpdate{raw, *update});
      continue;
    }
    auto closed = CloseEpoch(raw, std::get<EpochEntry>(*decoded));
    if (!closed.ok() || closed->has_value()) return closed;
  }
  return std::optional<Violation>();
}

std::optional<Violation> Auditor::CheckCheckpointEnd(uint64_t size) const {
  if (open_.empty()) return std::nullopt;
  Violation v;
  v.rule = Rule::kCheckpointNotOnEpoch;
  v.message = absl::StrCat("checkpoint of size ", size, " ends on an update entry, not an epoch entry");
  v.indexes = {size - 1};
  v.entries = {open_.back().raw};
  return v;
}

void Auditor::AddSegment(const std::string& closing, Violation* v) const {
  uint64_t index = range_.size();
  if (last_epoch_.has_value()) {
    v->indexes.push_back(index - 1);
    v->entries.push_back(EncodeEntry(*last_epoch_));
  }
  for (const OpenUpdate& u : open_) {
    v->indexes.push_back(index++);
    v->entries.push_back(u.raw);
  }
  v->indexes.push_back(index);
  v->entries.push_back(closing);
}

absl::StatusOr<std::optional<map::MapLeaf>> Auditor::CurrentLeaf(const Hash& index) {
  auto it = overlay_leaves_.find(index);
  if (it != overlay_leaves_.end()) return std::optional<map::MapLeaf>(it->second);
  RocksMapReader reader(store_->db(), store_->cf(MonitorCf::kMapTiles),
                        store_->cf(MonitorCf::kMapLeaves), nullptr);
  return reader.GetLeaf(index);
}

absl::StatusOr<std::optional<Violation>> Auditor::CloseEpoch(const std::string& raw,
                                                             const EpochEntry& epoch) {
  const uint64_t at = fed_size();
  const uint64_t built = last_epoch_.has_value() ? last_epoch_->epoch + 1 : 0;
  auto violation = [&](Rule rule, std::string message) {
    Violation v;
    v.rule = rule;
    v.message = std::move(message);
    return std::optional<Violation>(std::move(v));
  };
  if (epoch.epoch != built) {
    auto v = violation(Rule::kEpochNotConsecutive,
                       absl::StrCat("epoch entry at ", at, " says epoch ", epoch.epoch,
                                    ", want ", built));
    AddSegment(raw, &*v);
    return v;
  }
  if (last_epoch_.has_value() && epoch.timestamp_ms < last_epoch_->timestamp_ms) {
    auto v = violation(Rule::kTimestampBackwards,
                       absl::StrCat("epoch ", epoch.epoch, " at ", at, " has timestamp ",
                                    epoch.timestamp_ms, " ms, before epoch ",
                                    last_epoch_->epoch, "'s ", last_epoch_->timestamp_ms, " ms"));
    v->indexes = {range_.size() - 1, at};
    v->entries = {EncodeEntry(*last_epoch_), raw};
    return v;
  }
  const uint64_t now = clock_();
  if (epoch.timestamp_ms > now + evidence::kFutureToleranceMs) {
    auto v = violation(Rule::kTimestampInFuture,
                       absl::StrCat("epoch ", epoch.epoch, " at ", at, " has timestamp ",
                                    epoch.timestamp_ms, " ms, ", epoch.timestamp_ms - now,
                                    " ms ahead of this monitor's clock"));
    v->indexes = {at};
    v->entries = {raw};
    v->observed_ms = now;
    return v;
  }
  for (size_t i = 0; i < open_.size(); ++i) {
    if (open_[i].entry.epoch != built) {
      auto v = violation(Rule::kUpdateWrongEpoch,
                         absl::StrCat("update entry at ", range_.size() + i, " names epoch ",
                                      open_[i].entry.epoch, " inside epoch ", built));
      AddSegment(raw, &*v);
      return v;
    }
  }
  if (epoch.update_count != open_.size()) {
    auto v = violation(Rule::kEpochWrongCount,
                       absl::StrCat("epoch ", epoch.epoch, " at ", at, " claims ",
                                    epoch.update_count, " updates, it closes ", open_.size()));
    AddSegment(raw, &*v);
    return v;
  }

  // Versions and heads: one point read per touched index.
  struct Touched {
    map::MapLeaf leaf;
    bool is_new;
  };
  absl::flat_hash_map<Hash, Touched> touched;
  touched.reserve(open_.size());
  std::optional<Violation> wrong_version;
  for (size_t i = 0; i < open_.size(); ++i) {
    const UpdateEntry& u = open_[i].entry;
    auto it = touched.find(u.index);
    if (it == touched.end()) {
      auto leaf = CurrentLeaf(u.index);
      if (!leaf.ok()) return leaf.status();
      Touched t;
      t.is_new = !leaf->has_value();
      t.leaf = leaf->value_or(map::MapLeaf{u.index, 0, GenesisHead()});
      it = touched.emplace(u.index, t).first;
    }
    map::MapLeaf& leaf = it->second.leaf;
    if (u.version != leaf.version + 1 && !wrong_version.has_value()) {
      wrong_version = violation(Rule::kUpdateWrongVersion,
                                absl::StrCat("update entry at ", range_.size() + i, " has version ",
                                             u.version, " for index ", Hex(u.index),
                                             " at version ", leaf.version));
    }
    leaf.version = u.version;
    leaf.head = ChainHead(leaf.head, u.version, u.epoch, u.commitment);
  }
  std::vector<map::LeafChange> changes;
  changes.reserve(touched.size());
  for (const auto& [index, t] : touched) changes.push_back({t.leaf, t.is_new});
  std::sort(changes.begin(), changes.end(), [](const map::LeafChange& a, const map::LeafChange& b) {
    return a.leaf.index < b.leaf.index;
  });

  OverlayReader reader(*store_, overlay_tiles_, overlay_leaves_);
  std::optional<map::Summary> root;
  if (!wrong_version.has_value()) {
    OverlayReader second(*store_, overlay_tiles_, overlay_leaves_);
    map::MapReader* extra[] = {&second};
    CollectWriter writer;
    auto applied = map::TiledMap::Apply(reader, changes, writer,
                                        changes.size() > 1000 ? absl::MakeSpan(extra)
                                                              : absl::Span<map::MapReader* const>());
    if (!applied.ok()) return applied.status();
    if (applied->hash == epoch.map_root) {
      for (auto& [key, value] : writer.tiles) overlay_tiles_[std::move(key)] = std::move(value);
      for (const map::MapLeaf& leaf : writer.leaves) overlay_leaves_[leaf.index] = leaf;
      // The epoch passed every rule: it joins the replayed tree.
      auto on_node = [this](merkle::NodeId id, const Hash& h) { tiles_->Add(id, h); };
      for (const OpenUpdate& u : open_) range_.Append(EntryLeafHash(u.raw), on_node);
      range_.Append(EntryLeafHash(raw), on_node);
      open_.clear();
      last_epoch_ = epoch;
      return std::optional<Violation>();
    }
    root = *applied;
  }
  std::optional<Violation> v =
      wrong_version.has_value()
          ? std::move(wrong_version)
          : violation(Rule::kMapRootMismatch,
                      absl::StrCat("epoch ", epoch.epoch, " at ", at, " claims map root ",
                                   Hex(epoch.map_root), ", its ", open_.size(),
                                   " updates give ", Hex(root->hash)));
  // Witnesses: each touched index's leaf before the epoch, proven against
  // the previous epoch's root (what `reader` still shows).
  for (const map::LeafChange& c : changes) {
    evidence::MapWitness w;
    auto leaf = reader.GetLeaf(c.leaf.index);
    if (!leaf.ok()) return leaf.status();
    w.prior = leaf->value_or(map::MapLeaf{c.leaf.index, 0, Hash{}});
    auto proof = map::TiledMap::Prove(reader, c.leaf.index);
    if (!proof.ok()) return proof.status();
    w.proof = *std::move(proof);
    v->witnesses.push_back(std::move(w));
  }
  AddSegment(raw, &*v);
  return v;
}

absl::Status Auditor::Commit(const std::string& checkpoint) {
  // An epoch still open (its updates fed, its epoch entry not yet) stays in
  // memory: only whole, checked epochs are written.
  rocksdb::WriteBatch batch;
  tiles_->Flush(&batch);
  BatchMapWriter writer(&batch, store_->cf(MonitorCf::kMapTiles), store_->cf(MonitorCf::kMapLeaves));
  for (const auto& [key, value] : overlay_tiles_) writer.PutTile(key, value);
  for (const auto& [index, leaf] : overlay_leaves_) writer.PutLeaf(leaf);
  AuditState next = verified_;
  next.size = range_.size();
  if (last_epoch_.has_value()) next.last_epoch = *last_epoch_;
  next.frontier = range_.hashes();
  next.checkpoint = checkpoint;
  store_->PutState(next, &batch);
  absl::Status s = store_->db().Commit(&batch);
  if (!s.ok()) {
    absl::Status reset = Reset();
    (void)reset;
    return s;
  }
  verified_ = std::move(next);
  overlay_tiles_.clear();
  overlay_leaves_.clear();
  return absl::OkStatus();
}

}  // namespace keytrail::monitor
