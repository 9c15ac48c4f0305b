#include "monitor/auditor.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/bytes/encoding.h"
#include "core/bytes/reader.h"
#include "core/map/tiled_map.h"
#include "core/protocol/chain.h"
#include "core/storage/rocks_map_store.h"

namespace keytrail::monitor {
namespace {

using evidence::Rule;

// The leaves in `sorted` (by index) whose index starts with the first
// `depth` bits of `prefix`.
std::pair<std::vector<map::MapLeaf>::const_iterator, std::vector<map::MapLeaf>::const_iterator>
LeavesUnder(const std::vector<map::MapLeaf>& sorted, const Hash& prefix, int depth) {
  Hash lo = prefix, hi = prefix;
  for (int i = depth; i < map::kIndexBits; ++i) {
    const uint8_t bit = static_cast<uint8_t>(0x80 >> (i % 8));
    lo[i / 8] &= static_cast<uint8_t>(~bit);
    hi[i / 8] |= bit;
  }
  auto by_index = [](const map::MapLeaf& l, const Hash& h) { return l.index < h; };
  auto begin = std::lower_bound(sorted.begin(), sorted.end(), lo, by_index);
  auto end = std::upper_bound(begin, sorted.end(), hi,
                              [](const Hash& h, const map::MapLeaf& l) { return h < l.index; });
  return {begin, end};
}

// Reads the committed map, with the records of replayed but uncommitted
// epochs laid over it.
class OverlayReader : public map::MapReader {
 public:
  OverlayReader(const MonitorStore& store, const std::map<std::string, std::string>& tiles,
                const std::vector<map::MapLeaf>& leaves)
      : base_(store.MapReader()), tiles_(tiles), leaves_(leaves) {}

  absl::StatusOr<std::optional<std::string>> GetTile(absl::string_view key) override {
    if (!tiles_.empty()) {
      auto it = tiles_.find(std::string(key));
      if (it != tiles_.end()) return std::optional<std::string>(it->second);
    }
    return base_.GetTile(key);
  }

