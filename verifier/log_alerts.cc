#include "verifier/log_alerts.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/merkle/hash_list.h"
#include "core/merkle/verify.h"
#include "core/note/note.h"
#include "core/protocol/entry.h"
#include "verifier/cosignatures.h"
#include "verifier/log_proof.h"

namespace keytrail {
namespace verifier {
namespace {

Alert LogAlert(AlertKind kind, std::string explanation, std::string evidence) {
  Alert a;
  a.kind = kind;
  a.explanation = std::move(explanation);
  a.evidence = std::move(evidence);
  return a;
}

// The epoch's age when the served epoch entry is proven to be the
// checkpoint's last leaf; nullopt otherwise (an unproven entry says nothing).
std::optional<uint64_t> ProvenEpochTimestamp(const SignedCheckpoint& cp,
                                             const v1::LogProof& proof) {
  auto epoch = DecodeEpochEntry(proof.epoch_entry());
  if (!epoch.ok()) return std::nullopt;
  auto path = merkle::DecodeHashList(proof.epoch_inclusion_proof(), kMaxInclusionProofHashes,
                                     "inclusion proof");
  if (!path.ok()) return std::nullopt;
  if (!merkle::VerifyInclusion(cp.checkpoint.size - 1, cp.checkpoint.size,
                               EntryLeafHash(proof.epoch_entry()), *path, cp.checkpoint.root)
           .ok()) {
    return std::nullopt;
  }
  return epoch->timestamp_ms;
}

}  // namespace

absl::StatusOr<SignedCheckpoint> OpenLogCheckpoint(const LogTrust& trust,
                                                   absl::string_view message) {
  const note::NoteVerifier* keys[] = {&trust.log_key};
  auto opened = note::OpenNote(message, keys);
  if (!opened.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint: not signed by the log: ", opened.status().message()));
  }
  auto cp = note::ParseCheckpoint(opened->text);
  if (!cp.ok()) return cp.status();
  if (cp->origin != trust.origin) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint: origin \"", cp->origin, "\", want \"", trust.origin, "\""));
  }
  if (cp->size == 0) return absl::InvalidArgumentError("checkpoint: size 0");
  return SignedCheckpoint{std::string(message), *std::move(cp)};
}

std::vector<Alert> LogAlerts(const LogTrust& trust, absl::string_view log_vkey,
                             const v1::LogProof& proof,
                             const std::optional<SignedCheckpoint>& stored, uint64_t now_ms) {
  std::vector<Alert> alerts;
  auto served = OpenLogCheckpoint(trust, proof.checkpoint());
  if (!served.ok()) return alerts;  // not the log's word: proves nothing
  auto note = note::ParseNote(proof.checkpoint());
  if (note.ok()) {
    std::vector<note::NoteSignature> others;
    for (const note::NoteSignature& s : note->signatures) {
      if (s.name != trust.log_key.name()) others.push_back(s);
    }
    const size_t n = CountCosignatures(note->text, others, trust.monitors);
    if (n < trust.min_cosignatures) {
      alerts.push_back(
          LogAlert(AlertKind::kLogMissingCosignatures,
                   absl::StrCat("The log's checkpoint is vouched for by ", n,
                                " of the independent monitors you trust, fewer than the ",
                                trust.min_cosignatures, " required."),
                   served->note));
    }
  }
  if (stored.has_value()) {
    if (served->checkpoint.size < stored->checkpoint.size) {
      alerts.push_back(
          LogAlert(AlertKind::kLogRolledBack,
                   absl::StrCat("The log showed an older state (", served->checkpoint.size,
                                " entries) than it showed before (", stored->checkpoint.size,
                                " entries), as if hiding recent changes."),
                   served->note));
    } else {
      auto evidence = SplitViewEvidence(log_vkey, *stored, *served, proof.consistency_proof());
      if (evidence.has_value()) {
        alerts.push_back(LogAlert(
            AlertKind::kLogForked,
            "The log showed you a history that contradicts one it showed before, so it may "
            "be showing different keys to different people.",
            *std::move(evidence)));
      }
    }
  }
  if (trust.max_staleness_ms != 0) {
    auto ts = ProvenEpochTimestamp(*served, proof);
    if (ts.has_value() && *ts < now_ms && now_ms - *ts > trust.max_staleness_ms) {
      alerts.push_back(
          LogAlert(AlertKind::kLogStale,
                   absl::StrCat("The log's newest state is ", (now_ms - *ts) / 1000,
                                " seconds old, so recent key changes may be hidden from you."),
                   served->note));
    }
  }
  return alerts;
}

Alert OutOfRangeAlert(const SignedCheckpoint& stored) {
  return LogAlert(AlertKind::kLogRolledBack,
                  absl::StrCat("The log says it never had the ", stored.checkpoint.size,
                               " entries it showed you before, as if hiding recent changes."),
                  stored.note);
}

}  // namespace verifier
}  // namespace keytrail
