#include "log_server/proof_scheduler.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/util/logging.h"

namespace keytrail {

std::string ClientOfPeer(absl::string_view peer) {
  if (!absl::StartsWith(peer, "ipv4:") && !absl::StartsWith(peer, "ipv6:")) {
    return std::string(peer);
  }
  const size_t colon = peer.rfind(':');
  // "ipv4:" alone or an IPv6 address without a port: keep it whole.
  if (colon <= 4 || (absl::StartsWith(peer, "ipv6:") && peer[colon - 1] != ']')) {
    return std::string(peer);
  }
  return std::string(peer.substr(0, colon));
}

namespace {

int WorkerCount(int asked) {
  if (asked > 0) return asked;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / 2);
}

}  // namespace

ProofScheduler::ProofScheduler(const ProofSchedulerOptions& options)
    : options_(options), worker_count_(WorkerCount(options.workers)) {
  for (int i = 0; i < worker_count_; ++i) threads_.emplace_back([this] { Work(); });
}

ProofScheduler::~ProofScheduler() { Stop(); }

void ProofScheduler::Submit(const std::string& client, Run run, Reject reject) {
  absl::Status refusal;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      refusal = absl::UnavailableError("the log server is shutting down");
    } else if (options_.max_per_client > 0 && clients_.contains(client) &&
               clients_[client].in_flight >= options_.max_per_client) {
      NoteRefusal(&Counts::refused_client, client);
      refusal = absl::ResourceExhaustedError(absl::StrCat(
          "client ", client, " already has ", options_.max_per_client,
          " lookups of absent accounts queued or running (--max_vrf_proofs_per_client=",
          options_.max_per_client, "); retry later"));
    } else if (queued_ >= options_.max_queued) {
      NoteRefusal(&Counts::refused_queue, client);
      refusal = absl::ResourceExhaustedError(absl::StrCat(
          options_.max_queued, " lookups of absent accounts are already queued (--max_vrf_queue=",
          options_.max_queued, "); retry later"));
    } else {
      Client& c = clients_[client];
      if (c.queue.empty()) turn_.push_back(client);
      c.queue.push_back(Call{std::move(run), std::move(reject), absl::Now()});
      ++c.in_flight;
      ++queued_;
      return;
    }
  }
  reject(refusal);
}

void ProofScheduler::Work() {
  for (;;) {
    Call call;
    std::string client;
    bool expired = false;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](ProofScheduler* s) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return s->stopping_ || !s->turn_.empty();
          },
          this));
      if (turn_.empty()) return;  // stopping; Stop() refuses what was queued
      client = std::move(turn_.front());
      turn_.pop_front();
      Client& c = clients_[client];
      call = std::move(c.queue.front());
      c.queue.pop_front();
      --queued_;
      if (!c.queue.empty()) turn_.push_back(client);  // its next call waits a turn
      expired = absl::Now() - call.queued_at > options_.max_wait;
      if (expired) {
        NoteRefusal(&Counts::refused_waited, client);
      } else {
        ++counts_.run;
      }
    }
    if (expired) {
      call.reject(absl::ResourceExhaustedError(absl::StrCat(
          "waited ", absl::FormatDuration(options_.max_wait), " (--vrf_max_wait) for one of the ",
          worker_count_,
          " VRF workers (--vrf_workers), busy with other lookups of absent accounts; "
          "retry later")));
    } else {
      call.run();
    }
    call = Call{};  // drop the callbacks (and what they hold) outside the lock
    absl::MutexLock lock(&mu_);
    auto it = clients_.find(client);
    if (--it->second.in_flight == 0) clients_.erase(it);
  }
}

void ProofScheduler::Stop() {
  std::vector<Call> refused;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (auto it = clients_.begin(); it != clients_.end();) {
      Client& c = it->second;
      c.in_flight -= c.queue.size();
      for (Call& call : c.queue) refused.push_back(std::move(call));
      c.queue.clear();
      if (c.in_flight == 0) {
        clients_.erase(it++);
      } else {
        ++it;
      }
    }
    turn_.clear();
    queued_ = 0;
  }
  for (Call& call : refused) call.reject(absl::UnavailableError("the log server is shutting down"));
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

ProofScheduler::Counts ProofScheduler::counts() const {
  absl::MutexLock lock(&mu_);
  return counts_;
}

void ProofScheduler::NoteRefusal(uint64_t Counts::*which, const std::string& client) {
  ++(counts_.*which);
  const absl::Time now = absl::Now();
  if (now - last_log_ < absl::Minutes(1)) return;
  LogWarning(
      "read limits: refused %d lookups of absent accounts since the last such line "
      "(%d over --max_vrf_proofs_per_client, %d over --max_vrf_queue, %d waited "
      "--vrf_max_wait); the latest from %s",
      counts_.refused_client + counts_.refused_queue + counts_.refused_waited -
          (logged_.refused_client + logged_.refused_queue + logged_.refused_waited),
      counts_.refused_client - logged_.refused_client,
      counts_.refused_queue - logged_.refused_queue,
      counts_.refused_waited - logged_.refused_waited, client);
  logged_ = counts_;
  last_log_ = now;
}

}  // namespace keytrail
