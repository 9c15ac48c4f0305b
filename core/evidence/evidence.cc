#include "core/evidence/evidence.h"

#include <cstdlib>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "core/bytes/encoding.h"
#include "core/bytes/reader.h"
#include "core/evidence/partial_map.h"
#include "core/merkle/verify.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "core/protocol/chain.h"
#include "core/protocol/entry.h"

namespace keytrail::evidence {
namespace {

constexpr absl::string_view kWhat = "evidence";
constexpr size_t kMaxInclusionHashes = 64;
constexpr size_t kMaxConsistencyHashes = 65;

absl::Status Bad(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(kWhat, ": ", why));
}

bool TakesWitnesses(Rule rule) {
  return rule == Rule::kUpdateWrongVersion || rule == Rule::kMapRootMismatch;
}

void WriteHashes(ByteWriter& w, const std::vector<Hash>& hashes) {
  w.U8(static_cast<uint8_t>(hashes.size()));
  for (const Hash& h : hashes) w.Array(h);
}

bool ReadHashes(ByteReader& r, size_t max, std::vector<Hash>* out, absl::Status* error,
                absl::string_view field) {
  uint8_t n;
  if (!r.ReadU8(&n)) {
    *error = TruncatedError(kWhat, field);
    return false;
  }
  if (n > max) {
    *error = Bad(absl::StrCat(field, ": ", n, " hashes, at most ", max));
    return false;
  }
  out->resize(n);
  for (Hash& h : *out) {
    if (!r.ReadArray(&h)) {
      *error = TruncatedError(kWhat, field);
      return false;
    }
  }
  return true;
}

bool ReadBounded16(ByteReader& r, size_t max, std::string* out, absl::Status* error,
                   absl::string_view field) {
  absl::string_view v;
  if (!r.ReadU16Prefixed(&v)) {
    *error = TruncatedError(kWhat, field);
    return false;
  }
  if (v.empty() || v.size() > max) {
    *error = Bad(absl::StrCat(field, ": ", v.size(), " bytes, want 1..", max));
    return false;
  }
  *out = std::string(v);
  return true;
}

// A checkpoint note opened under the log's key.
absl::StatusOr<note::Checkpoint> OpenCheckpoint(const note::Ed25519NoteVerifier& key,
                                                absl::string_view signed_note,
                                                absl::string_view which) {
  const note::NoteVerifier* verifiers[] = {&key};
  auto opened = note::OpenNote(signed_note, verifiers);
  if (!opened.ok()) {
    return Bad(absl::StrCat(which, ": not signed by the log key: ", opened.status().message()));
  }
  auto checkpoint = note::ParseCheckpoint(opened->text);
  if (!checkpoint.ok()) return Bad(absl::StrCat(which, ": ", checkpoint.status().message()));
  if (checkpoint->origin != key.name()) {
    return Bad(absl::StrCat(which, ": origin \"", checkpoint->origin,
                            "\" is not the log key's name \"", key.name(), "\""));
  }
  return *checkpoint;
}

absl::StatusOr<std::string> VerifySplitView(const Evidence& e,
                                            const note::Ed25519NoteVerifier& key) {
  auto a = OpenCheckpoint(key, e.checkpoint_a, "checkpoint a");
  if (!a.ok()) return a.status();
  auto b = OpenCheckpoint(key, e.checkpoint_b, "checkpoint b");
  if (!b.ok()) return b.status();
  if (a->size > b->size) return Bad("checkpoint a is larger than checkpoint b");
  if (a->size == b->size) {
    if (!e.consistency_proof.empty()) return Bad("a proof between equal sizes");
    if (a->root == b->root) return Bad("the two checkpoints agree: no split view");
    return absl::StrCat("split view: two checkpoints of size ", a->size, " with different roots ",
                        HexEncode(HashView(a->root)), " and ", HexEncode(HashView(b->root)));
  }
  absl::Status s =
      merkle::VerifyConsistency(a->size, b->size, e.consistency_proof, e.root_a_in_b, b->root);
  if (!s.ok()) return Bad(s.message());
  if (e.root_a_in_b == a->root) return Bad("the two checkpoints are consistent: no split view");
  return absl::StrCat("split view: the tree of size ", b->size, " has root ",
                      HexEncode(HashView(e.root_a_in_b)), " at size ", a->size,
                      ", but the log also signed root ", HexEncode(HashView(a->root)), " for size ",
                      a->size);
}

// Checks the rules that need a whole epoch: entries are [previous epoch
// entry,] update entries, epoch entry, contiguous.
absl::StatusOr<std::string> VerifySegment(const Evidence& e, const note::Checkpoint& cp) {
  const auto& entries = e.entries;
  std::optional<EpochEntry> previous;
  size_t first_update = 0;
  if (entries.size() >= 2) {
    auto prev = DecodeEpochEntry(entries[0].entry);
    if (prev.ok()) {
      previous = *prev;
      first_update = 1;
    }
  }
  if (!previous.has_value() && entries[0].index != 0) {
    return Bad("an epoch's entries must start with the previous epoch entry or at leaf 0");
  }
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].index != entries[i - 1].index + 1) return Bad("entries are not contiguous");
  }
  auto closing = DecodeEpochEntry(entries.back().entry);
  if (!closing.ok()) return Bad(absl::StrCat("last entry: ", closing.status().message()));
  std::vector<UpdateEntry> updates;
  for (size_t i = first_update; i + 1 < entries.size(); ++i) {
    auto u = DecodeUpdateEntry(entries[i].entry);
    if (!u.ok()) return Bad(absl::StrCat("entry ", entries[i].index, ": ", u.status().message()));
    updates.push_back(*u);
  }
  const uint64_t built = previous.has_value() ? previous->epoch + 1 : 0;
  const uint64_t at = entries.back().index;
  switch (e.rule) {
    case Rule::kEpochNotConsecutive:
      if (closing->epoch == built) return Bad("the epoch number is the expected one");
      return absl::StrCat("epochs not consecutive: epoch entry at leaf ", at, " says epoch ",
                          closing->epoch, ", want ", built);
    case Rule::kEpochWrongCount:
      if (closing->update_count == updates.size()) return Bad("the update count is right");
      return absl::StrCat("wrong update count: epoch ", closing->epoch, " (leaf ", at, ") claims ",
                          closing->update_count, " updates, it closes ", updates.size());
    case Rule::kUpdateWrongEpoch:
      for (size_t i = 0; i < updates.size(); ++i) {
        if (updates[i].epoch != built) {
          return absl::StrCat("update entry at leaf ", entries[first_update + i].index,
                              " names epoch ", updates[i].epoch, " inside epoch ", built);
        }
      }
      return Bad("every update names the epoch being built");
    case Rule::kUpdateWrongVersion:
    case Rule::kMapRootMismatch:
      break;
    default:
      return Bad("not an epoch rule");
  }
  // Replay the epoch on the part of the map the witnesses reveal.
  const Hash prior_root = previous.has_value() ? previous->map_root : map::EmptyMapHash();
  PartialMap partial(prior_root);
  std::map<Hash, map::MapLeaf> current;
  for (const MapWitness& w : e.witnesses) {
    std::optional<map::MapLeaf> leaf;
    if (w.prior.version > 0) leaf = w.prior;
    auto shown = partial.AddProof(w.prior.index, leaf, w.proof);
    if (!shown.ok()) {
      return Bad(absl::StrCat("map witness for ", HexEncode(HashView(w.prior.index)), ": ",
                              shown.status().message()));
    }
    current[w.prior.index] = leaf.value_or(map::MapLeaf{w.prior.index, 0, GenesisHead()});
  }
  std::map<Hash, bool> touched;
  for (size_t i = 0; i < updates.size(); ++i) {
    const UpdateEntry& u = updates[i];
    touched[u.index] = true;
    auto it = current.find(u.index);
    if (it == current.end()) return Bad("an updated index has no map witness");
    map::MapLeaf& leaf = it->second;
    if (u.version != leaf.version + 1) {
      if (e.rule != Rule::kUpdateWrongVersion) return Bad("a version is wrong: that is rule 6");
      return absl::StrCat("wrong version: update entry at leaf ", entries[first_update + i].index,
                          " has version ", u.version, " for an index at version ", leaf.version);
    }
    leaf.version = u.version;
    leaf.head = ChainHead(leaf.head, u.version, u.epoch, u.commitment);
  }
  if (e.rule == Rule::kUpdateWrongVersion) return Bad("every version is its index's next");
  if (current.size() != e.witnesses.size()) return Bad("two witnesses for one index");
  if (touched.size() != current.size()) {
    return Bad("a map witness for an index the epoch does not touch");
  }
  for (const auto& [index, leaf] : current) {
    absl::Status s = partial.Set(leaf);
    if (!s.ok()) return Bad(s.message());
  }
  const Hash root = partial.Root();
  if (root == closing->map_root) return Bad("the map root is the replayed one");
  (void)cp;
  return absl::StrCat("wrong map root: epoch ", closing->epoch, " (leaf ", at, ") claims ",
                      HexEncode(HashView(closing->map_root)), ", its updates give ",
                      HexEncode(HashView(root)));
}

