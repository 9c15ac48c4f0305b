#include "testing/witness_test_util.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "core/merkle/reference.h"
#include "core/note/checkpoint.h"
#include "core/witness/add_checkpoint.h"

namespace keytrail::monitor {
namespace {

note::Ed25519NoteSigner MustGenerate(const std::string& name) {
  auto s = note::Ed25519NoteSigner::Generate(name);
  if (!s.ok()) std::abort();
  return *std::move(s);
}

}  // namespace

TestLog::TestLog(std::string origin, uint64_t leaves)
    : origin_(origin), signer_(MustGenerate(origin)), verifier_(signer_.Verifier()) {
  for (uint64_t i = 0; i < leaves; ++i) leaves_.push_back(absl::StrCat("leaf ", i));
}

Hash TestLog::Root(uint64_t size) const {
  return merkle::reference::MTH(absl::MakeConstSpan(leaves_.data(), static_cast<size_t>(size)));
}

std::string TestLog::Checkpoint(uint64_t size, const note::NoteSigner* other) const {
  note::Checkpoint c{origin_, size, Root(size), {}};
  const note::NoteSigner* signers[] = {other != nullptr ? other : &signer_};
  auto signed_note = note::SignNote(note::FormatCheckpoint(c), signers);
  if (!signed_note.ok()) std::abort();
  return *signed_note;
}

std::string TestLog::ForkedCheckpoint(uint64_t size) const {
  note::Checkpoint c{origin_, size, Sha256Of("fork"), {}};
  const note::NoteSigner* signers[] = {&signer_};
  return *note::SignNote(note::FormatCheckpoint(c), signers);
}

std::vector<Hash> TestLog::Proof(uint64_t from, uint64_t to) const {
  if (from == 0 || from == to) return {};
  return merkle::reference::PROOF(from,
                                  absl::MakeConstSpan(leaves_.data(), static_cast<size_t>(to)));
}

std::string TestLog::Body(uint64_t from, uint64_t to) const {
  return witness::FormatAddCheckpointRequest(from, Proof(from, to), Checkpoint(to));
}

const note::NoteVerifier* FakeAuditedLogs::LogVerifier(absl::string_view origin) const {
  for (const TestLog* log : logs_) {
    if (log->origin() == origin) return log->verifier();
  }
  return nullptr;
}

absl::Status FakeAuditedLogs::CheckAudited(absl::string_view origin, absl::string_view signed_note,
                                           const note::Checkpoint& checkpoint,
                                           absl::Time deadline) {
  absl::MutexLock l(&mu_);
  ++calls_;
  if (LogVerifier(origin) == nullptr) return absl::NotFoundError("not followed");
  return result_;
}

absl::Status FakeAuditedLogs::Observe(absl::string_view origin, absl::string_view signed_note,
                                      const note::Checkpoint& checkpoint, uint64_t old_size,
                                      absl::Span<const Hash> proof) {
  absl::MutexLock l(&mu_);
  if (LogVerifier(origin) == nullptr) return absl::NotFoundError("not followed");
  observed_.emplace_back(signed_note);
  return observe_result_;
}

}  // namespace keytrail::monitor
