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
// workers run at a lower CPU priority (`worker_nice`), so the cores go to
// ordinary reads first; one client's flood only delays its own proofs.
//
// Limits (a refusal is the call's `reject` with RESOURCE_EXHAUSTED and a
// message naming the limit):
//  - max_per_client: a client with that many calls queued or running gets
//    its further calls parked (no thread, no CPU): each waits for one of the
//    client's own calls to finish. A parked call still parked after
//    max_wait is refused. Waiting instead of an instant refusal keeps a
//    flooder from turning refusals into a busy loop of new calls.
//  - max_queued: more calls than this queued and parked in total are
//    refused at once (in Submit's thread).
//  - max_wait: a queued call no worker took within max_wait of its arrival
//    is refused when it reaches the front (so its wait is at most max_wait
//    plus the time to pass over the expired calls ahead of it); a parked one
//    within ~max_wait + 20 ms.
// After Stop(), Submit refuses with UNAVAILABLE, and queued and parked calls
// are refused with UNAVAILABLE. Each call gets exactly one of run or reject.
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
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace keytrail {

struct ProofSchedulerOptions {
  int workers = 0;             // 0: half the cores, at least one
  size_t max_per_client = 32;  // queued + running; 0: no per-client limit
  size_t max_queued = 4096;    // queued + parked, all clients
  absl::Duration max_wait = absl::Seconds(1);
  // Added to each worker thread's nice value (Linux: per thread); 0 keeps
  // the process's priority.
  int worker_nice = 10;
};

// "ipv4:10.0.0.7:51234" -> "ipv4:10.0.0.7", "ipv6:[::1]:5" -> "ipv6:[::1]"
// (also "ipv6:%5B::1%5D:5"); anything else (e.g. "unix:/path") unchanged.
std::string ClientOfPeer(absl::string_view peer);

class ProofScheduler {
 public:
  using Run = std::function<void()>;
  using Reject = std::function<void(const absl::Status&)>;

  explicit ProofScheduler(const ProofSchedulerOptions& options);
  ~ProofScheduler();  // Stop()s
  ProofScheduler(const ProofScheduler&) = delete;
  ProofScheduler& operator=(const ProofScheduler&) = delete;

  // Queues or parks `run` for `client`, or calls `reject` (see above).
  void Submit(const std::string& client, Run run, Reject reject);

  // Refuses what is queued or parked, waits for running calls, joins the
  // threads. Idempotent.
  void Stop();

  int workers() const { return worker_count_; }

  struct Counts {
    uint64_t run = 0;
    uint64_t refused_client = 0;  // parked (over max_per_client) for max_wait
    uint64_t refused_queue = 0;   // over max_queued
    uint64_t refused_waited = 0;  // queued for max_wait
  };
  Counts counts() const;

 private:
  struct Call {
    Run run;
    Reject reject;
    absl::Time arrived;
  };
  struct Client {
    std::deque<Call> queue;   // waiting for a worker
    std::deque<Call> parked;  // waiting for the client's in_flight to drop
    size_t in_flight = 0;     // queued + running
  };

  void Work();
  void Reap();  // refuses parked calls past max_wait
  // Moves the client's parked calls into its queue while it is under its
  // limit.
  void Admit(const std::string& name, Client& c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Enqueue(const std::string& name, Client& c, Call call) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Counts a refusal; logs at most one summary line a minute.
  void NoteRefusal(uint64_t Counts::*which, const std::string& client)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string ClientLimitMessage(const std::string& client) const;

  const ProofSchedulerOptions options_;
  const int worker_count_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Client> clients_ ABSL_GUARDED_BY(mu_);
  // Clients with queued calls, in round-robin order; each at most once.
  std::deque<std::string> turn_ ABSL_GUARDED_BY(mu_);
  // Clients with parked calls.
  absl::flat_hash_set<std::string> parking_ ABSL_GUARDED_BY(mu_);
  size_t queued_ ABSL_GUARDED_BY(mu_) = 0;  // queued + parked
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  Counts counts_ ABSL_GUARDED_BY(mu_);
  Counts logged_ ABSL_GUARDED_BY(mu_);
  absl::Time last_log_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::vector<std::thread> threads_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_PROOF_SCHEDULER_H_
