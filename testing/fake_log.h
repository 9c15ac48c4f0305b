// FakeLog: an in-memory keytrail log built from the core pieces, answering
// Lookup, History and GetLogInfo the way log_server/log_queries.cc does
// (same fields, same encodings), so that verifier and monitor tests can check
// honest answers, then break them on purpose. TEST-ONLY. It stands on core/
// and proto/ only, so the tests of every role may use it.
//
// Honest use: Update() queues account updates, CloseEpoch() appends them and
// the epoch entry, as log_server/epoch_builder.cc does per epoch: update
// entries, then the epoch entry, appended to an RFC 6962 tree (CompactRange);
// the map (MemoryMap) updated with each account's new head; a checkpoint
// signed by the log's Ed25519 note key, with the cosignatures of the monitors
// added by AddCosigner appended as extra signature lines. Unlike the real log
// it validates nothing: a test may commit a key set the log server would
// refuse (e.g. a device without a valid signature).
//
// Misbehaviour, each on purpose and each shown by testing/fake_log_test.cc:
//   fork        FakeLog is copyable: copy it (or Fork()), then let each copy
//               go on differently. Both keep the keys and the common prefix;
//               their checkpoints past the fork are validly signed and
//               inconsistent.
//   roll back   ServeAt(size) makes every answer (Lookup, History, Proof,
//               SignedCheckpoint, Checkpoint) about the tree of `size` leaves
//               and the map of the last epoch closed within it;
//               ServeLatest() undoes it.
//   versions    Update(..., UpdateOptions{version}) writes the given version
//               (skip: current + 2; repeat: current) into the update entry,
//               the commitment, the chain head and the map leaf;
//               UpdateOptions{.., epoch} writes that epoch number into the
//               update entry (and the chain head) instead of the real one.
//   epochs      CloseEpoch(t, EpochOptions{...}) may state a wrong map root,
//               a wrong update_count or an epoch number that does not follow
//               the previous one; a timestamp `t` older than the previous
//               epoch's is taken as given (time going back).
//   entries     AppendRawEntry() appends any bytes as a leaf at once (a
//               non-canonical encoding, garbage, an entry outside an epoch).
//               A log whose last leaf is such an entry serves checkpoints that
//               do not end on an epoch entry.
//   signing     SignedCheckpointAt(size) signs the checkpoint of any size;
//               SignCheckpoint(body) signs any checkpoint body (e.g. a forged
//               root); SignText() signs any note text.
//
// Everything is kept, so proofs for any leaf and consistency between any two
// sizes can be made.
//
// Thread-compatible: one thread at a time; const methods may run
// concurrently (testing/fake_log_server.h adds a mutex). Functions abort (via
// absl::StatusOr::value or an explicit check) on misuse; they never return
// errors.
#ifndef KEYTRAIL_TESTING_FAKE_LOG_H_
#define KEYTRAIL_TESTING_FAKE_LOG_H_

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/crypto/ecvrf.h"
#include "core/crypto/ed25519.h"
#include "core/crypto/sha256.h"
#include "core/map/memory_map.h"
#include "core/merkle/compact_range.h"
#include "core/merkle/node_id.h"
#include "core/note/checkpoint.h"
#include "core/note/cosignature.h"
#include "core/note/ed25519_note.h"
#include "core/note/note.h"
#include "core/protocol/key_set.h"
#include "proto/keytrail.pb.h"

namespace keytrail {
namespace fakes {

// Key sets for tests: devices named `ids`, each with the key "key of <id>";
// SignedKeySet adds `key` as the account key and signs the key set as
// `version` of `account` (SignKeySet): commit it as exactly that version.
KeySet PlainKeySet(std::initializer_list<const char*> ids);
KeySet SignedKeySet(const Ed25519PrivateKey& key, const std::string& account, uint64_t version,
                    std::initializer_list<const char*> ids);

// What an update entry states, when a test wants it to lie. Unset fields
// take the honest value.
struct UpdateOptions {
  // The version written (honest: the account's current version + 1).
  std::optional<uint64_t> version;
  // The epoch number written (honest: the epoch being closed).
  std::optional<uint64_t> epoch;
};

// What an epoch entry states, when a test wants it to lie. Unset fields take
// the honest value.
struct EpochOptions {
  // The map root written (honest: the map's root after the epoch's updates).
  std::optional<Hash> map_root;
  // The update count written (honest: the number of updates appended).
  std::optional<uint64_t> update_count;
  // The epoch number written (honest: the previous one + 1). The epoch's
  // update entries state it too unless their UpdateOptions say otherwise.
  std::optional<uint64_t> epoch;
};

class FakeLog {
 public:
  static constexpr const char* kDefaultOrigin = "example.org/fake-log";
  // 2023-11-14T22:13:20Z, in milliseconds.
  static constexpr uint64_t kGenesisTimeMs = 1700000000000;