absl::StatusOr<std::string> VerifyBrokenRule(const Evidence& e,
                                             const note::Ed25519NoteVerifier& key) {
  auto cp = OpenCheckpoint(key, e.checkpoint, "checkpoint");
  if (!cp.ok()) return cp.status();
  if (e.entries.empty()) return Bad("no entries");
  for (size_t i = 0; i < e.entries.size(); ++i) {
    const ProvenEntry& p = e.entries[i];
    if (i > 0 && p.index <= e.entries[i - 1].index) return Bad("entry indexes not increasing");
    absl::Status s = merkle::VerifyInclusion(p.index, cp->size, EntryLeafHash(p.entry),
                                             p.inclusion_proof, cp->root);
    if (!s.ok()) return Bad(absl::StrCat("entry ", p.index, ": ", s.message()));
  }
  const ProvenEntry& first = e.entries.front();
  switch (e.rule) {
    case Rule::kEntryEncoding: {
      if (e.entries.size() != 1) return Bad("rule 1 takes one entry");
      auto decoded = DecodeEntry(first.entry);
      if (decoded.ok()) return Bad("the entry decodes");
      return absl::StrCat("entry at leaf ", first.index,
                          " does not decode: ", decoded.status().message());
    }
    case Rule::kCheckpointNotOnEpoch: {
      if (e.entries.size() != 1 || first.index + 1 != cp->size) {
        return Bad("rule 2 takes the checkpoint's last entry alone");
      }
      auto decoded = DecodeEpochEntry(first.entry);
      if (decoded.ok()) return Bad("the last entry is an epoch entry");
      return absl::StrCat("checkpoint of size ", cp->size,
                          " does not end on an epoch entry: ", decoded.status().message());
    }
    case Rule::kTimestampBackwards: {
      if (e.entries.size() != 2) return Bad("rule 4 takes two epoch entries");
      auto a = DecodeEpochEntry(first.entry);
      auto b = DecodeEpochEntry(e.entries[1].entry);
      if (!a.ok() || !b.ok()) return Bad("rule 4 takes two epoch entries");
      if (b->timestamp_ms >= a->timestamp_ms) return Bad("the timestamps do not go back");
      return absl::StrCat("timestamp went back: epoch entry at leaf ", e.entries[1].index, " has ",
                          b->timestamp_ms, " ms, after ", a->timestamp_ms, " ms at leaf ",
                          first.index);
    }
    case Rule::kTimestampInFuture: {
      if (e.entries.size() != 1) return Bad("rule 9 takes one epoch entry");
      auto a = DecodeEpochEntry(first.entry);
      if (!a.ok()) return Bad("rule 9 takes one epoch entry");
      if (a->timestamp_ms <= e.observed_ms + kFutureToleranceMs) {
        return Bad("the timestamp is within tolerance of the observation time");
      }
      return absl::StrCat("timestamp in the future: epoch entry at leaf ", first.index, " has ",
                          a->timestamp_ms, " ms; the finder saw it at ", e.observed_ms,
                          " ms (that time is the finder's word)");
    }
    default:
      break;
  }
  return VerifySegment(e, *cp);
}

}  // namespace

