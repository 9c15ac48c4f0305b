#include "testing/crafted_log.h"

#include "absl/strings/str_cat.h"
#include "core/merkle/proof_builder.h"
#include "core/note/checkpoint.h"
#include "core/protocol/chain.h"

namespace keytrail::test {
namespace {

class MapSource : public merkle::HashSource {
 public:
  explicit MapSource(const std::map<merkle::NodeId, Hash>& nodes) : nodes_(nodes) {}
  absl::StatusOr<std::vector<Hash>> GetNodes(absl::Span<const merkle::NodeId> ids) override {
    std::vector<Hash> out;
    for (const merkle::NodeId& id : ids) out.push_back(nodes_.at(id));
    return out;
  }

 private:
  const std::map<merkle::NodeId, Hash>& nodes_;
};

}  // namespace

Hash TestIndex(int i) { return Sha256Of(absl::StrCat("account ", i)); }

CraftedLog::CraftedLog(std::string origin)
    : signer_(note::Ed25519NoteSigner::Generate(std::move(origin)).value()) {}

void CraftedLog::Append(std::string entry) {
  range_.Append(EntryLeafHash(entry), [this](merkle::NodeId id, const Hash& h) { nodes_[id] = h; });
  entries_.push_back(std::move(entry));
}

UpdateEntry CraftedLog::NextUpdate(const Hash& index) {
  auto leaf = map_.Get(index);
  const uint64_t version = leaf.has_value() ? leaf->version + 1 : 1;
  return UpdateEntry{index, version, epoch_, Sha256Of(absl::StrCat(HashString(index), version))};
}

void CraftedLog::ApplyToMap(const UpdateEntry& u) {
  auto leaf = map_.Get(u.index);
  const Hash previous = leaf.has_value() ? leaf->head : GenesisHead();
  map_.Set(map::MapLeaf{u.index, u.version, ChainHead(previous, u.version, u.epoch, u.commitment)});
}

EpochEntry CraftedLog::NextEpochEntry(uint64_t count, uint64_t timestamp_ms) const {
  return EpochEntry{epoch_, timestamp_ms, map_.Root(), count};
}

uint64_t CraftedLog::HonestEpoch(const std::vector<Hash>& indexes, uint64_t timestamp_ms) {
  for (const Hash& index : indexes) {
    UpdateEntry u = NextUpdate(index);
    ApplyToMap(u);
    Append(EncodeEntry(u));
  }
  Append(EncodeEntry(NextEpochEntry(indexes.size(), timestamp_ms)));
  return epoch_++;
}

Hash CraftedLog::RootAt(uint64_t size) const {
  MapSource source(nodes_);
  return merkle::RootAt(size, source).value();
}

std::string CraftedLog::SignedCheckpoint(uint64_t size) const {
  note::Checkpoint cp;
  cp.origin = signer_.name();
  cp.size = size;
  cp.root = RootAt(size);
  const note::NoteSigner* signers[] = {&signer_};
  return note::SignNote(note::FormatCheckpoint(cp), signers).value();
}

std::vector<Hash> CraftedLog::InclusionProof(uint64_t index, uint64_t size) const {
  MapSource source(nodes_);
  return merkle::BuildInclusionProof(index, size, source).value();
}

std::vector<Hash> CraftedLog::ConsistencyProof(uint64_t size1, uint64_t size2) const {
  MapSource source(nodes_);
  return merkle::BuildConsistencyProof(size1, size2, source).value();
}

}  // namespace keytrail::test
