// ProofScheduler: where the log server's expensive read work runs — the VRF
// proofs of lookups and histories of accounts the log does not know (an
// ECVRF prove, ~3x an ordinary lookup). Without it a flood of absent-account
// lookups filled gRPC's threads and cores with proving, and ordinary lookups
// (stored index, no proving) waited behind it: their p99 went from ~30 ms to
// 140–330 ms with 300 flood calls in flight (issue 9).
//
// So proving calls do not run on gRPC's threads: they are queued here, per
// client, and `workers` threads (by default half the cores, at least one)
// take them round-robin across clients, one call per client per turn. The
// cores left over keep answering ordinary lookups inline, and one client's
// flood only delays its own proofs, not another client's.
//
// A call is refused, via its `reject` callback with RESOURCE_EXHAUSTED and a
// message naming the limit, when
//  - its client already has max_per_client calls queued or running
//    (at once, in Submit's thread);
//  - max_queued calls are queued in total (at once);
//  - it has waited max_wait without a worker taking it (on a worker thread,
//    when it comes to the front: so the wait is at most max_wait plus the
//    time to pass over the expired calls in front of it).
// After Stop(), Submit refuses with UNAVAILABLE and the queued calls are
// refused with UNAVAILABLE. Each call gets exactly one of run or reject.
//
// A client is what ClientOfPeer returns: the peer's address without its port,
// so many connections from one host share one limit. Behind a proxy or NAT
// every user of it is one client: raise max_per_client there.
//
// Thread-safe. run and reject must not call back into the scheduler.
#ifndef KEYTRAIL_LOG_SERVER_PROOF_SCHEDULER_H_
#define KEYTRAIL_LOG_SERVER_PROOF_SCHEDULER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace keytrail {

struct ProofSchedulerOptions {
  int workers = 0;  // 0: half the cores, at least one
  size_t max_per_client = 32;  // queued + running; 0: no per-client limit
  size_t max_queued = 4096;    // queued, all clients
  absl::Duration max_wait = absl::Milliseconds(500);
};

// "ipv4:10.0.0.7:51234" -> "ipv4:10.0.0.7", "ipv6:[::1]:5" -> "ipv6:[::1]";
// anything else (e.g. "unix:/path") unchanged.
std::string ClientOfPeer(absl::string_view peer);

class ProofScheduler {
 public:
  using Run = std::function<void()>;
  using Reject = std::function<void(const absl::Status&)>;

  explicit ProofScheduler(const ProofSchedulerOptions& options);
  ~ProofScheduler();  // Stop()s
  ProofScheduler(const ProofScheduler&) = delete;
  ProofScheduler& operator=(const ProofScheduler&) = delete;

  // Queues `run` for `client`, or calls `reject` (see above).
  void Submit(const std::string& client, Run run, Reject reject);

  // Refuses what is queued, waits for running calls, joins the workers.
  // Idempotent.
  void Stop();

  int workers() const { return worker_count_; }

  struct Counts {
    uint64_t run = 0;
    uint64_t refused_client = 0;   // over max_per_client
    uint64_t refused_queue = 0;    // over max_queued
    uint64_t refused_waited = 0;   // waited max_wait
  };
  Counts counts() const;

 private:
  struct Call {
    Run run;
    Reject reject;
    absl::Time queued_at;
  };
  struct Client {
    std::deque<Call> queue;
    size_t in_flight = 0;  // queued + running
  };

  void Work();
  // Counts a refusal; logs at most one summary line a minute.
  void NoteRefusal(uint64_t Counts::*which, const std::string& client)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ProofSchedulerOptions options_;
  const int worker_count_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Client> clients_ ABSL_GUARDED_BY(mu_);
  // Clients with queued calls, in round-robin order; each at most once.
  std::deque<std::string> turn_ ABSL_GUARDED_BY(mu_);
  size_t queued_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  Counts counts_ ABSL_GUARDED_BY(mu_);
  Counts logged_ ABSL_GUARDED_BY(mu_);
  absl::Time last_log_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::vector<std::thread> threads_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_PROOF_SCHEDULER_H_