absl::string_view RuleName(Rule rule) {
  switch (rule) {
    case Rule::kEntryEncoding:
      return "entry-encoding";
    case Rule::kCheckpointNotOnEpoch:
      return "checkpoint-not-on-epoch";
    case Rule::kEpochNotConsecutive:
      return "epoch-not-consecutive";
    case Rule::kTimestampBackwards:
      return "timestamp-backwards";
    case Rule::kUpdateWrongEpoch:
      return "update-wrong-epoch";
    case Rule::kUpdateWrongVersion:
      return "update-wrong-version";
    case Rule::kEpochWrongCount:
      return "epoch-wrong-count";
    case Rule::kMapRootMismatch:
      return "map-root-mismatch";
    case Rule::kTimestampInFuture:
      return "timestamp-in-future";
  }
  return "unknown-rule";
}

std::string EncodeEvidence(const Evidence& e) {
  std::string out;
  ByteWriter w(&out);
  w.U8(kEvidenceFormat);
  w.U8(static_cast<uint8_t>(e.kind));
  w.U16Prefixed(e.log_key);
  if (e.kind == EvidenceKind::kSplitView) {
    w.U16Prefixed(e.checkpoint_a);
    w.U16Prefixed(e.checkpoint_b);
    // PROTOCOL.md: u8 n, [32] root_a_in_b (only if n > 0), [32*n] proof.
    w.U8(static_cast<uint8_t>(e.consistency_proof.size()));
    if (!e.consistency_proof.empty()) w.Array(e.root_a_in_b);
    for (const Hash& h : e.consistency_proof) w.Array(h);
    return out;
  }
  w.U8(static_cast<uint8_t>(e.rule));
  w.U16Prefixed(e.checkpoint);
  w.U32(static_cast<uint32_t>(e.entries.size()));
  for (const ProvenEntry& p : e.entries) {
    w.U64(p.index);
    w.U16Prefixed(p.entry);
    WriteHashes(w, p.inclusion_proof);
  }
  w.U32(static_cast<uint32_t>(e.witnesses.size()));
  for (const MapWitness& m : e.witnesses) {
    w.Bytes(map::EncodeMapLeaf(m.prior));
    w.U16Prefixed(map::EncodeMapProof(m.proof));
  }
  if (e.rule == Rule::kTimestampInFuture) w.U64(e.observed_ms);
  return out;
}

