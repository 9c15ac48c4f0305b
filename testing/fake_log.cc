#include "testing/fake_log.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/types/span.h"
#include "core/crypto/random.h"
#include "core/map/proof.h"
#include "core/merkle/hash_list.h"
#include "core/merkle/hash_source.h"
#include "core/merkle/proof_builder.h"
#include "core/note/checkpoint.h"
#include "core/protocol/chain.h"
#include "core/protocol/commitment.h"
#include "core/protocol/entry.h"
#include "core/protocol/limits.h"
#include "core/protocol/limits_message.h"

namespace keytrail {
namespace fakes {
namespace {

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "FakeLog: %s\n", what);
    std::abort();
  }
}

// Serves the fake log's stored subtrees to the proof builder.
class NodeSource : public merkle::HashSource {
 public:
  explicit NodeSource(const std::map<merkle::NodeId, Hash>& nodes) : nodes_(nodes) {}
  absl::StatusOr<std::vector<Hash>> GetNodes(absl::Span<const merkle::NodeId> ids) override {
    std::vector<Hash> out;
    out.reserve(ids.size());
    for (const merkle::NodeId& id : ids) {
      auto it = nodes_.find(id);
      if (it == nodes_.end()) return absl::NotFoundError("no node " + id.ToString());
      out.push_back(it->second);
    }
    return out;
  }

 private:
  const std::map<merkle::NodeId, Hash>& nodes_;
};

}  // namespace

FakeLog::FakeLog(std::string origin, uint64_t genesis_ms)
    : FakeLog(note::Ed25519NoteSigner::Generate(std::move(origin)).value(),
              VrfPrivateKey::Generate(), genesis_ms) {}

FakeLog::FakeLog(note::Ed25519NoteSigner signer, VrfPrivateKey vrf, uint64_t genesis_ms)
    : signer_(std::move(signer)), vrf_(std::move(vrf)) {
  // The genesis epoch, as EpochBuilder::Open makes it.
  Append(EncodeEntry(EpochEntry{0, genesis_ms, map_.Root(), 0}));
  epochs_.push_back(Epoch{0, genesis_ms, std::make_shared<const map::MemoryMap>(map_)});
}

void FakeLog::Append(std::string entry) {
  range_.Append(EntryLeafHash(entry), [this](merkle::NodeId id, const Hash& h) { nodes_[id] = h; });
  entries_.push_back(std::move(entry));
}

void FakeLog::Update(absl::string_view account, std::string key_set_encoding,
                     const UpdateOptions& options) {
  pending_.push_back(Pending{std::string(account), std::move(key_set_encoding), options});
}

void FakeLog::Update(absl::string_view account, const KeySet& key_set,
                     const UpdateOptions& options) {
  Update(account, EncodeKeySet(key_set).value(), options);
}

void FakeLog::UpdateSigned(absl::string_view account, const Ed25519PrivateKey& key,
                           std::initializer_list<const char*> ids) {
  Update(account, SignedKeySet(key, std::string(account), NextVersion(account), ids));
}

uint64_t FakeLog::NextVersion(absl::string_view account) const {
  uint64_t next = CurrentVersion(account) + 1;
  for (const Pending& p : pending_) {
    if (p.account == account) ++next;
  }
  return next;
}

