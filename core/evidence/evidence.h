// Evidence of a log's misbehaviour that anyone can check without trusting
// whoever found it (docs/PROTOCOL.md, "Evidence", has the exact bytes).
//
// Two kinds:
//  - split view: two checkpoints signed by the log's key that cannot both
//    be heads of one append-only log (same size and different roots, or a
//    consistency proof showing that the larger tree's root at the smaller
//    size is not the smaller checkpoint's root);
//  - broken rule: a checkpoint signed by the log's key, the entries that
//    break one of the log's rules (each with its inclusion proof in that
//    checkpoint) and, for the version and map-root rules, the prior map
//    leaves of every index the epoch touches, proven against the previous
//    epoch entry's map root, so that the checker can replay the epoch.
//
// The monitor emits it; the verifier library will emit split views in the
// same format; `keytrail evidence verify` checks it.
//
// Pure functions on values: thread-safe.
#ifndef KEYTRAIL_CORE_EVIDENCE_EVIDENCE_H_
#define KEYTRAIL_CORE_EVIDENCE_EVIDENCE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/sha256.h"
#include "core/map/hasher.h"
#include "core/map/proof.h"

namespace keytrail::evidence {

constexpr uint8_t kEvidenceFormat = 1;

enum class EvidenceKind : uint8_t { kSplitView = 1, kBrokenRule = 2 };

// The rules a monitor checks (docs/PROTOCOL.md, "Evidence"). The numbers are
// part of the encoding.
enum class Rule : uint8_t {
  kEntryEncoding = 1,         // an entry does not decode canonically
  kCheckpointNotOnEpoch = 2,  // the checkpoint's last leaf is no epoch entry
  kEpochNotConsecutive = 3,   // an epoch's number is not the previous + 1
  kTimestampBackwards = 4,    // an epoch entry's timestamp is below an earlier one's
  kUpdateWrongEpoch = 5,      // an update entry names another epoch than the one built
  kUpdateWrongVersion = 6,    // an update's version is not the index's current + 1
  kEpochWrongCount = 7,       // an epoch entry's update_count is not its updates
  kMapRootMismatch = 8,       // an epoch entry's map root is not the replayed one
  kTimestampInFuture = 9,     // an epoch entry's timestamp was far ahead of the finder's clock
};
constexpr uint8_t kMaxRule = 9;

// The name of a rule as the monitor reports it, e.g. "map-root".
absl::string_view RuleName(Rule rule);

// How far ahead of the finder's clock an epoch timestamp may be.
constexpr uint64_t kFutureToleranceMs = 10 * 60 * 1000;

// Bounds of the encoding.
constexpr size_t kMaxNoteBytes = 16384;
constexpr size_t kMaxKeyBytes = 1024;
constexpr uint32_t kMaxEvidenceEntries = 1u << 20;
constexpr uint32_t kMaxMapWitnesses = 1u << 20;

// A log entry with its inclusion proof in the evidence's checkpoint. The
// entry bytes are kept as the log served them (they may not decode).
struct ProvenEntry {
  uint64_t index = 0;
  std::string entry;                  // 1..65535 bytes
  std::vector<Hash> inclusion_proof;  // at most 64 hashes
};

// An index's leaf before an epoch (version 0 and a zero head: no leaf),
// proven against the previous epoch entry's map root.
struct MapWitness {
  map::MapLeaf prior;
  map::MapProof proof;
};

struct Evidence {
  EvidenceKind kind = EvidenceKind::kSplitView;
  // The log's note verifier key (C2SP vkey); its name is the origin.
  std::string log_key;

  // kSplitView: checkpoint_a's size <= checkpoint_b's. When the sizes differ,
  // root_a_in_b is checkpoint_b's tree's root at checkpoint_a's size and
  // consistency_proof (1..65 hashes) proves it; both are empty/zero for
  // equal sizes.
  std::string checkpoint_a;
  std::string checkpoint_b;
  Hash root_a_in_b{};
  std::vector<Hash> consistency_proof;

  // kBrokenRule.
  Rule rule = Rule::kEntryEncoding;
  std::string checkpoint;
  std::vector<ProvenEntry> entries;   // strictly increasing indexes
  std::vector<MapWitness> witnesses;  // rules 6 and 8 only; by index
  uint64_t observed_ms = 0;           // rule 9 only: the finder's clock
};

// The canonical encoding. REQUIRES: fields within the bounds above (the
// monitor builds evidence from verified values; aborts otherwise).
std::string EncodeEvidence(const Evidence& evidence);

// Decodes the canonical encoding. InvalidArgument naming the problem for
// truncation, trailing bytes, unknown format, kind or rule, a length out of
// bounds, witnesses for a rule that takes none, or a non-canonical map
// proof. Does not check signatures or proofs: see VerifyEvidence.
absl::StatusOr<Evidence> DecodeEvidence(absl::string_view bytes);

// What verified evidence proves.
struct Finding {
  std::string origin;
  std::string log_key;
  std::string summary;  // one line, e.g. "split view: sizes 5 and 5, ..."
};

// Checks evidence with nothing but its own bytes: the notes' signatures
// under log_key, every inclusion and consistency proof, and the rule.
// Returns what it proves. InvalidArgument when it proves nothing (a bad
// signature or proof, a rule the entries do not break, entries that are not
// the shape the rule needs). Trusting the finding still requires trusting
// that log_key is the log's key; rule 9 also rests on the finder's clock.
absl::StatusOr<Finding> VerifyEvidence(const Evidence& evidence);

}  // namespace keytrail::evidence

#endif  // KEYTRAIL_CORE_EVIDENCE_EVIDENCE_H_