absl::StatusOr<Evidence> DecodeEvidence(absl::string_view bytes) {
  ByteReader r(bytes);
  Evidence e;
  absl::Status error;
  uint8_t format, kind;
  if (!r.ReadU8(&format)) return TruncatedError(kWhat, "format");
  if (format != kEvidenceFormat) return Bad(absl::StrCat("unknown format ", format));
  if (!r.ReadU8(&kind)) return TruncatedError(kWhat, "kind");
  if (kind != 1 && kind != 2) return Bad(absl::StrCat("unknown kind ", kind));
  e.kind = static_cast<EvidenceKind>(kind);
  if (!ReadBounded16(r, kMaxKeyBytes, &e.log_key, &error, "log key")) return error;
  if (e.kind == EvidenceKind::kSplitView) {
    if (!ReadBounded16(r, kMaxNoteBytes, &e.checkpoint_a, &error, "checkpoint a")) return error;
    if (!ReadBounded16(r, kMaxNoteBytes, &e.checkpoint_b, &error, "checkpoint b")) return error;
    // PROTOCOL.md: u8 n, [32] root_a_in_b (only if n > 0), [32*n] proof.
    uint8_t n;
    if (!r.ReadU8(&n)) return TruncatedError(kWhat, "consistency proof");
    if (n > kMaxConsistencyHashes) {
      return Bad(
          absl::StrCat("consistency proof: ", n, " hashes, at most ", kMaxConsistencyHashes));
    }
    if (n > 0 && !r.ReadArray(&e.root_a_in_b)) return TruncatedError(kWhat, "root a in b");
    e.consistency_proof.resize(n);
    for (Hash& h : e.consistency_proof) {
      if (!r.ReadArray(&h)) return TruncatedError(kWhat, "consistency proof");
    }
    absl::Status s = r.Finish(kWhat);
    if (!s.ok()) return s;
    return e;
  }
  uint8_t rule;
  if (!r.ReadU8(&rule)) return TruncatedError(kWhat, "rule");
  if (rule < 1 || rule > kMaxRule) return Bad(absl::StrCat("unknown rule ", rule));
  e.rule = static_cast<Rule>(rule);
  if (!ReadBounded16(r, kMaxNoteBytes, &e.checkpoint, &error, "checkpoint")) return error;
  uint32_t count;
  if (!r.ReadU32(&count)) return TruncatedError(kWhat, "entry count");
  if (count < 1 || count > kMaxEvidenceEntries) {
    return Bad(absl::StrCat("entry count ", count, ", want 1..", kMaxEvidenceEntries));
  }
  // Each entry takes at least 12 bytes: refuse counts the input cannot hold
  // before reserving anything.
  if (count > r.remaining() / 12) return TruncatedError(kWhat, "entries");
  e.entries.resize(count);
  for (ProvenEntry& p : e.entries) {
    absl::string_view entry;
    if (!r.ReadU64(&p.index)) return TruncatedError(kWhat, "entry index");
    if (!r.ReadU16Prefixed(&entry)) return TruncatedError(kWhat, "entry");
    if (entry.empty()) return Bad("empty entry");
    p.entry = std::string(entry);
    if (!ReadHashes(r, kMaxInclusionHashes, &p.inclusion_proof, &error, "inclusion proof")) {
      return error;
    }
  }
  if (!r.ReadU32(&count)) return TruncatedError(kWhat, "witness count");
  if (count > kMaxMapWitnesses) return Bad(absl::StrCat("witness count ", count));
  if (count > 0 && !TakesWitnesses(e.rule)) {
    return Bad(absl::StrCat("rule ", rule, " takes no map witnesses"));
  }
  if (count > r.remaining() / (map::kMapLeafSize + 2)) return TruncatedError(kWhat, "witnesses");
  e.witnesses.resize(count);
  for (size_t i = 0; i < e.witnesses.size(); ++i) {
    MapWitness& m = e.witnesses[i];
    absl::string_view leaf, proof;
    if (!r.ReadBytes(map::kMapLeafSize, &leaf)) return TruncatedError(kWhat, "witness leaf");
    auto decoded_leaf = map::DecodeMapLeaf(leaf);
    if (!decoded_leaf.ok()) return Bad(decoded_leaf.status().message());
    m.prior = *decoded_leaf;
    if (m.prior.version == 0 && m.prior.head != Hash{}) {
      return Bad("a witness of an absent leaf must have a zero head");
    }
    if (i > 0 && !(e.witnesses[i - 1].prior.index < m.prior.index)) {
      return Bad("witness indexes not strictly increasing");
    }
    if (!r.ReadU16Prefixed(&proof)) return TruncatedError(kWhat, "witness proof");
    auto decoded_proof = map::DecodeMapProof(proof);
    if (!decoded_proof.ok()) return Bad(decoded_proof.status().message());
    m.proof = *decoded_proof;
  }
  if (e.rule == Rule::kTimestampInFuture && !r.ReadU64(&e.observed_ms)) {
    return TruncatedError(kWhat, "observed time");
  }
  absl::Status s = r.Finish(kWhat);
  if (!s.ok()) return s;
  return e;
}

absl::StatusOr<Finding> VerifyEvidence(const Evidence& e) {
  auto key = note::ParseVerifierKey(e.log_key);
  if (!key.ok()) return Bad(key.status().message());
  absl::StatusOr<std::string> summary =
      e.kind == EvidenceKind::kSplitView ? VerifySplitView(e, *key) : VerifyBrokenRule(e, *key);
  if (!summary.ok()) return summary.status();
  Finding f;
  f.origin = key->name();
  f.log_key = e.log_key;
  f.summary = *summary;
  if (e.kind == EvidenceKind::kBrokenRule) {
    f.summary = absl::StrCat("broken rule ", RuleName(e.rule), ": ", f.summary);
  }
  return f;
}

}  // namespace keytrail::evidence