uint64_t FakeLog::CloseEpoch(uint64_t timestamp_ms, const EpochOptions& options) {
  const uint64_t epoch = options.epoch.value_or(epochs_.size());
  for (const Pending& p : pending_) {
    std::vector<Version>& versions = accounts_[p.account];
    const Hash index = Index(p.account);
    Version v;
    v.version = p.options.version.value_or(versions.empty() ? 1 : versions.back().version + 1);
    v.epoch = p.options.epoch.value_or(epoch);
    v.key_set = p.key_set;
    v.opening = RandomString(kOpeningSize);
    v.previous_head = versions.empty() ? GenesisHead() : versions.back().head;
    const Hash commitment = CommitKeySet(v.opening, p.account, v.version, v.key_set).value();
    v.log_index = size();
    Append(EncodeEntry(UpdateEntry{index, v.version, v.epoch, commitment}));
    v.head = ChainHead(v.previous_head, v.version, v.epoch, commitment);
    map_.Set(map::MapLeaf{index, v.version, v.head});
    versions.push_back(std::move(v));
  }
  const uint64_t count = options.update_count.value_or(pending_.size());
  pending_.clear();
  const uint64_t entry_index = size();
  Append(
      EncodeEntry(EpochEntry{epoch, timestamp_ms, options.map_root.value_or(map_.Root()), count}));
  epochs_.push_back(Epoch{entry_index, timestamp_ms, std::make_shared<const map::MemoryMap>(map_)});
  return epoch;
}

void FakeLog::AppendRawEntry(std::string bytes) { Append(std::move(bytes)); }

void FakeLog::AddCosigner(note::CosignatureSigner signer) {
  cosigners_.push_back(std::move(signer));
}

void FakeLog::ServeAt(uint64_t size) {
  Check(size >= 1 && size <= this->size(), "ServeAt: size outside [1, size()]");
  serve_at_ = size;
}

const FakeLog::Epoch& FakeLog::EpochWithin(uint64_t size) const {
  // Genesis (entry 0) lies within every size >= 1; size 0 gets it too.
  auto after = std::upper_bound(epochs_.begin(), epochs_.end(), size,
                                [](uint64_t s, const Epoch& e) { return s <= e.entry_index; });
  return after == epochs_.begin() ? epochs_.front() : *(after - 1);
}

const map::MemoryMap& FakeLog::Map() const { return *EpochWithin(served_size()).map; }

v1::GetLogInfoResponse FakeLog::LogInfo() const {
  v1::GetLogInfoResponse info;
  info.set_origin(signer_.name());
  info.set_note_verifier_key(signer_.VerifierKey());
  info.set_vrf_public_key(vrf_.public_key().bytes());
  info.set_commitment_key(CommitmentKey());
  info.set_protocol_version(kProtocolVersion);
  FillLimits(info.mutable_limits());
  return info;
}

note::Checkpoint FakeLog::CheckpointAt(uint64_t size) const {
  Check(size <= this->size(), "CheckpointAt: size beyond the log");
  NodeSource source(nodes_);
  note::Checkpoint cp;
  cp.origin = signer_.name();
  cp.size = size;
  cp.root = merkle::RootAt(size, source).value();
  return cp;
}

std::string FakeLog::InclusionProof(uint64_t index, uint64_t size) const {
  NodeSource source(nodes_);
  return merkle::EncodeHashList(merkle::BuildInclusionProof(index, size, source).value());
}

std::string FakeLog::ConsistencyProof(uint64_t size1, uint64_t size2) const {
  NodeSource source(nodes_);
  return merkle::EncodeHashList(merkle::BuildConsistencyProof(size1, size2, source).value());
}

std::string FakeLog::SignText(const std::string& text) const {
  return SignTextAt(text, EpochWithin(served_size()).timestamp_ms);
}

std::string FakeLog::SignTextAt(const std::string& text, uint64_t timestamp_ms) const {
  note::Note n;
  n.text = text;
  n.signatures.push_back(
      note::NoteSignature{signer_.name(), signer_.key_hash(), signer_.Sign(text)});
  for (const note::CosignatureSigner& c : cosigners_) {
    n.signatures.push_back(c.SignAsNoteSignature(text, timestamp_ms / 1000));
  }
  return note::FormatNote(n);
}

std::string FakeLog::SignCheckpoint(const note::Checkpoint& body) const {
  return SignTextAt(note::FormatCheckpoint(body), EpochWithin(body.size).timestamp_ms);
}

std::string FakeLog::SignedCheckpointAt(uint64_t size) const {
  return SignCheckpoint(CheckpointAt(size));
}