  // A log with fresh keys holding its genesis epoch 0 (no updates, the empty
  // map) at `genesis_ms`: size 1.
  explicit FakeLog(std::string origin = kDefaultOrigin, uint64_t genesis_ms = kGenesisTimeMs);
  // The same with the given keys, e.g. two logs that share keys but not
  // even their genesis entry.
  FakeLog(note::Ed25519NoteSigner signer, VrfPrivateKey vrf, uint64_t genesis_ms);

  // A copy: same keys, cosigners, entries, map and serving size. Writes to
  // one no longer reach the other (a fork once they differ).
  FakeLog(const FakeLog&) = default;
  FakeLog& operator=(const FakeLog&) = default;
  FakeLog Fork() const { return *this; }

  // ---- Writing ----

  // Queues an update of `account` for the next epoch (versions follow queue
  // order; one account may be updated several times in one epoch). The
  // encoding is committed as given. `options` may force what the entry says.
  void Update(absl::string_view account, std::string key_set_encoding,
              const UpdateOptions& options = {});
  // The same with EncodeKeySet(key_set). REQUIRES: it encodes.
  void Update(absl::string_view account, const KeySet& key_set, const UpdateOptions& options = {});
  // Queues SignedKeySet(key, account, NextVersion(account), ids): a key set
  // the account key signed for exactly the version it will become.
  void UpdateSigned(absl::string_view account, const Ed25519PrivateKey& key,
                    std::initializer_list<const char*> ids);
  // The version the next queued update of `account` will become:
  // CurrentVersion plus its updates queued so far, plus one.
  uint64_t NextVersion(absl::string_view account) const;
  // Closes the next epoch at `timestamp_ms`: appends the queued update
  // entries, applies them to the map, appends the epoch entry. Returns the
  // epoch number written in the epoch entry (options.epoch if set).
  uint64_t CloseEpoch(uint64_t timestamp_ms, const EpochOptions& options = {});
  // Appends `bytes` as the next leaf, at once, whatever they are. They are
  // not an update of any account and change nothing in the map.
  void AppendRawEntry(std::string bytes);

  // A monitor that cosigns every checkpoint signed from now on, at the
  // timestamp (in seconds) of the last epoch closed within it.
  void AddCosigner(note::CosignatureSigner signer);

  // ---- Which tree answers are about ----

  // Answers from now on are about the tree of `size` leaves and the map of
  // the last epoch whose epoch entry lies within it (a rollback, when `size`
  // is below size()). REQUIRES: 1 <= size <= size().
  void ServeAt(uint64_t size);
  // Answers follow the latest size again (the default).
  void ServeLatest() { serve_at_.reset(); }
  // The size answers are about.
  uint64_t served_size() const { return serve_at_ ? *serve_at_ : size(); }

  // ---- What a client pins ----

  // What the log server's GetLogInfo returns (origin, note verifier key,
  // VRF key, commitment key, protocol version 1, core's limits; no epoch
  // interval).
  v1::GetLogInfoResponse LogInfo() const;

  // ---- Answers about the served tree, as log_server/log_queries.cc ----

  // REQUIRES: last_verified_size <= served_size().
  v1::LogProof Proof(uint64_t last_verified_size = 0) const;
  // REQUIRES: as Proof.
  v1::LookupResponse Lookup(absl::string_view account, uint64_t last_verified_size = 0) const;
  // Versions are listed in the order they were written, from the first one
  // >= since_version; previous_head is the head before it.
  // REQUIRES: as Proof; 1 <= since_version <= CurrentVersion(account) + 1.
  v1::HistoryResponse History(absl::string_view account, uint64_t since_version,
                              uint64_t last_verified_size = 0) const;

