// FakeLog: an in-memory keytrail log built from the core pieces, answering
// Lookup, History and GetLogInfo the way log_server/log_queries.cc does
// (same fields, same encodings), so verifier tests can check honest answers
// and then break them one field at a time. TEST-ONLY.
//
// It does what log_server/epoch_builder.cc does per epoch: update entries,
// then the epoch entry, appended to an RFC 6962 tree (CompactRange); the map
// (MemoryMap) updated with each account's new head; a checkpoint signed by
// the log's Ed25519 note key, with the cosignatures of the monitors added by
// AddCosigner appended as extra signature lines (as a log that collects
// cosignatures serves them). Unlike the real log it validates nothing: a
// test may commit a key set the log server would refuse (e.g. a device
// without a valid signature) to show that the verifier catches it.
//
// Everything is kept, so proofs for any leaf and consistency between any two
// sizes can be made. Answers are always about the latest epoch.
//
// Thread-compatible: one thread at a time; const methods may run
// concurrently. Functions abort (via absl::StatusOr::value or an explicit
// check) on misuse; they never return errors.
#ifndef KEYTRAIL_TESTING_FAKE_LOG_H_
#define KEYTRAIL_TESTING_FAKE_LOG_H_

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/crypto/ecvrf.h"
#include "core/crypto/sha256.h"
#include "core/map/memory_map.h"
#include "core/merkle/compact_range.h"
#include "core/merkle/node_id.h"
#include "core/note/cosignature.h"
#include "core/note/note.h"
#include "core/protocol/key_set.h"
#include "proto/keytrail.pb.h"
#include "verifier/log_trust.h"

namespace keytrail {
namespace verifier {

// Key sets for tests: devices named `ids`, each with the key "key of <id>";
// SignedKeySet adds `key` as the account key and signs the key set as
// `version` of `account` (SignKeySet): commit it as exactly that version.
KeySet PlainKeySet(std::initializer_list<const char*> ids);
KeySet SignedKeySet(const Ed25519PrivateKey& key, const std::string& account,
                    uint64_t version, std::initializer_list<const char*> ids);

class FakeLog {
 public:
  static constexpr const char* kDefaultOrigin = "example.org/fake-log";
  // 2023-11-14T22:13:20Z, in milliseconds.
  static constexpr uint64_t kGenesisTimeMs = 1700000000000;

  // A log with fresh keys holding its genesis epoch 0 (no updates, the empty
  // map) at `genesis_ms`: size 1.
  explicit FakeLog(std::string origin = kDefaultOrigin, uint64_t genesis_ms = kGenesisTimeMs);
  // The same with the given keys, e.g. two logs that share keys and diverge
  // (a fork).
  FakeLog(note::Ed25519NoteSigner signer, VrfPrivateKey vrf, uint64_t genesis_ms);

  // ---- Writing ----

  // Queues an update of `account` for the next epoch (versions follow queue
  // order; one account may be updated several times in one epoch). The
  // encoding is committed as given.
  void Update(absl::string_view account, std::string key_set_encoding);
  // The same with EncodeKeySet(key_set). REQUIRES: it encodes.
  void Update(absl::string_view account, const KeySet& key_set);
  // Queues SignedKeySet(key, account, NextVersion(account), ids): a key set
  // the account key signed for exactly the version it will become.
  void UpdateSigned(absl::string_view account, const Ed25519PrivateKey& key,
                    std::initializer_list<const char*> ids);
  // The version the next queued update of `account` will become:
  // CurrentVersion plus its updates queued so far, plus one.
  uint64_t NextVersion(absl::string_view account) const;
  // Closes the next epoch at `timestamp_ms`: appends the queued update
  // entries, applies them to the map, appends the epoch entry. Returns the
  // new epoch's number.
  uint64_t CloseEpoch(uint64_t timestamp_ms);

  // A monitor that cosigns every checkpoint served from now on, at the
  // epoch's timestamp (in seconds).
  void AddCosigner(note::CosignatureSigner signer);

  // ---- What a client pins ----

  // origin, log key and VRF key; no monitors, no policy.
  LogTrust Trust() const;
  // What the log server's GetLogInfo returns.
  v1::GetLogInfoResponse LogInfo() const;

  // ---- Answers about the latest epoch, as log_server/log_queries.cc ----

  // REQUIRES: last_verified_size <= size().
  v1::LogProof Proof(uint64_t last_verified_size = 0) const;
  v1::LookupResponse Lookup(absl::string_view account,
                            uint64_t last_verified_size = 0) const;
  // REQUIRES: 1 <= since_version <= current version + 1.
  v1::HistoryResponse History(absl::string_view account, uint64_t since_version,
                              uint64_t last_verified_size = 0) const;

  // ---- Pieces, for building answers a real log would not give ----

  uint64_t size() const { return range_.size(); }
  uint64_t epoch() const { return epoch_entries_.size() - 1; }
  uint64_t timestamp_ms() const { return timestamp_ms_; }
  // The checkpoint of the tree of `size` leaves (its RFC 6962 root).
  TrustedCheckpoint CheckpointAt(uint64_t size) const;
  // The latest checkpoint.
  TrustedCheckpoint Checkpoint() const { return CheckpointAt(size()); }
  // Leaf index of `epoch`'s epoch entry. REQUIRES: epoch <= epoch().
  uint64_t EpochEntryIndex(uint64_t epoch) const { return epoch_entries_.at(epoch); }
  // Leaf `index`'s entry. REQUIRES: index < size().
  const std::string& Entry(uint64_t index) const { return entries_.at(index); }
  // Encoded (hash list) proofs. REQUIRES: index < size <= size();
  // 0 < size1 <= size2 <= size().
  std::string InclusionProof(uint64_t index, uint64_t size) const;
  std::string ConsistencyProof(uint64_t size1, uint64_t size2) const;
  // The latest checkpoint note: the log's signature, then the cosigners'.
  std::string SignedCheckpoint() const;
  // Any note text signed like SignedCheckpoint (text must end in "\n").
  std::string SignText(const std::string& text) const;
  const note::Ed25519NoteSigner& signer() const { return signer_; }
  const VrfPrivateKey& vrf() const { return vrf_; }
  // The account's VRF index.
  Hash Index(absl::string_view account) const;
  // The account's current version (0 if none) and head after `version`
  // (the genesis head for 0). REQUIRES: version <= CurrentVersion(account).
  uint64_t CurrentVersion(absl::string_view account) const;
  Hash Head(absl::string_view account, uint64_t version) const;

 private:
  struct Version {
    uint64_t epoch = 0;
    std::string key_set;
    std::string opening;
    uint64_t log_index = 0;
    Hash previous_head{};
    Hash head{};
  };
  struct Pending {
    std::string account;
    std::string key_set;
  };

  void Append(std::string entry);
  void FillVersion(uint64_t version, const Version& v, v1::AccountVersion* out) const;
  // The account's versions, or nullptr if it has none.
  const std::vector<Version>* Versions(absl::string_view account) const;

  note::Ed25519NoteSigner signer_;
  VrfPrivateKey vrf_;
  std::vector<note::CosignatureSigner> cosigners_;

  merkle::CompactRange range_;
  std::map<merkle::NodeId, Hash> nodes_;  // every complete subtree
  std::vector<std::string> entries_;
  std::vector<uint64_t> epoch_entries_;   // leaf index per epoch
  uint64_t timestamp_ms_ = 0;             // of the latest epoch

  map::MemoryMap map_;
  std::map<std::string, std::vector<Version>> accounts_;  // versions 1.. at [0..]
  std::vector<Pending> pending_;
};

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_TESTING_FAKE_LOG_H_
