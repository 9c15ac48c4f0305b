#include "testing/fake_log.h"

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

namespace keytrail {
namespace verifier {
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
  epoch_entries_.push_back(0);
  timestamp_ms_ = genesis_ms;
}

void FakeLog::Append(std::string entry) {
  range_.Append(EntryLeafHash(entry),
                [this](merkle::NodeId id, const Hash& h) { nodes_[id] = h; });
  entries_.push_back(std::move(entry));
}

void FakeLog::Update(absl::string_view account, std::string key_set_encoding) {
  pending_.push_back(Pending{std::string(account), std::move(key_set_encoding)});
}

void FakeLog::Update(absl::string_view account, const KeySet& key_set) {
  Update(account, EncodeKeySet(key_set).value());
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

uint64_t FakeLog::CloseEpoch(uint64_t timestamp_ms) {
  const uint64_t epoch = epoch_entries_.size();
  for (const Pending& p : pending_) {
    std::vector<Version>& versions = accounts_[p.account];
    const Hash index = Index(p.account);
    const uint64_t version = versions.size() + 1;
    Version v;
    v.epoch = epoch;
    v.key_set = p.key_set;
    v.opening = RandomString(kOpeningSize);
    v.previous_head = versions.empty() ? GenesisHead() : versions.back().head;
    const Hash commitment = Commit(v.opening, p.account, version, v.key_set).value();
    v.log_index = size();
    Append(EncodeEntry(UpdateEntry{index, version, epoch, commitment}));
    v.head = ChainHead(v.previous_head, version, epoch, commitment);
    map_.Set(map::MapLeaf{index, version, v.head});
    versions.push_back(std::move(v));
  }
  const uint64_t count = pending_.size();
  pending_.clear();
  epoch_entries_.push_back(size());
  Append(EncodeEntry(EpochEntry{epoch, timestamp_ms, map_.Root(), count}));
  timestamp_ms_ = timestamp_ms;
  return epoch;
}

void FakeLog::AddCosigner(note::CosignatureSigner signer) {
  cosigners_.push_back(std::move(signer));
}

LogTrust FakeLog::Trust() const {
  return LogTrust{signer_.name(), signer_.Verifier(), vrf_.public_key(), {}, 0, 0};
}

v1::GetLogInfoResponse FakeLog::LogInfo() const {
  v1::GetLogInfoResponse info;
  info.set_origin(signer_.name());
  info.set_note_verifier_key(signer_.VerifierKey());
  info.set_vrf_public_key(vrf_.public_key().bytes());
  info.set_commitment_key(CommitmentKey());
  info.set_protocol_version(1);
  return info;
}

TrustedCheckpoint FakeLog::CheckpointAt(uint64_t size) const {
  NodeSource source(nodes_);
  return TrustedCheckpoint{size, merkle::RootAt(size, source).value()};
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
  note::Note n;
  n.text = text;
  n.signatures.push_back(note::NoteSignature{signer_.name(), signer_.key_hash(),
                                             signer_.Sign(text)});
  for (const note::CosignatureSigner& c : cosigners_) {
    n.signatures.push_back(c.SignAsNoteSignature(text, timestamp_ms_ / 1000));
  }
  return note::FormatNote(n);
}

std::string FakeLog::SignedCheckpoint() const {
  note::Checkpoint cp;
  cp.origin = signer_.name();
  cp.size = size();
  cp.root = range_.Root();
  return SignText(note::FormatCheckpoint(cp));
}

v1::LogProof FakeLog::Proof(uint64_t last_verified_size) const {
  Check(last_verified_size <= size(), "last_verified_size beyond the log");
  v1::LogProof proof;
  proof.set_checkpoint(SignedCheckpoint());
  proof.set_epoch_entry(entries_.back());
  proof.set_epoch_inclusion_proof(InclusionProof(size() - 1, size()));
  if (last_verified_size > 0 && last_verified_size < size()) {
    proof.set_consistency_proof(ConsistencyProof(last_verified_size, size()));
  }
  return proof;
}

Hash FakeLog::Index(absl::string_view account) const {
  return VrfProofToHash(vrf_.Prove(account)).value();
}

const std::vector<FakeLog::Version>* FakeLog::Versions(absl::string_view account) const {
  auto it = accounts_.find(std::string(account));
  return it == accounts_.end() ? nullptr : &it->second;
}

uint64_t FakeLog::CurrentVersion(absl::string_view account) const {
  const std::vector<Version>* versions = Versions(account);
  return versions == nullptr ? 0 : versions->size();
}

Hash FakeLog::Head(absl::string_view account, uint64_t version) const {
  Check(version <= CurrentVersion(account), "Head: no such version");
  return version == 0 ? GenesisHead() : Versions(account)->at(version - 1).head;
}

void FakeLog::FillVersion(uint64_t version, const Version& v, v1::AccountVersion* out) const {
  out->set_version(version);
  out->set_epoch(v.epoch);
  out->set_key_set(v.key_set);
  out->set_opening(v.opening);
  out->set_log_index(v.log_index);
}

v1::LookupResponse FakeLog::Lookup(absl::string_view account,
                                   uint64_t last_verified_size) const {
  v1::LookupResponse r;
  *r.mutable_log() = Proof(last_verified_size);
  r.set_vrf_proof(vrf_.Prove(account));
  r.set_map_proof(map::EncodeMapProof(map_.Prove(Index(account))));
  const uint64_t current = CurrentVersion(account);
  if (current == 0) return r;
  const Version& v = Versions(account)->at(current - 1);
  FillVersion(current, v, r.mutable_current());
  r.set_previous_head(HashString(v.previous_head));
  return r;
}

v1::HistoryResponse FakeLog::History(absl::string_view account, uint64_t since_version,
                                     uint64_t last_verified_size) const {
  const uint64_t current = CurrentVersion(account);
  Check(since_version >= 1 && since_version <= current + 1, "History: bad since_version");
  v1::HistoryResponse r;
  *r.mutable_log() = Proof(last_verified_size);
  r.set_vrf_proof(vrf_.Prove(account));
  r.set_map_proof(map::EncodeMapProof(map_.Prove(Index(account))));
  // As the server: the head of since_version - 1, then every version since.
  r.set_previous_head(HashString(Head(account, since_version - 1)));
  for (uint64_t v = since_version; v <= current; ++v) {
    FillVersion(v, Versions(account)->at(v - 1), r.add_versions());
  }
  return r;
}

KeySet PlainKeySet(std::initializer_list<const char*> ids) {
  KeySet ks;
  for (const char* id : ids) ks.devices.push_back(Device{id, std::string("key of ") + id});
  SortDevices(&ks);
  return ks;
}

KeySet SignedKeySet(const Ed25519PrivateKey& key, const std::string& account,
                    uint64_t version, std::initializer_list<const char*> ids) {
  KeySet ks = PlainKeySet(ids);
  absl::Status signed_ok = SignKeySet(key, account, version, &ks);
  if (!signed_ok.ok()) std::abort();  // misuse: an empty key set, version 0
  return ks;
}

}  // namespace verifier
}  // namespace keytrail