  absl::Status ScanLeaves(const Hash& prefix, int depth, std::vector<map::MapLeaf>* out) override {
    if (leaves_.empty()) return base_.ScanLeaves(prefix, depth, out);
    auto [it, end] = LeavesUnder(leaves_, prefix, depth);
    if (it == end) return base_.ScanLeaves(prefix, depth, out);
    stored_.clear();
    absl::Status s = base_.ScanLeaves(prefix, depth, &stored_);
    if (!s.ok()) return s;
    size_t i = 0;
    while (i < stored_.size() || it != end) {
      if (it == end || (i < stored_.size() && stored_[i].index < it->index)) {
        out->push_back(stored_[i++]);
      } else {
        if (i < stored_.size() && stored_[i].index == it->index) ++i;
        out->push_back(*it);
        ++it;
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<map::MapLeaf>> GetLeaf(const Hash& index) override {
    auto it = std::lower_bound(leaves_.begin(), leaves_.end(), index,
                               [](const map::MapLeaf& l, const Hash& h) { return l.index < h; });
    if (it != leaves_.end() && it->index == index) return std::optional<map::MapLeaf>(*it);
    return base_.GetLeaf(index);
  }

 private:
  RocksMapReader base_;
  const std::map<std::string, std::string>& tiles_;
  const std::vector<map::MapLeaf>& leaves_;
  std::vector<map::MapLeaf> stored_;  // reused by every ScanLeaves
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
  auto tiles = store_->ResumeLogTiles(verified_.size);
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
  v.message =
      absl::StrCat("checkpoint of size ", size, " ends on an update entry, not an epoch entry");
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
    auto v = violation(
        Rule::kEpochNotConsecutive,
        absl::StrCat("epoch entry at ", at, " says epoch ", epoch.epoch, ", want ", built));
    AddSegment(raw, &*v);
    return v;
  }
  if (last_epoch_.has_value() && epoch.timestamp_ms < last_epoch_->timestamp_ms) {
    auto v = violation(Rule::kTimestampBackwards,
                       absl::StrCat("epoch ", epoch.epoch, " at ", at, " has timestamp ",
                                    epoch.timestamp_ms, " ms, before epoch ", last_epoch_->epoch,
                                    "'s ", last_epoch_->timestamp_ms, " ms"));
    v->indexes = {range_.size() - 1, at};
    v->entries = {EncodeEntry(*last_epoch_), raw};
    return v;
  }
  const uint64_t now = clock_();
  if (epoch.timestamp_ms > now + evidence::kFutureToleranceMs) {
    auto v = violation(
        Rule::kTimestampInFuture,
        absl::StrCat("epoch ", epoch.epoch, " at ", at, " has timestamp ", epoch.timestamp_ms,
                     " ms, ", epoch.timestamp_ms - now, " ms ahead of this monitor's clock"));
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

  // Versions and heads. The touched indexes once each, sorted, and each
  // one's updates in log order: TiledMap::ApplyUpdates hands `update` each
  // index's leaf before the epoch from the leaves it loads to rehash the
  // subtree anyway, so no leaf is read twice.
  const size_t n = open_.size();
  std::vector<uint32_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = static_cast<uint32_t>(i);
  auto index_of = [this](uint32_t p) -> const Hash& { return open_[p].entry.index; };
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const int c = std::memcmp(index_of(a).data(), index_of(b).data(), kHashSize);
    return c < 0 || (c == 0 && a < b);
  });
  std::vector<Hash> indexes;        // distinct, sorted
  std::vector<uint32_t> run_begin;  // index i's updates: order[run_begin[i], run_begin[i + 1])
  for (size_t k = 0; k < n; ++k) {
    if (k == 0 || !(index_of(order[k]) == indexes.back())) {
      indexes.push_back(index_of(order[k]));
      run_begin.push_back(static_cast<uint32_t>(k));
    }
  }
  run_begin.push_back(static_cast<uint32_t>(n));
  // Per index, its first update whose version is not the one before + 1.
  constexpr uint32_t kNone = ~uint32_t{0};
  struct WrongVersion {
    uint32_t at = kNone;  // position in open_
    uint64_t had = 0;     // the index's version before that update
  };
  std::vector<WrongVersion> wrong(indexes.size());
  // Called once per index, possibly from TiledMap's second thread: it only
  // writes wrong[i].
  map::TiledMap::LeafUpdate update = [&](size_t i, const map::MapLeaf* old) {
    map::MapLeaf leaf = old != nullptr ? *old : map::MapLeaf{indexes[i], 0, GenesisHead()};
    for (uint32_t k = run_begin[i]; k < run_begin[i + 1]; ++k) {
      const UpdateEntry& u = open_[order[k]].entry;
      if (u.version != leaf.version + 1 && wrong[i].at == kNone) {
        wrong[i] = WrongVersion{order[k], leaf.version};
      }
      leaf.version = u.version;
      leaf.head = ChainHead(leaf.head, u.version, u.epoch, u.commitment);
    }
    return leaf;
  };

  OverlayReader reader(*store_, overlay_tiles_, overlay_leaves_);
  OverlayReader second(*store_, overlay_tiles_, overlay_leaves_);
  map::MapReader* extra[] = {&second};
  CollectWriter writer;
  auto applied = map::TiledMap::ApplyUpdates(
      reader, indexes, update, writer,
      indexes.size() > 1000 ? absl::MakeSpan(extra) : absl::Span<map::MapReader* const>());
  if (!applied.ok()) return applied.status();
  // The first wrong version in log order.
  const WrongVersion* first_wrong = nullptr;
  for (const WrongVersion& w : wrong) {
    if (w.at != kNone && (first_wrong == nullptr || w.at < first_wrong->at)) first_wrong = &w;
  }
  std::optional<Violation> wrong_version;
  if (first_wrong != nullptr) {
    const UpdateEntry& u = open_[first_wrong->at].entry;
    wrong_version = violation(
        Rule::kUpdateWrongVersion,
        absl::StrCat("update entry at ", range_.size() + first_wrong->at, " has version ",
                     u.version, " for index ", HashHex(u.index), " at version ", first_wrong->had));
  } else if (applied->hash == epoch.map_root) {
    for (auto& [key, value] : writer.tiles) overlay_tiles_[std::move(key)] = std::move(value);
    LayLeaves(std::move(writer.leaves));
    // The epoch passed every rule: it joins the replayed tree.
    auto on_node = [this](merkle::NodeId id, const Hash& h) { tiles_->Add(id, h); };
    for (const OpenUpdate& u : open_) range_.Append(EntryLeafHash(u.raw), on_node);
    range_.Append(EntryLeafHash(raw), on_node);
    open_.clear();
    last_epoch_ = epoch;
    return std::optional<Violation>();
  }
  const std::optional<map::Summary> root = *applied;
  std::optional<Violation> v =
      wrong_version.has_value()
          ? std::move(wrong_version)
          : violation(Rule::kMapRootMismatch,
                      absl::StrCat("epoch ", epoch.epoch, " at ", at, " claims map root ",
                                   HashHex(epoch.map_root), ", its ", open_.size(),
                                   " updates give ", HashHex(root->hash)));
  // Witnesses: each touched index's leaf before the epoch, proven against
  // the previous epoch's root (what `reader` still shows).
  for (const Hash& index : indexes) {
    evidence::MapWitness w;
    auto leaf = reader.GetLeaf(index);
    if (!leaf.ok()) return leaf.status();
    w.prior = leaf->value_or(map::MapLeaf{index, 0, Hash{}});
    auto proof = map::TiledMap::Prove(reader, index);
    if (!proof.ok()) return proof.status();
    w.proof = *std::move(proof);
    v->witnesses.push_back(std::move(w));
  }
  AddSegment(raw, &*v);
  return v;
}

void Auditor::LayLeaves(std::vector<map::MapLeaf> leaves) {
  if (overlay_leaves_.empty()) {
    overlay_leaves_ = std::move(leaves);
    return;
  }
  // Both sorted by index: merge, the newer leaf winning.
  std::vector<map::MapLeaf> merged;
  merged.reserve(overlay_leaves_.size() + leaves.size());
  size_t i = 0;
  for (const map::MapLeaf& leaf : leaves) {
    while (i < overlay_leaves_.size() && overlay_leaves_[i].index < leaf.index) {
      merged.push_back(overlay_leaves_[i++]);
    }
    if (i < overlay_leaves_.size() && overlay_leaves_[i].index == leaf.index) ++i;
    merged.push_back(leaf);
  }
  merged.insert(merged.end(), overlay_leaves_.begin() + i, overlay_leaves_.end());
  overlay_leaves_ = std::move(merged);
}

absl::Status Auditor::Commit(const std::string& checkpoint) {
  // An epoch still open (its updates fed, its epoch entry not yet) stays in
  // memory: only whole, checked epochs are written.
  AuditBatch batch(*store_);
  batch.PutLogTiles(*tiles_);
  BatchMapWriter writer = batch.MapWriter();
  for (const auto& [key, value] : overlay_tiles_) writer.PutTile(key, value);
  for (const map::MapLeaf& leaf : overlay_leaves_) writer.PutLeaf(leaf);
  AuditState next = verified_;
  next.size = range_.size();
  if (last_epoch_.has_value()) next.last_epoch = *last_epoch_;
  next.frontier = range_.hashes();
  next.checkpoint = checkpoint;
  batch.PutState(next);
  absl::Status s = store_->Commit(batch);
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
