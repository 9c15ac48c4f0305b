#include "verifier/log_proof.h"

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/merkle/hash_list.h"
#include "core/merkle/verify.h"
#include "core/note/note.h"
#include "verifier/cosignatures.h"
#include "verifier/status_util.h"

namespace keytrail {
namespace verifier {
namespace {

// core/merkle says "inclusion proof: ..."; here it is the epoch entry's.
absl::Status EpochInclusionError(const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat("epoch ", s.message()));
}

// Step 1: the log's signature, the cosignature policy, the checkpoint text.
absl::Status OpenCheckpoint(const LogTrust& trust, const std::string& message, VerifiedLog* out) {
  if (trust.log_key.name() != trust.origin) {
    return absl::InvalidArgumentError(absl::StrCat("trust: log key name \"", trust.log_key.name(),
                                                   "\" differs from origin \"", trust.origin,
                                                   "\""));
  }
  // Two trusted monitors with one name and key hash could not be told apart.
  for (size_t i = 0; i < trust.monitors.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (trust.monitors[i].name() == trust.monitors[j].name() &&
          trust.monitors[i].key_hash() == trust.monitors[j].key_hash()) {
        return absl::InvalidArgumentError(
            absl::StrCat("checkpoint signature: note: two verifiers share name and key hash (",
                         trust.monitors[i].name(), ")"));
      }
    }
  }
  // Only the log's own line must verify; the monitors' lines are counted
  // apart (cosignatures.h) so that a broken or unknown cosignature line is
  // ignored instead of failing the answer (DESIGN-NOTES, "Cosignatures").
  const note::NoteVerifier* log_key[] = {&trust.log_key};
  auto opened = note::OpenNote(message, log_key);
  if (!opened.ok()) {
    if (absl::StrContains(opened.status().message(), "not signed by any known key")) {
      return absl::InvalidArgumentError(
          absl::StrCat("checkpoint signature: not signed by the log key ", trust.log_key.name()));
    }
    return Annotate(opened.status(), "checkpoint signature");
  }
  const size_t cosignatures = CountCosignatures(opened->text, opened->unverified, trust.monitors);
  if (cosignatures < trust.min_cosignatures) {
    return absl::InvalidArgumentError(absl::StrCat("checkpoint has ", cosignatures,
                                                   " trusted cosignatures, policy needs ",
                                                   trust.min_cosignatures));
  }

  auto checkpoint = note::ParseCheckpoint(opened->text);
  if (!checkpoint.ok()) return checkpoint.status();  // already "checkpoint: ..."
  if (checkpoint->origin != trust.origin) {
    return absl::InvalidArgumentError(absl::StrCat("checkpoint: origin \"", checkpoint->origin,
                                                   "\", want \"", trust.origin, "\""));
  }
  // PROTOCOL.md: keytrail checkpoints have no extension lines. Refusing them
  // keeps a signed statement this library does not understand from passing
  // as verified.
  if (!checkpoint->extensions.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint: ", checkpoint->extensions.size(),
                     " extension line(s); protocol version 1 has none"));
  }
  // Every published checkpoint ends on an epoch entry, so it is never empty;
  // step 3 would otherwise ask for leaf -1.
  if (checkpoint->size == 0) {
    return absl::InvalidArgumentError(
        "checkpoint: size 0 (a log holds at least its genesis epoch)");
  }
  out->checkpoint = *std::move(checkpoint);
  out->cosignatures = cosignatures;
  return absl::OkStatus();
}

// Step 2: the new checkpoint extends the one the client verified before.
absl::Status CheckConsistency(const note::Checkpoint& cp, const TrustedCheckpoint& last,
                              absl::string_view proof_bytes) {
  if (cp.size < last.size) {
    return absl::InvalidArgumentError(absl::StrCat("rollback: checkpoint size ", cp.size,
                                                   " is below the trusted size ", last.size));
  }
  if (cp.size == last.size) {
    if (cp.root != last.root) {
      return absl::InvalidArgumentError(
          absl::StrCat("fork: checkpoint of size ", cp.size, " has root ", HashHex(cp.root),
                       ", the trusted checkpoint of that size has ", HashHex(last.root)));
    }
  }
  // Between equal sizes, and from nothing (first contact), there is nothing
  // to prove, and the server sends nothing; anything else is a malformed
  // answer.
  if (cp.size == last.size || last.size == 0) {
    if (!proof_bytes.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("consistency proof: must be empty from size ",
                                                     last.size, " to ", cp.size, ", got ",
                                                     proof_bytes.size(), " bytes"));
    }
    return absl::OkStatus();
  }
  auto proof = merkle::DecodeHashList(proof_bytes, kMaxConsistencyProofHashes, "consistency proof");
  if (!proof.ok()) return proof.status();
  return merkle::VerifyConsistency(last.size, cp.size, *proof, last.root, cp.root);
}

