#include "monitor/witness.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/bytes/encoding.h"
#include "core/crypto/sha256.h"
#include "core/evidence/evidence.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "core/util/logging.h"
#include "core/witness/add_checkpoint.h"

namespace keytrail::monitor {
namespace {

// "— <name> <base64>\n" for one signature: FormatNote's line, without the
// text before it.
std::string SignatureLine(const note::NoteSignature& sig) {
  note::Note one{"x\n", {sig}};
  std::string formatted = note::FormatNote(one);
  return formatted.substr(3);  // "x\n" and the blank line
}

}  // namespace

Witness::Witness(AuditedLogs* logs, WitnessStore* store, note::CosignatureSigner signer,
                 WitnessOptions options)
    : logs_(logs), store_(store), signer_(std::move(signer)), options_(std::move(options)) {}

WitnessResponse Witness::Answer(absl::string_view outcome, WitnessResponse response) {
  absl::MutexLock lock(&mu_);
  ++requests_by_outcome_[std::string(outcome)];
  if (response.status == 200) ++cosignatures_issued_;
  return response;
}

WitnessResponse Witness::Error(absl::string_view outcome, int status, absl::string_view message) {
  WitnessResponse r;
  r.status = status;
  r.body = absl::StrCat(message, "\n");
  if (status == 503) r.retry_after_seconds = options_.retry_after_seconds;
  return Answer(outcome, std::move(r));
}

WitnessResponse Witness::AddCheckpoint(absl::string_view body) {
  absl::StatusOr<witness::AddCheckpointRequest> request = witness::ParseAddCheckpointRequest(body);
  if (!request.ok()) return Error("malformed", 400, request.status().message());
  absl::StatusOr<note::Note> parsed = note::ParseNote(request->checkpoint);
  if (!parsed.ok()) return Error("malformed", 400, parsed.status().message());
  absl::StatusOr<note::Checkpoint> checkpoint = note::ParseCheckpoint(parsed->text);
  if (!checkpoint.ok()) {
    return Error("malformed", 400, checkpoint.status().message());
  }
  const std::string& origin = checkpoint->origin;
  if (request->checkpoint.size() > evidence::kMaxNoteBytes) {
    // The auditor keeps no note that large (it could not be evidence):
    // refused for good rather than 503 for ever (issue 18).
    return Error(
        "too_large", 413,
        absl::StrCat("checkpoint note of ", request->checkpoint.size(), " bytes, more than the ",
                     evidence::kMaxNoteBytes, " this monitor keeps"));
  }

  const note::NoteVerifier* log_key = logs_->LogVerifier(origin);
  if (log_key == nullptr) {
    return Error("unknown_origin", 404, "unknown origin");
  }
  const note::NoteVerifier* keys[] = {log_key};
  absl::StatusOr<note::OpenedNote> opened = note::OpenNote(request->checkpoint, keys);
  if (!opened.ok()) return Error("bad_signature", 403, opened.status().message());

  const uint64_t old_size = request->old_size;
  if (old_size > checkpoint->size) {
    return Error(
        "malformed", 400,
        absl::StrCat("old size ", old_size, " is above the checkpoint size ", checkpoint->size));
  }

  absl::StatusOr<std::optional<WitnessState>> state = store_->Get(origin);
  if (!state.ok()) {
    LogError("witness: reading state of %s: %s", origin, state.status().ToString());
    const bool retry = absl::IsUnavailable(state.status());
    return Error(retry ? "unavailable" : "internal", retry ? 503 : 500, "witness state unreadable");
  }
  const uint64_t stored_size = state->has_value() ? (*state)->size : 0;
  const Hash stored_root = state->has_value() ? (*state)->root : Hash{};
  auto conflict = [&](uint64_t size) {
    WitnessResponse r;
    r.status = 409;
    r.content_type = witness::kTlogSizeContentType;
    r.body = witness::FormatTlogSize(size);
    return Answer("conflict", std::move(r));
  };
  // A log-signed checkpoint this witness will not cosign may still be
  // evidence of a split view: the auditor judges it whatever the answer
  // (monitor/checkpoint_judge.h); it logs the evidence. True when the log
  // is known to misbehave.
  auto observe = [&]() {
    const absl::Status s =
        logs_->Observe(origin, request->checkpoint, *checkpoint, old_size, request->proof);
    if (!s.ok() && !absl::IsFailedPrecondition(s)) {
      LogWarning("witness: could not judge %s size %d: %s", origin, checkpoint->size, s.message());
    }
    return absl::IsFailedPrecondition(s);
  };
  if (old_size != stored_size) {
    (void)observe();
    return conflict(stored_size);
  }

  const absl::Status extends = witness::CheckExtends(old_size, stored_root, checkpoint->size,
                                                     checkpoint->root, request->proof);
  if (absl::IsFailedPrecondition(extends)) {
    if (!observe()) {
      LogWarning("witness: %s signed size %d with a root other than the one cosigned", origin,
                 old_size);
    }
    return conflict(stored_size);
  }
  if (!extends.ok()) {
    if (!observe() && old_size != 0 && old_size != checkpoint->size) {
      // Not (yet) proven a fork: keep a trace (spec: the witness MAY log).
      LogWarning("witness: %s: checkpoint at size %d not consistent with cosigned size %d: %s",
                 origin, checkpoint->size, old_size, extends.message());
    }
    return Error("bad_proof", 422, extends.message());
  }

  absl::Status audited = logs_->CheckAudited(origin, request->checkpoint, *checkpoint,
                                             absl::Now() + options_.audit_timeout);
  if (absl::IsUnavailable(audited)) {
    return Error("not_audited", 503, absl::StrCat("not audited yet: ", audited.message()));
  }
  if (absl::IsFailedPrecondition(audited)) {
    LogWarning("witness: refusing to cosign %s size %d: %s", origin, checkpoint->size,
               audited.message());
    return Error("misbehaving", 422, absl::StrCat("log misbehaving: ", audited.message()));
  }
  if (absl::IsNotFound(audited)) {
    return Error("unknown_origin", 404, "unknown origin");
  }
  if (!audited.ok()) {
    LogError("witness: audit check of %s failed: %s", origin, audited.ToString());
    return Error("internal", 500, "audit check failed");
  }

  const uint64_t now =
      static_cast<uint64_t>(std::max<int64_t>(0, absl::ToUnixSeconds(options_.clock())));
  const note::NoteSignature cosignature = signer_.SignAsNoteSignature(parsed->text, now);
  // What readers of the monitoring endpoint get: the log's own verified
  // signature(s) and this cosignature (other lines of the request are not
  // ours to vouch for).
  note::Note stored{parsed->text, {}};
  for (const note::VerifiedSignature& v : opened->verified) {
    stored.signatures.push_back(v.signature);
  }
  stored.signatures.push_back(cosignature);
  WitnessState next{checkpoint->size, checkpoint->root, note::FormatNote(stored)};
  uint64_t current = 0;
  absl::Status cas = store_->CompareAndSet(origin, stored_size, stored_root, next, &current);
  if (absl::IsFailedPrecondition(cas)) return conflict(current);  // lost a race
  if (absl::IsUnavailable(cas)) {
    // Not stored, so not cosigned: the log retries. The store's health
    // logged the failure once (monitor/storage_health.h); not per request.
    return Error("unavailable", 503,
                 absl::StrCat("witness state not stored (", cas.message(), "); retry later"));
  }
  if (!cas.ok()) {
    LogError("witness: storing state of %s: %s", origin, cas.ToString());
    return Error("internal", 500, "witness state not stored");
  }
  LogInfo("witness: cosigned %s size %d (was %d)", origin, checkpoint->size, stored_size);
  WitnessResponse ok;
  ok.status = 200;
  ok.body = SignatureLine(cosignature);
  return Answer("cosigned", std::move(ok));
}

WitnessResponse Witness::CosignedCheckpoint(absl::string_view origin_hash_hex) const {
  WitnessResponse r;
  r.status = 404;
  r.body = "no cosigned checkpoint for this origin\n";
  if (origin_hash_hex.size() != 64) return r;
  for (char c : origin_hash_hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return r;
  }
  absl::StatusOr<std::string> raw = HexDecode(origin_hash_hex);
  Hash origin_hash;
  if (!raw.ok() || !HashFromBytes(*raw, &origin_hash)) return r;
  absl::StatusOr<std::optional<WitnessState>> state = store_->GetByOriginHash(origin_hash);
  if (!state.ok()) {
    LogError("witness: reading state: %s", state.status().ToString());
    r.status = absl::IsUnavailable(state.status()) ? 503 : 500;
    r.body = "witness state unreadable\n";
    return r;
  }
  if (!state->has_value()) return r;
  r.status = 200;
  r.body = (*state)->note;
  return r;
}

uint64_t Witness::cosignatures_issued() const {
  absl::MutexLock lock(&mu_);
  return cosignatures_issued_;
}

std::string Witness::MetricsText() const {
  absl::MutexLock lock(&mu_);
  std::string out =
      "# HELP keytrail_witness_add_checkpoint_requests_total add-checkpoint "
      "requests received, by outcome.\n"
      "# TYPE keytrail_witness_add_checkpoint_requests_total counter\n";
  for (const auto& [outcome, n] : requests_by_outcome_) {
    absl::StrAppend(&out, "keytrail_witness_add_checkpoint_requests_total{outcome=\"", outcome,
                    "\"} ", n, "\n");
  }
  absl::StrAppend(&out,
                  "# HELP keytrail_witness_cosignatures_issued_total cosignatures "
                  "returned.\n"
                  "# TYPE keytrail_witness_cosignatures_issued_total counter\n"
                  "keytrail_witness_cosignatures_issued_total ",
                  cosignatures_issued_, "\n");
  return out;
}

}  // namespace keytrail::monitor
