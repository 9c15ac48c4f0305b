// EvidenceKeeper: keeps one log's evidence of misbehaviour. Keep() verifies
// the evidence, stops cosigning at once (found()), stores it durably through
// the follower's database, writes the file an operator hands on
// (<evidence_dir>/<origin>-<n>.evidence) and logs one ERROR line. When the
// database refuses the write (a full disk) the evidence stays in memory,
// the ERROR line carries a base64 copy (up to 48 KiB) so that a restart
// before space returns does not lose it, and StoreUnsaved() retries.
//
// Errors: Keep returns FailedPrecondition ("<origin> is misbehaving:
// <summary>", the code that means "misbehaving" to the follower's callers)
// once the evidence is kept, stored or not; Internal when the evidence does
// not verify (a bug in whoever built it: nothing is kept). StoreUnsaved
// returns the store's error while a write still fails, OK when nothing is
// left.
//
// Thread safety: every method may be called from any thread. Keep and
// StoreUnsaved are serialized by their own lock, held while `add` and
// `report` run (so those must not call back into the keeper); found() and
// misbehaving() take no lock, so a caller may ask them under its own.
#ifndef KEYTRAIL_MONITOR_EVIDENCE_KEEPER_H_
#define KEYTRAIL_MONITOR_EVIDENCE_KEEPER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/evidence/evidence.h"
#include "proto/monitor_service.pb.h"

namespace keytrail::monitor {

struct EvidenceKeeperOptions {
  std::string origin;
  std::string evidence_dir;  // created when the first file is written
  // Stores encoded evidence durably; returns its sequence number (0, 1, ...
  // in the order stored). Required.
  std::function<absl::StatusOr<uint64_t>(const std::string& encoded)> add;
  // Hears the outcome of every `add` (the storage health); may be empty.
  std::function<void(const absl::Status&)> report;
};

class EvidenceKeeper {
 public:
  // `stored`: the evidence already in the database, oldest first (sequence
  // numbers 0, 1, ...); a log with any is misbehaving from the start.
  EvidenceKeeper(EvidenceKeeperOptions options, const std::vector<std::string>& stored);

  absl::Status Keep(const evidence::Evidence& e);
  absl::Status StoreUnsaved();

  // Evidence was kept (no more cosigning), from the moment Keep verified it.
  bool found() const { return found_.load(); }
  // Evidence was kept and its store attempted (the state MISBEHAVING).
  bool misbehaving() const { return misbehaving_.load(); }
  // Kept evidence not yet stored.
  bool has_unsaved() const;
  // The stored evidence, oldest first: summary, file and bytes.
  std::vector<v1::EvidenceInfo> List() const;

  // Logged copies of evidence that can't be stored are at most this long.
  static constexpr size_t kMaxLoggedEvidenceBytes = 48 << 10;

 private:
  struct Unsaved {
    std::string bytes, summary;
  };
  std::string FileName(uint64_t seq) const;
  // Stores one evidence and files it.
  absl::Status Store(const std::string& bytes, const std::string& summary)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(keep_mu_);

  const EvidenceKeeperOptions options_;
  std::atomic<bool> found_{false};
  std::atomic<bool> misbehaving_{false};
  absl::Mutex keep_mu_;  // serializes Keep and StoreUnsaved
  std::vector<Unsaved> unsaved_ ABSL_GUARDED_BY(keep_mu_);
  mutable absl::Mutex list_mu_;
  std::vector<v1::EvidenceInfo> stored_ ABSL_GUARDED_BY(list_mu_);
  bool has_unsaved_ ABSL_GUARDED_BY(list_mu_) = false;
};

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_EVIDENCE_KEEPER_H_