  // ---- Pieces, for building answers a real log would not give ----

  uint64_t size() const { return range_.size(); }
  // The number of epochs closed after genesis (the count, whatever numbers
  // the epoch entries state).
  uint64_t epoch() const { return epochs_.size() - 1; }
  // The latest epoch's timestamp.
  uint64_t timestamp_ms() const { return epochs_.back().timestamp_ms; }
  // The checkpoint body of the tree of `size` leaves: origin, size and its
  // RFC 6962 root. REQUIRES: size <= size().
  note::Checkpoint CheckpointAt(uint64_t size) const;
  // The checkpoint body of the served tree.
  note::Checkpoint Checkpoint() const { return CheckpointAt(served_size()); }
  // Leaf index of the epoch entry of the `epoch`th epoch (0 = genesis).
  // REQUIRES: epoch <= epoch().
  uint64_t EpochEntryIndex(uint64_t epoch) const { return epochs_.at(epoch).entry_index; }
  // Leaf `index`'s entry. REQUIRES: index < size().
  const std::string& Entry(uint64_t index) const { return entries_.at(index); }
  // Encoded (hash list) proofs. REQUIRES: index < size <= size();
  // 0 < size1 <= size2 <= size().
  std::string InclusionProof(uint64_t index, uint64_t size) const;
  std::string ConsistencyProof(uint64_t size1, uint64_t size2) const;
  // The served checkpoint note: the log's signature, then the cosigners'.
  std::string SignedCheckpoint() const { return SignedCheckpointAt(served_size()); }
  // The checkpoint note of the tree of `size` leaves. REQUIRES: size <= size().
  std::string SignedCheckpointAt(uint64_t size) const;
  // Any checkpoint body, e.g. with a forged root, signed like the others.
  std::string SignCheckpoint(const note::Checkpoint& body) const;
  // Any note text (ending in "\n") signed like the checkpoints; cosigners
  // sign at the served epoch's timestamp.
  std::string SignText(const std::string& text) const;
  const note::Ed25519NoteSigner& signer() const { return signer_; }
  const VrfPrivateKey& vrf() const { return vrf_; }
  // The account's VRF index.
  Hash Index(absl::string_view account) const;
  // In the served tree: the version of the account's last update (0 if
  // none), and the head after the last update stating `version` (the
  // genesis head for 0). REQUIRES: version 0 or one the account has.
  uint64_t CurrentVersion(absl::string_view account) const;
  Hash Head(absl::string_view account, uint64_t version) const;
  // The map of the served tree (of the last epoch closed within it).
  const map::MemoryMap& Map() const;

 private:
  struct Version {
    uint64_t version = 0;
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
    UpdateOptions options;
  };
  struct Epoch {
    uint64_t entry_index = 0;
    uint64_t timestamp_ms = 0;
    std::shared_ptr<const map::MemoryMap> map;  // after the epoch; immutable
  };

  void Append(std::string entry);
  // `text` signed by the log and cosigned at `timestamp_ms`.
  std::string SignTextAt(const std::string& text, uint64_t timestamp_ms) const;
  // The last epoch whose epoch entry lies within the first `size` leaves.
  const Epoch& EpochWithin(uint64_t size) const;
  void FillVersion(const Version& v, v1::AccountVersion* out) const;
  // The account's versions in the served tree, in write order.
  std::vector<const Version*> Visible(absl::string_view account) const;

  note::Ed25519NoteSigner signer_;
  VrfPrivateKey vrf_;
  std::vector<note::CosignatureSigner> cosigners_;

  merkle::CompactRange range_;
  std::map<merkle::NodeId, Hash> nodes_;  // every complete subtree
  std::vector<std::string> entries_;
  std::vector<Epoch> epochs_;  // [0] is genesis
  std::optional<uint64_t> serve_at_;

  map::MemoryMap map_;  // the latest, including epochs' updates so far
  std::map<std::string, std::vector<Version>> accounts_;  // in write order
  std::vector<Pending> pending_;
};

}  // namespace fakes
}  // namespace keytrail

#endif  // KEYTRAIL_TESTING_FAKE_LOG_H_
