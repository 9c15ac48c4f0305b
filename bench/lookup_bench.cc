// Lookups served per second over gRPC on loopback, their latency, and the
// size of a Lookup answer.
//
//   bazel run -c opt //bench:update_bench -- --accounts=1000000   # makes the log
//   bazel run -c opt //bench:lookup_bench -- --accounts=1000000
//
// Starts the log server in-process on the database update_bench left in
// --dir (127.0.0.1, a port the OS picks) and drives it with the gRPC
// callback API, --concurrency calls in flight, random existing accounts,
// for --seconds. Client and server share the machine's cores.
//
// Sizes are ByteSizeLong() of the serialized LookupResponse with
// last_verified_size equal to the current size (no consistency proof, as the
// target is stated), for --size_samples random accounts; the first answers
// are also verified with //verifier, so the figures are for valid answers.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <random>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "core/util/logging.h"
#include "grpcpp/grpcpp.h"
#include "log_server/log_server.h"
#include "proto/log_service.grpc.pb.h"
#include "verifier/log_trust.h"
#include "verifier/lookup.h"

ABSL_FLAG(std::string, dir, "/tmp/keytrail-bench", "directory update_bench filled");
ABSL_FLAG(int64_t, accounts, 1000000, "accounts in the log (user<i>@bench.example)");
ABSL_FLAG(int, concurrency, 64, "calls in flight");
ABSL_FLAG(int, seconds, 10, "how long to measure");
ABSL_FLAG(int, size_samples, 2000, "answers whose size is measured");
ABSL_FLAG(int, verify_samples, 200, "answers verified with //verifier");
ABSL_FLAG(int64_t, block_cache_mb, 1024, "the server's RocksDB block cache (its default)");

namespace keytrail {
namespace {

std::string Account(uint64_t i) { return absl::StrCat("user", i, "@bench.example"); }

struct Load {
  absl::Mutex mu;
  std::vector<double> latencies_us ABSL_GUARDED_BY(mu);
  int64_t errors ABSL_GUARDED_BY(mu) = 0;
  std::atomic<bool> stop{false};
  std::atomic<int> running{0};
};

// One slot keeps one call in flight, starting the next when one finishes.
class Slot {
 public:
  Slot(v1::KeyTransparencyLog::Stub* stub, Load* load, uint64_t seed, int64_t accounts)
      : stub_(stub), load_(load), rng_(seed), accounts_(accounts) {}
  void Start() {
    ++load_->running;
    Next();
  }

 private:
  void Next() {
    if (load_->stop.load()) {
      --load_->running;
      return;
    }
    ctx_ = std::make_unique<grpc::ClientContext>();
    request_.set_account(Account(rng_() % accounts_));
    response_.Clear();
    start_ = absl::Now();
    stub_->async()->Lookup(ctx_.get(), &request_, &response_, [this](grpc::Status s) {
      double us = absl::ToDoubleMicroseconds(absl::Now() - start_);
      {
        absl::MutexLock lock(&load_->mu);
        if (s.ok()) {
          load_->latencies_us.push_back(us);
        } else {
          ++load_->errors;
        }
      }
      Next();
    });
  }

