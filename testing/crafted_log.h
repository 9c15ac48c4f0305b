// TEST ONLY. CraftedLog: a log whose entries a test writes byte by byte
// (including ones an honest log never writes), with the log's signing key,
// checkpoints at any size, inclusion and consistency proofs, and helpers
// that append honest epochs (update entries plus an epoch entry whose map
// root is right). For the evidence and monitor tests. Not thread-safe.
#ifndef KEYTRAIL_TESTING_CRAFTED_LOG_H_
#define KEYTRAIL_TESTING_CRAFTED_LOG_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/crypto/sha256.h"
#include "core/map/memory_map.h"
#include "core/merkle/compact_range.h"
#include "core/merkle/node_id.h"
#include "core/note/note.h"
#include "core/protocol/entry.h"

namespace keytrail::test {

class CraftedLog {
 public:
  explicit CraftedLog(std::string origin = "example.org/crafted");
  // An empty log signed with `signer` (e.g. another history of one log).
  explicit CraftedLog(note::Ed25519NoteSigner signer) : signer_(std::move(signer)) {}

  // Appends raw entry bytes.
  void Append(std::string entry);
  // Appends an honest epoch: one update per index in `indexes` (a new
  // version with a commitment derived from the index), then the epoch entry
  // at `timestamp_ms`. Returns the epoch number.
  uint64_t HonestEpoch(const std::vector<Hash>& indexes, uint64_t timestamp_ms);
  // The next honest update entry for `index` (not appended), and recording
  // it in the map when `apply` is set.
  UpdateEntry NextUpdate(const Hash& index);
  // The honest epoch entry closing `count` updates (map root from the map).
  EpochEntry NextEpochEntry(uint64_t count, uint64_t timestamp_ms) const;
  // Records the update in the model map (what the log would hold).
  void ApplyToMap(const UpdateEntry& u);
  void FinishEpoch() { ++epoch_; }

  uint64_t size() const { return range_.size(); }
  uint64_t epoch() const { return epoch_; }
  const std::string& entry(uint64_t i) const { return entries_.at(i); }
  Hash RootAt(uint64_t size) const;
  std::string SignedCheckpoint(uint64_t size) const;  // the note
  std::string SignedCheckpoint() const { return SignedCheckpoint(size()); }
  std::vector<Hash> InclusionProof(uint64_t index, uint64_t size) const;
  std::vector<Hash> ConsistencyProof(uint64_t size1, uint64_t size2) const;
  std::string VerifierKey() const { return signer_.VerifierKey(); }
  const note::Ed25519NoteSigner& signer() const { return signer_; }
  const map::MemoryMap& map() const { return map_; }

 private:
  note::Ed25519NoteSigner signer_;
  merkle::CompactRange range_;
  std::map<merkle::NodeId, Hash> nodes_;
  std::vector<std::string> entries_;
  map::MemoryMap map_;
  uint64_t epoch_ = 0;  // the epoch being built
};

// An index that is SHA-256 of "account <i>".
Hash TestIndex(int i);

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_CRAFTED_LOG_H_
