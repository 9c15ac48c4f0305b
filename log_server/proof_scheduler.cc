#include "log_server/proof_scheduler.h"

#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

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
  if (colon <= 4) return std::string(peer);  // "ipv4:" alone
  const absl::string_view host = peer.substr(0, colon);
  // An IPv6 address is bracketed before its port ("[::1]", or "%5B::1%5D"
  // percent-encoded by newer gRPC); without the brackets there is no port.
  if (absl::StartsWith(peer, "ipv6:") && !absl::EndsWith(host, "]") &&
      !absl::EndsWithIgnoreCase(host, "%5D")) {
    return std::string(peer);
  }
  return std::string(host);
}

namespace {

int WorkerCount(int asked) {
  if (asked > 0) return asked;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / 2);
}

// How often parked calls are checked for having waited too long.
constexpr absl::Duration kReapEvery = absl::Milliseconds(20);

}  // namespace

ProofScheduler::ProofScheduler(const ProofSchedulerOptions& options)
    : options_(options), worker_count_(WorkerCount(options.workers)) {
  for (int i = 0; i < worker_count_; ++i) threads_.emplace_back([this] { Work(); });
  threads_.emplace_back([this] { Reap(); });
}

ProofScheduler::~ProofScheduler() { Stop(); }

std::string ProofScheduler::ClientLimitMessage(const std::string& client) const {
  return absl::StrCat("client ", client, " had ", options_.max_per_client,
                      " lookups of absent accounts queued or running "
                      "(--max_vrf_proofs_per_client=",
                      options_.max_per_client,
                      ") for all of --vrf_max_wait=", absl::FormatDuration(options_.max_wait),
                      "; retry later");
}

void ProofScheduler::Enqueue(const std::string& name, Client& c, Call call) {
  if (c.queue.empty()) turn_.push_back(name);
  c.queue.push_back(std::move(call));
  ++c.in_flight;
}

void ProofScheduler::Admit(const std::string& name, Client& c) {
  while (!c.parked.empty() &&
         (options_.max_per_client == 0 || c.in_flight < options_.max_per_client)) {
    Call call = std::move(c.parked.front());
    c.parked.pop_front();
    Enqueue(name, c, std::move(call));
  }
  if (c.parked.empty()) parking_.erase(name);
}

void ProofScheduler::Submit(const std::string& client, Run run, Reject reject) {
  absl::Status refusal;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      refusal = absl::UnavailableError("the log server is shutting down");
    } else if (queued_ >= options_.max_queued) {
      NoteRefusal(&Counts::refused_queue, client);
      refusal = absl::ResourceExhaustedError(absl::StrCat(
          options_.max_queued, " lookups of absent accounts are already waiting (--max_vrf_queue=",
          options_.max_queued, "); retry later"));
    } else {
      Client& c = clients_[client];
      Call call{std::move(run), std::move(reject), absl::Now()};
      ++queued_;
      if (options_.max_per_client > 0 && c.in_flight >= options_.max_per_client) {
        c.parked.push_back(std::move(call));
        parking_.insert(client);
      } else {
        Enqueue(client, c, std::move(call));
      }
      return;
    }
  }
  reject(refusal);
}

void ProofScheduler::Work() {
  if (options_.worker_nice != 0) {
    // Linux applies a nice value to the one thread named by its id.
    const int tid = static_cast<int>(::syscall(SYS_gettid));
    errno = 0;
    const int now = ::getpriority(PRIO_PROCESS, tid);
    if (errno == 0) ::setpriority(PRIO_PROCESS, tid, now + options_.worker_nice);
  }
  for (;;) {
    Call call;
    std::string client;
    bool expired = false;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](ProofScheduler* s)
               ABSL_NO_THREAD_SAFETY_ANALYSIS { return s->stopping_ || !s->turn_.empty(); },
          this));
      if (turn_.empty()) return;  // stopping; Stop() refuses what was queued
      client = std::move(turn_.front());
      turn_.pop_front();
      Client& c = clients_[client];
      call = std::move(c.queue.front());
      c.queue.pop_front();
      --queued_;
      if (!c.queue.empty()) turn_.push_back(client);  // its next call waits a turn
      expired = absl::Now() - call.arrived > options_.max_wait;
      if (expired) {
        NoteRefusal(&Counts::refused_waited, client);
      } else {
        ++counts_.run;
      }
    }
    if (expired) {
      call.reject(absl::ResourceExhaustedError(
          absl::StrCat("waited --vrf_max_wait=", absl::FormatDuration(options_.max_wait),
                       " for one of the ", worker_count_,
                       " VRF workers (--vrf_workers), busy with other lookups of absent accounts; "
                       "retry later")));
    } else {
      call.run();
    }
    call = Call{};  // drop the callbacks (and what they hold) outside the lock
    absl::MutexLock lock(&mu_);
    auto it = clients_.find(client);
    --it->second.in_flight;
    if (!stopping_) Admit(client, it->second);
    if (it->second.in_flight == 0 && it->second.parked.empty()) clients_.erase(it);
  }
}

void ProofScheduler::Reap() {
  for (;;) {
    std::vector<std::pair<std::string, Call>> refused;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), kReapEvery);
      if (stopping_) return;
      const absl::Time now = absl::Now();
      for (auto it = parking_.begin(); it != parking_.end();) {
        const std::string& name = *it;
        auto client = clients_.find(name);
        std::deque<Call>& parked = client->second.parked;
        while (!parked.empty() && now - parked.front().arrived > options_.max_wait) {
          refused.emplace_back(name, std::move(parked.front()));
          parked.pop_front();
          --queued_;
          NoteRefusal(&Counts::refused_client, name);
        }
        if (parked.empty()) {
          if (client->second.in_flight == 0) clients_.erase(client);
          parking_.erase(it++);
        } else {
          ++it;
        }
      }
    }
    for (auto& [name, call] : refused) {
      call.reject(absl::ResourceExhaustedError(ClientLimitMessage(name)));
    }
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
      for (Call& call : c.parked) refused.push_back(std::move(call));
      c.queue.clear();
      c.parked.clear();
      if (c.in_flight == 0) {
        clients_.erase(it++);
      } else {
        ++it;
      }
    }
    turn_.clear();
    parking_.clear();
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
