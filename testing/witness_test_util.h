// Test helpers for the witness: a small log whose checkpoints are signed by
// a fresh note key, and an AuditedLogs fake. Test-only.
#ifndef KEYTRAIL_TESTING_WITNESS_TEST_UTIL_H_
#define KEYTRAIL_TESTING_WITNESS_TEST_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "core/crypto/sha256.h"
#include "core/note/note.h"
#include "monitor/audited_logs.h"

namespace keytrail::monitor {

class TestLog {
 public:
  TestLog(std::string origin, uint64_t leaves);

  const std::string& origin() const { return origin_; }
  const note::Ed25519NoteSigner& signer() const { return signer_; }
  const note::NoteVerifier* verifier() const { return &verifier_; }

  Hash Root(uint64_t size) const;
  // The signed checkpoint note at `size`, signed by this log's key (or by
  // `other` when given).
  std::string Checkpoint(uint64_t size, const note::NoteSigner* other = nullptr) const;
  // The same size with another root (a fork).
  std::string ForkedCheckpoint(uint64_t size) const;
  std::vector<Hash> Proof(uint64_t from, uint64_t to) const;
  // An add-checkpoint body from `from` to `to` with the right proof.
  std::string Body(uint64_t from, uint64_t to) const;

 private:
  std::string origin_;
  std::vector<std::string> leaves_;
  note::Ed25519NoteSigner signer_;
  note::Ed25519NoteVerifier verifier_;
};

// Follows the logs it is given; CheckAudited returns `result` (settable).
class FakeAuditedLogs : public AuditedLogs {
 public:
  void Follow(const TestLog& log) { logs_.push_back(&log); }
  void SetResult(absl::Status s) {
    absl::MutexLock l(&mu_);
    result_ = std::move(s);
  }
  int calls() const {
    absl::MutexLock l(&mu_);
    return calls_;
  }

  const note::NoteVerifier* LogVerifier(absl::string_view origin) const override;
  absl::Status CheckAudited(absl::string_view origin, absl::string_view signed_note,
                            const note::Checkpoint& checkpoint, absl::Time deadline) override;
  // Counts the call; FailedPrecondition when SetObserveResult said so.
  absl::Status Observe(absl::string_view origin, absl::string_view signed_note,
                       const note::Checkpoint& checkpoint, uint64_t old_size,
                       absl::Span<const Hash> proof) override;
  void SetObserveResult(absl::Status s) {
    absl::MutexLock l(&mu_);
    observe_result_ = std::move(s);
  }
  // The notes Observe was given, in order.
  std::vector<std::string> observed() const {
    absl::MutexLock l(&mu_);
    return observed_;
  }

 private:
  std::vector<const TestLog*> logs_;
  mutable absl::Mutex mu_;
  absl::Status result_ ABSL_GUARDED_BY(mu_);
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status observe_result_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> observed_ ABSL_GUARDED_BY(mu_);
};

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_TESTING_WITNESS_TEST_UTIL_H_