  v1::KeyTransparencyLog::Stub* stub_;
  Load* load_;
  std::mt19937_64 rng_;
  int64_t accounts_;
  std::unique_ptr<grpc::ClientContext> ctx_;
  v1::LookupRequest request_;
  v1::LookupResponse response_;
  absl::Time start_;
};

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t k = static_cast<size_t>(p * (v.size() - 1));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

void Row(const std::string& what, const std::string& figure) {
  std::printf("| %-52s | %-30s |\n", what.c_str(), figure.c_str());
  std::fflush(stdout);
}

}  // namespace
}  // namespace keytrail

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using namespace keytrail;
  SetLogProgramName("lookup_bench");
  const std::string dir = absl::GetFlag(FLAGS_dir);
  const int64_t accounts = absl::GetFlag(FLAGS_accounts);

  LogServerOptions o;
  o.listen_address = "127.0.0.1:0";
  o.data_dir = dir + "/data";
  o.note_key_file = dir + "/note.key";
  o.vrf_key_file = dir + "/vrf.key";
  o.sequencer.max_epoch_age = absl::Hours(1);  // keep the log still while measuring
  o.block_cache_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_block_cache_mb)) << 20;
  auto server = LogServer::Start(o);
  if (!server.ok()) {
    std::fprintf(stderr, "lookup_bench: %s\n", std::string(server.status().message()).c_str());
    return 1;
  }
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::KeyTransparencyLog::NewStub(channel);

  grpc::ClientContext info_ctx;
  v1::GetLogInfoResponse info;
  if (!stub->GetLogInfo(&info_ctx, {}, &info).ok()) return 1;
  auto trust = verifier::LogTrust::FromLogInfo(info).value();
  grpc::ClientContext cp_ctx;
  v1::GetCheckpointResponse cp;
  if (!stub->GetCheckpoint(&cp_ctx, {}, &cp).ok()) return 1;
  // The client's last verified checkpoint: the current one.
  verifier::TrustedCheckpoint last;
  {
    v1::LookupRequest req;
    req.set_account(Account(0));
    v1::LookupResponse resp;
    grpc::ClientContext ctx;
    if (!stub->Lookup(&ctx, req, &resp).ok()) return 1;
    auto v = verifier::VerifyLookup(trust, req.account(), resp, {}, 0);
    if (!v.ok()) {
      std::fprintf(stderr, "lookup_bench: answer does not verify: %s\n",
                   std::string(v.status().message()).c_str());
      return 1;
    }
    last = v->log.trusted();
  }

  std::printf("| %-52s | %-30s |\n", "what", "figure");
  std::printf("|------------------------------------------------------|--------------------------------|\n");

  // Answer sizes (and verification of a sample).
  std::mt19937_64 rng(7);
  std::vector<double> sizes;
  double vrf = 0, map = 0, log = 0, current = 0, max_size = 0;
  const int samples = absl::GetFlag(FLAGS_size_samples);
  for (int i = 0; i < samples; ++i) {
    v1::LookupRequest req;
    req.set_account(Account(rng() % accounts));
    req.set_last_verified_size(last.size);
    v1::LookupResponse resp;
    grpc::ClientContext ctx;
    grpc::Status s = stub->Lookup(&ctx, req, &resp);
    if (!s.ok()) {
      std::fprintf(stderr, "lookup_bench: %s\n", s.error_message().c_str());
      return 1;
    }
    if (i < absl::GetFlag(FLAGS_verify_samples)) {
      auto v = verifier::VerifyLookup(trust, req.account(), resp, last, 0);
      if (!v.ok() || !v->current) {
        std::fprintf(stderr, "lookup_bench: answer for %s does not verify: %s\n",
                     req.account().c_str(), v.ok() ? "absent" : std::string(v.status().message()).c_str());
        return 1;
      }
    }
    double size = static_cast<double>(resp.ByteSizeLong());
    sizes.push_back(size);
    max_size = std::max(max_size, size);
    vrf += resp.vrf_proof().size();
    map += resp.map_proof().size();
    log += resp.log().ByteSizeLong();
    current += resp.current().ByteSizeLong() + resp.previous_head().size();
  }
  double mean = 0;
  for (double s : sizes) mean += s;
  mean /= samples;
  Row(absl::StrFormat("Lookup answer, %d accounts (mean of %d)", accounts, samples),
      absl::StrFormat("%.0f B (max %.0f B)", mean, max_size));
  Row("  of which log proof (checkpoint, epoch entry, inclusion)",
      absl::StrFormat("%.0f B", log / samples));
  Row("  of which map proof", absl::StrFormat("%.0f B", map / samples));
  Row("  of which VRF proof", absl::StrFormat("%.0f B", vrf / samples));
  Row("  of which key set, opening, version, previous head",
      absl::StrFormat("%.0f B", current / samples));
  {
    v1::LookupRequest req;
    req.set_account("nobody@bench.example");
    req.set_last_verified_size(last.size);
    v1::LookupResponse resp;
    grpc::ClientContext ctx;
    if (stub->Lookup(&ctx, req, &resp).ok()) {
      Row("Lookup answer for an absent account", absl::StrFormat("%d B", resp.ByteSizeLong()));
    }
  }

  // Throughput and latency.
  Load load;
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  std::vector<std::unique_ptr<Slot>> slots;
  for (int i = 0; i < concurrency; ++i) {
    slots.push_back(std::make_unique<Slot>(stub.get(), &load, 1000 + i, accounts));
  }
  // Warm up for a second, then measure.
  for (auto& s : slots) s->Start();
  absl::SleepFor(absl::Seconds(1));
  {
    absl::MutexLock lock(&load.mu);
    load.latencies_us.clear();
    load.errors = 0;
  }
  absl::Time start = absl::Now();
  absl::SleepFor(absl::Seconds(absl::GetFlag(FLAGS_seconds)));
  double elapsed;
  std::vector<double> lat;
  int64_t errors;
  {
    absl::MutexLock lock(&load.mu);
    elapsed = absl::ToDoubleSeconds(absl::Now() - start);
    lat = load.latencies_us;
    errors = load.errors;
  }
  load.stop.store(true);
  while (load.running.load() > 0) absl::SleepFor(absl::Milliseconds(10));

  Row(absl::StrFormat("Lookups/s over gRPC, loopback, %d in flight", concurrency),
      absl::StrFormat("%.0f /s (%d errors)", lat.size() / elapsed, errors));
  Row("  latency p50", absl::StrFormat("%.2f ms", Percentile(lat, 0.50) / 1000));
  Row("  latency p99", absl::StrFormat("%.2f ms", Percentile(lat, 0.99) / 1000));
  Row("  latency p99.9", absl::StrFormat("%.2f ms", Percentile(lat, 0.999) / 1000));
  (*server)->Shutdown();
  return 0;
}