// Step 3: the checkpoint's last leaf is the epoch entry given.
absl::StatusOr<EpochEntry> CheckEpochEntry(const note::Checkpoint& cp, const v1::LogProof& proof) {
  auto epoch = DecodeEpochEntry(proof.epoch_entry());
  if (!epoch.ok()) return Annotate(epoch.status(), "epoch entry");
  auto path = merkle::DecodeHashList(proof.epoch_inclusion_proof(), kMaxInclusionProofHashes,
                                     "inclusion proof");
  if (!path.ok()) return EpochInclusionError(path.status());
  // The leaf hash is taken over the bytes received, which decoded
  // canonically, so it is the hash of exactly the entry returned.
  absl::Status s = merkle::VerifyInclusion(cp.size - 1, cp.size, EntryLeafHash(proof.epoch_entry()),
                                           *path, cp.root);
  if (!s.ok()) return EpochInclusionError(s);
  return *std::move(epoch);
}

// Step 4.
absl::Status CheckFreshness(const EpochEntry& epoch, uint64_t max_staleness_ms, uint64_t now_ms) {
  if (max_staleness_ms == 0) return absl::OkStatus();
  if (epoch.timestamp_ms <= now_ms) {
    const uint64_t age = now_ms - epoch.timestamp_ms;
    if (age > max_staleness_ms) {
      return absl::InvalidArgumentError(absl::StrCat("stale: epoch ", epoch.epoch, " is ", age,
                                                     " ms old, policy allows ", max_staleness_ms,
                                                     " ms"));
    }
    return absl::OkStatus();
  }
  const uint64_t ahead = epoch.timestamp_ms - now_ms;
  if (ahead > max_staleness_ms) {
    return absl::InvalidArgumentError(absl::StrCat("clock: epoch ", epoch.epoch, " is timestamped ",
                                                   ahead, " ms in the future, more than the ",
                                                   max_staleness_ms, " ms staleness allowance"));
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<std::pair<note::Checkpoint, size_t>> CheckpointCache::Find(
    absl::string_view note) const {
  absl::MutexLock lock(&mu_);
  for (const Entry& e : entries_) {
    if (e.note == note) return std::make_pair(e.checkpoint, e.cosignatures);
  }
  return std::nullopt;
}

void CheckpointCache::Add(absl::string_view note, const note::Checkpoint& checkpoint,
                          size_t cosignatures) {
  absl::MutexLock lock(&mu_);
  for (const Entry& e : entries_) {
    if (e.note == note) return;
  }
  if (entries_.size() >= capacity_) entries_.pop_front();
  entries_.push_back(Entry{std::string(note), checkpoint, cosignatures});
}

size_t CheckpointCache::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

absl::StatusOr<VerifiedLog> VerifyLogProof(const LogTrust& trust, const v1::LogProof& proof,
                                           const TrustedCheckpoint& last, uint64_t now_ms,
                                           CheckpointCache* checkpoints) {
  VerifiedLog out;
  if (checkpoints != nullptr && !checkpoints->IsFor(trust)) checkpoints = nullptr;
  absl::Status s;
  std::optional<std::pair<note::Checkpoint, size_t>> known;
  if (checkpoints != nullptr) known = checkpoints->Find(proof.checkpoint());
  if (known.has_value()) {
    out.checkpoint = std::move(known->first);
    out.cosignatures = known->second;
  } else {
    s = OpenCheckpoint(trust, proof.checkpoint(), &out);
    if (!s.ok()) return s;
    if (checkpoints != nullptr) {
      checkpoints->Add(proof.checkpoint(), out.checkpoint, out.cosignatures);
    }
  }
  s = CheckConsistency(out.checkpoint, last, proof.consistency_proof());
  if (!s.ok()) return s;
  auto epoch = CheckEpochEntry(out.checkpoint, proof);
  if (!epoch.ok()) return epoch.status();
  out.epoch = *epoch;
  s = CheckFreshness(out.epoch, trust.max_staleness_ms, now_ms);
  if (!s.ok()) return s;
  return out;
}

}  // namespace verifier
}  // namespace keytrail