v1::LogProof FakeLog::Proof(uint64_t last_verified_size) const {
  const uint64_t served = served_size();
  Check(last_verified_size <= served, "last_verified_size beyond the served size");
  v1::LogProof proof;
  proof.set_checkpoint(SignedCheckpoint());
  proof.set_epoch_entry(entries_.at(served - 1));
  proof.set_epoch_inclusion_proof(InclusionProof(served - 1, served));
  if (last_verified_size > 0 && last_verified_size < served) {
    proof.set_consistency_proof(ConsistencyProof(last_verified_size, served));
  }
  return proof;
}

Hash FakeLog::Index(absl::string_view account) const {
  return VrfProofToHash(vrf_.Prove(account)).value();
}

std::vector<const FakeLog::Version*> FakeLog::Visible(absl::string_view account) const {
  std::vector<const Version*> out;
  auto it = accounts_.find(std::string(account));
  if (it == accounts_.end()) return out;
  const uint64_t end = EpochWithin(served_size()).entry_index;
  for (const Version& v : it->second) {
    if (v.log_index < end) out.push_back(&v);
  }
  return out;
}

uint64_t FakeLog::CurrentVersion(absl::string_view account) const {
  const std::vector<const Version*> versions = Visible(account);
  return versions.empty() ? 0 : versions.back()->version;
}

Hash FakeLog::Head(absl::string_view account, uint64_t version) const {
  if (version == 0) return GenesisHead();
  const std::vector<const Version*> versions = Visible(account);
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    if ((*it)->version == version) return (*it)->head;
  }
  Check(false, "Head: no such version");
  return Hash{};
}

void FakeLog::FillVersion(const Version& v, v1::AccountVersion* out) const {
  out->set_version(v.version);
  out->set_epoch(v.epoch);
  out->set_key_set(v.key_set);
  out->set_opening(v.opening);
  out->set_log_index(v.log_index);
}

v1::LookupResponse FakeLog::Lookup(absl::string_view account, uint64_t last_verified_size) const {
  v1::LookupResponse r;
  *r.mutable_log() = Proof(last_verified_size);
  r.set_vrf_proof(vrf_.Prove(account));
  r.set_map_proof(map::EncodeMapProof(Map().Prove(Index(account))));
  const std::vector<const Version*> versions = Visible(account);
  if (versions.empty()) return r;
  FillVersion(*versions.back(), r.mutable_current());
  r.set_previous_head(HashString(versions.back()->previous_head));
  return r;
}

v1::HistoryResponse FakeLog::History(absl::string_view account, uint64_t since_version,
                                     uint64_t last_verified_size) const {
  const std::vector<const Version*> versions = Visible(account);
  const uint64_t current = versions.empty() ? 0 : versions.back()->version;
  Check(since_version >= 1 && since_version <= current + 1, "History: bad since_version");
  v1::HistoryResponse r;
  *r.mutable_log() = Proof(last_verified_size);
  r.set_vrf_proof(vrf_.Prove(account));
  r.set_map_proof(map::EncodeMapProof(Map().Prove(Index(account))));
  // As the server: the head before since_version, then every version since.
  size_t first = 0;
  while (first < versions.size() && versions[first]->version < since_version) ++first;
  r.set_previous_head(HashString(first == 0 ? GenesisHead() : versions[first - 1]->head));
  for (size_t i = first; i < versions.size(); ++i) FillVersion(*versions[i], r.add_versions());
  return r;
}

KeySet PlainKeySet(std::initializer_list<const char*> ids) {
  KeySet ks;
  for (const char* id : ids) ks.devices.push_back(Device{id, std::string("key of ") + id});
  SortDevices(&ks);
  return ks;
}

KeySet SignedKeySet(const Ed25519PrivateKey& key, const std::string& account, uint64_t version,
                    std::initializer_list<const char*> ids) {
  KeySet ks = PlainKeySet(ids);
  absl::Status signed_ok = SignKeySet(key, account, version, &ks);
  if (!signed_ok.ok()) std::abort();  // misuse: an empty key set, version 0
  return ks;
}

}  // namespace fakes
}  // namespace keytrail
