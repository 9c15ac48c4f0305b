// Lookups served per second over gRPC on loopback, their latency, and the
// size of a Lookup answer.
//
//   bazel run -c opt //bench:update_bench -- --accounts=1000000   # makes the log
//   bazel run -c opt //bench:lookup_bench -- --accounts=1000000
//
// Starts the log server in-process on the database update_bench left in
// --dir (127.0.0.1, a port the OS picks) and drives it with the gRPC
// callback API, --concurrency calls in flight (each value in the list in
// turn), random existing accounts, for --seconds. Client and server share
// the machine's cores. --lookup_* set the server's lookup context flags.
//
// Sizes are ByteSizeLong() of the serialized LookupResponse with
// last_verified_size equal to the current size (no consistency proof, as the
// target is stated), for --size_samples random accounts; the first answers
// are also verified with //verifier, so the figures are for valid answers.
//
// The transport's ceiling, in the same process and run: a bare gRPC
// callback service whose one unary call (GetCheckpoint) returns a
// --ceiling_bytes message (the size of a lookup answer) and does nothing
// else, driven the same way at the same concurrency over loopback. Lookups/s
// as a fraction of it is the figure that means something on a shared,
// noisy machine. The CPU time each takes per call (server and client, the
// whole process) gives the same comparison by cost instead of rate. For
// each --concurrency the two are measured alternately, --rounds times each,
// and the medians reported.
//
// Memory: the process's resident set after the runs (server and client
// share the process; the client's part is a few MiB).
//
// --batch=N (N > 1): BatchLookup calls of N random accounts each
// (docs/PROTOCOL.md "Batch lookups": one log proof for the N answers)
// instead of Lookup calls; --concurrency then counts calls in flight, the
// rates count verified answers (calls x N), latency is per call, and the
// sampled batches are verified answer by answer as Lookup answers. The
// ceiling stays the bare single call (set --ceiling_bytes to the batch's
// answer size to compare like with like).
//
// --replica_dir: the same against a read replica (docs/REPLICAS.md) that
// replica_bench caught up from --dir's stores, instead of the log itself.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
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
#include "bench/bench_replica.h"
#include "bench/bench_util.h"
#include "bench/call_slot.h"
#include "core/protocol/batch_lookup.h"
#include "core/protocol/limits.h"
#include "core/util/logging.h"
#include "core/util/server_process.h"
#include "grpcpp/grpcpp.h"
#include "log_server/log_server.h"
#include "log_server/replica_server.h"
#include "proto/log_service.grpc.pb.h"
#include "verifier/log_trust.h"
#include "verifier/lookup.h"

ABSL_FLAG(std::string, dir, "/tmp/keytrail-bench", "directory update_bench filled");
ABSL_FLAG(int64_t, accounts, 1000000, "accounts in the log (user<i>@bench.example)");
ABSL_FLAG(std::vector<std::string>, concurrency, std::vector<std::string>({"64", "8"}),
          "calls in flight (one measurement each)");
ABSL_FLAG(int, seconds, 10, "how long to measure each round");
ABSL_FLAG(int, rounds, 1, "rounds of lookups and of the ceiling, alternating, per concurrency");
ABSL_FLAG(int, ceiling_bytes, 1600, "size of the ceiling call's answer");
ABSL_FLAG(int, lookup_map_strata, 4, "the server's --lookup_map_strata");
ABSL_FLAG(int64_t, lookup_consistency_proofs, 64, "the server's --lookup_consistency_proofs");
ABSL_FLAG(int64_t, lookup_iterators, 16, "the server's --lookup_iterators");
ABSL_FLAG(int, size_samples, 2000, "answers whose size is measured");
ABSL_FLAG(int, verify_samples, 200, "answers verified with //verifier");
ABSL_FLAG(int64_t, block_cache_mb, 1024, "the server's RocksDB block cache (its default)");
ABSL_FLAG(int64_t, warm_cache_mb, 1024, "the server's --warm_cache_mb (its default)");
ABSL_FLAG(bool, pin_index_and_filter_blocks, true, "the server's --pin_index_and_filter_blocks");
ABSL_FLAG(std::string, replica_dir, "",
          "measure a read replica instead: the data directory replica_bench caught up (it "
          "follows --dir's tiles/ and private/ with the key in <replica_dir>/replica.key)");
ABSL_FLAG(int, batch, 1,
          "accounts per call: 1 = Lookup; 2..128 = BatchLookup of that many random accounts, "
          "rates in verified answers per second");
ABSL_FLAG(bool, wait_warm, true,
          "measure once the server's start-up cache warm-up has ended (false: at once)");

namespace keytrail {
namespace {

using bench::Account;
using bench::CallSlot;
using bench::Median;
using bench::Percentile;
using bench::Range;
using bench::ResidentMiB;
using bench::StartCall;

struct Load {
  absl::Mutex mu;
  std::vector<double> latencies_us ABSL_GUARDED_BY(mu);
  int64_t errors ABSL_GUARDED_BY(mu) = 0;
  bench::SlotControl control;
};

// A Lookup of a random existing account per call.
StartCall LookupCall(v1::KeyTransparencyLog::Stub* stub, uint64_t seed, int64_t accounts) {
  struct State {
    std::mt19937_64 rng;
    v1::LookupRequest request;
    v1::LookupResponse response;
  };
  auto st = std::make_shared<State>();
  st->rng.seed(seed);
  return [stub, st, accounts](grpc::ClientContext* ctx, std::function<void(grpc::Status)> done) {
    st->request.set_account(Account(st->rng() % accounts));
    st->response.Clear();
    stub->async()->Lookup(ctx, &st->request, &st->response, std::move(done));
  };
}

// A BatchLookup of `batch` random existing accounts per call.
StartCall BatchLookupCall(v1::KeyTransparencyLog::Stub* stub, uint64_t seed, int64_t accounts,
                          int batch) {
  struct State {
    std::mt19937_64 rng;
    v1::BatchLookupRequest request;
    v1::BatchLookupResponse response;
  };
  auto st = std::make_shared<State>();
  st->rng.seed(seed);
  return [stub, st, accounts, batch](grpc::ClientContext* ctx,
                                     std::function<void(grpc::Status)> done) {
    st->request.clear_accounts();
    for (int i = 0; i < batch; ++i) st->request.add_accounts(Account(st->rng() % accounts));
    st->response.Clear();
    stub->async()->BatchLookup(ctx, &st->request, &st->response, std::move(done));
  };
}

// The ceiling's call: GetCheckpoint of the bare service below.
StartCall CeilingCall(v1::KeyTransparencyLog::Stub* stub) {
  struct State {
    v1::GetCheckpointRequest request;
    v1::GetCheckpointResponse response;
  };
  auto st = std::make_shared<State>();
  return [stub, st](grpc::ClientContext* ctx, std::function<void(grpc::Status)> done) {
    st->response.Clear();
    stub->async()->GetCheckpoint(ctx, &st->request, &st->response, std::move(done));
  };
}

// The transport alone: answers GetCheckpoint with a fixed message at once,
// on gRPC's callback API like the log server.
class CeilingService final : public v1::KeyTransparencyLog::CallbackService {
 public:
  explicit CeilingService(size_t bytes) : checkpoint_(bytes, 'c') {}
  grpc::ServerUnaryReactor* GetCheckpoint(grpc::CallbackServerContext* context,
                                          const v1::GetCheckpointRequest*,
                                          v1::GetCheckpointResponse* response) override {
    response->set_checkpoint(checkpoint_);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  const std::string checkpoint_;
};

// CPU seconds this process has used (user + system, all threads).
double ProcessCpuSeconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec +
         u.ru_stime.tv_usec / 1e6;
}

struct Measured {
  double per_second = 0;
  double cpu_seconds_per_10k = 0;  // server + client, during the measurement
  double p50_ms = 0, p99_ms = 0, p999_ms = 0;
  int64_t errors = 0;
};

const bench::Table kTable({52, 30});

void Row(const std::string& what, const std::string& figure) { kTable.Row({what, figure}); }

// Sizes of BatchLookup answers of `batch` random accounts (`samples`
// answers in all), the first `verify` batches verified answer by answer:
// the batch's log proof followed by answer i is account i's Lookup answer.
// False (and a line on stderr) when a call fails or an answer does not verify.
bool MeasureBatchSizes(v1::KeyTransparencyLog::Stub* stub, const verifier::LogTrust& trust,
                       const verifier::TrustedCheckpoint& last, int64_t accounts, int batch,
                       int samples, int verify) {
  std::mt19937_64 rng(7);
  double total = 0, log = 0, max_size = 0;
  const int calls = std::max(1, samples / batch);
  for (int c = 0; c < calls; ++c) {
    v1::BatchLookupRequest req;
    for (int i = 0; i < batch; ++i) req.add_accounts(Account(rng() % accounts));
    req.set_last_verified_size(last.size);
    v1::BatchLookupResponse resp;
    grpc::ClientContext ctx;
    grpc::Status s = stub->BatchLookup(&ctx, req, &resp);
    if (!s.ok() || resp.answers_size() != batch) {
      std::fprintf(stderr, "lookup_bench: BatchLookup: %s (%d answers of %d)\n",
                   s.error_message().c_str(), resp.answers_size(), batch);
      return false;
    }
    const std::string prefix = LookupAnswerPrefix(resp.log());
    for (int i = 0; c < verify && i < batch; ++i) {
      v1::LookupResponse one;
      if (!one.ParseFromString(prefix + resp.answers(i).SerializeAsString())) {
        std::fprintf(stderr, "lookup_bench: batch answer %d is no LookupResponse\n", i);
        return false;
      }
      auto v = verifier::VerifyLookup(trust, req.accounts(i), one, last, 0);
      if (!v.ok() || !v->current) {
        std::fprintf(stderr, "lookup_bench: batch answer for %s does not verify: %s\n",
                     req.accounts(i).c_str(),
                     v.ok() ? "absent" : std::string(v.status().message()).c_str());
        return false;
      }
    }
    const double size = static_cast<double>(resp.ByteSizeLong());
    total += size;
    max_size = std::max(max_size, size);
    log += resp.log().ByteSizeLong();
  }
  Row(absl::StrFormat("BatchLookup answer, %d of %d accounts (mean of %d)", batch, accounts, calls),
      absl::StrFormat("%.0f B (max %.0f B)", total / calls, max_size));
  Row("  per account", absl::StrFormat("%.0f B", total / calls / batch));
  Row("  of which the shared log proof", absl::StrFormat("%.0f B", log / calls));
  return true;
}

// `concurrency` slots of `make_call` for a second of warm-up and `seconds`
// of measurement.
Measured Drive(const std::function<StartCall(int)>& make_call, int concurrency, int seconds) {
  Load load;
  std::vector<std::unique_ptr<CallSlot>> slots;
  for (int i = 0; i < concurrency; ++i) {
    slots.push_back(std::make_unique<CallSlot>(
        make_call(i),
        [&load](const grpc::Status& s, absl::Duration latency) {
          absl::MutexLock lock(&load.mu);
          if (s.ok()) {
            load.latencies_us.push_back(absl::ToDoubleMicroseconds(latency));
          } else {
            ++load.errors;
          }
        },
        &load.control));
  }
  for (auto& s : slots) s->Start();
  absl::SleepFor(absl::Seconds(1));
  {
    absl::MutexLock lock(&load.mu);
    load.latencies_us.clear();
    load.errors = 0;
  }
  absl::Time start = absl::Now();
  const double cpu_start = ProcessCpuSeconds();
  absl::SleepFor(absl::Seconds(seconds));
  Measured m;
  std::vector<double> lat;
  double elapsed;
  {
    absl::MutexLock lock(&load.mu);
    elapsed = absl::ToDoubleSeconds(absl::Now() - start);
    lat = load.latencies_us;
    m.errors = load.errors;
  }
  load.control.StopAndWait();
  m.per_second = lat.size() / elapsed;
  if (!lat.empty()) m.cpu_seconds_per_10k = (ProcessCpuSeconds() - cpu_start) * 1e4 / lat.size();
  m.p50_ms = Percentile(lat, 0.50) / 1000;
  m.p99_ms = Percentile(lat, 0.99) / 1000;
  m.p999_ms = Percentile(lat, 0.999) / 1000;
  return m;
}

}  // namespace
}  // namespace keytrail

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  keytrail::ConfigureServerProcess();  // as the servers' mains
  using namespace keytrail;
  SetLogProgramName("lookup_bench");
  const std::string dir = absl::GetFlag(FLAGS_dir);
  const int64_t accounts = absl::GetFlag(FLAGS_accounts);

  // The server measured: the log itself, or a read replica of it.
  std::unique_ptr<LogServer> log_server;
  std::unique_ptr<ReplicaServer> replica_server;
  int port = 0;
  const std::string replica_dir = absl::GetFlag(FLAGS_replica_dir);
  if (!replica_dir.empty()) {
    ReplicaServerOptions r = bench::BenchReplicaOptions(dir, replica_dir);
    r.block_cache_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_block_cache_mb)) << 20;
    r.warm_cache_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_warm_cache_mb)) << 20;
    r.pin_index_and_filter_blocks = absl::GetFlag(FLAGS_pin_index_and_filter_blocks);
    r.lookup_context.map_strata = absl::GetFlag(FLAGS_lookup_map_strata);
    r.lookup_context.consistency_proofs =
        static_cast<size_t>(absl::GetFlag(FLAGS_lookup_consistency_proofs));
    r.lookup_context.leaf_iterators = static_cast<size_t>(absl::GetFlag(FLAGS_lookup_iterators));
    auto replica = ReplicaServer::Start(r);
    if (!replica.ok()) {
      std::fprintf(stderr, "lookup_bench: %s\n", std::string(replica.status().message()).c_str());
      return 1;
    }
    replica_server = *std::move(replica);
    port = replica_server->port();
    if (absl::GetFlag(FLAGS_wait_warm)) replica_server->WaitForWarmCache(absl::InfiniteDuration());
    // Serving once it has verified the store's checkpoint again.
    auto probe = v1::KeyTransparencyLog::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
    for (;;) {
      grpc::ClientContext ctx;
      v1::GetCheckpointResponse resp;
      if (probe->GetCheckpoint(&ctx, {}, &resp).ok()) break;
      absl::SleepFor(absl::Milliseconds(50));
    }
  }
  LogServerOptions o;
  o.listen_address = "127.0.0.1:0";
  o.data_dir = dir + "/data";
  o.note_key_file = dir + "/note.key";
  o.vrf_key_file = dir + "/vrf.key";
  o.sequencer.max_epoch_age = absl::Hours(1);  // keep the log still while measuring
  // Nor publish tiles meanwhile (a directory without them would get the
  // whole log written during the measurement).
  o.publish_tiles = false;
  o.block_cache_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_block_cache_mb)) << 20;
  o.warm_cache_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_warm_cache_mb)) << 20;
  o.pin_index_and_filter_blocks = absl::GetFlag(FLAGS_pin_index_and_filter_blocks);
  o.lookup_context.map_strata = absl::GetFlag(FLAGS_lookup_map_strata);
  o.lookup_context.consistency_proofs =
      static_cast<size_t>(absl::GetFlag(FLAGS_lookup_consistency_proofs));
  o.lookup_context.leaf_iterators = static_cast<size_t>(absl::GetFlag(FLAGS_lookup_iterators));
  if (replica_server == nullptr) {
    auto server = LogServer::Start(o);
    if (!server.ok()) {
      std::fprintf(stderr, "lookup_bench: %s\n", std::string(server.status().message()).c_str());
      return 1;
    }
    log_server = *std::move(server);
    port = log_server->port();
    if (absl::GetFlag(FLAGS_wait_warm)) {
      const absl::Time warm_start = absl::Now();
      log_server->WaitForWarmCache(absl::InfiniteDuration());
      std::fprintf(stderr, "lookup_bench: waited %.1f s for the cache warm-up\n",
                   absl::ToDoubleSeconds(absl::Now() - warm_start));
    }
  }
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
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

  kTable.Header({"what", "figure"});
  const int batch = absl::GetFlag(FLAGS_batch);
  if (batch < 1 || batch > static_cast<int>(kMaxBatchLookups)) {
    std::fprintf(stderr, "lookup_bench: --batch must be 1..%zu\n", kMaxBatchLookups);
    return 1;
  }
  if (batch > 1 &&
      !MeasureBatchSizes(stub.get(), trust, last, accounts, batch,
                         absl::GetFlag(FLAGS_size_samples), absl::GetFlag(FLAGS_verify_samples))) {
    return 1;
  }

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
                     req.account().c_str(),
                     v.ok() ? "absent" : std::string(v.status().message()).c_str());
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

  // The ceiling's server: same process, loopback, a port the OS picks.
  CeilingService ceiling(static_cast<size_t>(absl::GetFlag(FLAGS_ceiling_bytes)));
  int ceiling_port = 0;
  grpc::ServerBuilder ceiling_builder;
  ceiling_builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &ceiling_port);
  ceiling_builder.RegisterService(&ceiling);
  std::unique_ptr<grpc::Server> ceiling_server = ceiling_builder.BuildAndStart();
  if (ceiling_server == nullptr) return 1;
  auto ceiling_stub = v1::KeyTransparencyLog::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", ceiling_port), grpc::InsecureChannelCredentials()));

  // Throughput and latency, lookups and the ceiling alternately.
  const int seconds = absl::GetFlag(FLAGS_seconds);
  const int rounds = std::max(1, absl::GetFlag(FLAGS_rounds));
  for (const std::string& c : absl::GetFlag(FLAGS_concurrency)) {
    const int concurrency = std::atoi(c.c_str());
    if (concurrency < 1) return 1;
    std::vector<double> lookups, p50, p99, p999, ceilings, ceiling_p99, ratios, cpu, ceiling_cpu,
        cpu_ratios;
    int64_t errors = 0;
    for (int r = 0; r < rounds; ++r) {
      Measured m = Drive(
          [&](int i) {
            const uint64_t seed = 1000 + 100 * r + i;
            return batch == 1 ? LookupCall(stub.get(), seed, accounts)
                              : BatchLookupCall(stub.get(), seed, accounts, batch);
          },
          concurrency, seconds);
      // Rates and CPU per answer (a BatchLookup call holds `batch`).
      m.per_second *= batch;
      m.cpu_seconds_per_10k /= batch;
      Measured t =
          Drive([&](int) { return CeilingCall(ceiling_stub.get()); }, concurrency, seconds);
      lookups.push_back(m.per_second);
      cpu.push_back(m.cpu_seconds_per_10k);
      p50.push_back(m.p50_ms);
      p99.push_back(m.p99_ms);
      p999.push_back(m.p999_ms);
      ceilings.push_back(t.per_second);
      ceiling_p99.push_back(t.p99_ms);
      ratios.push_back(t.per_second > 0 ? m.per_second / t.per_second : 0);
      ceiling_cpu.push_back(t.cpu_seconds_per_10k);
      cpu_ratios.push_back(m.cpu_seconds_per_10k > 0 ? t.cpu_seconds_per_10k / m.cpu_seconds_per_10k
                                                     : 0);
      errors += m.errors + t.errors;
    }
    Row(batch == 1 ? absl::StrFormat("Lookups/s over gRPC, loopback, %d in flight", concurrency)
                   : absl::StrFormat("Answers/s, BatchLookup of %d, %d calls in flight", batch,
                                     concurrency),
        absl::StrFormat("%.0f /s%s (%d errors)", Median(lookups), Range(lookups, 0), errors));
    if (batch > 1) Row("  latency of a call (all its answers)", "");
    Row("  latency p50", absl::StrFormat("%.2f ms%s", Median(p50), Range(p50, 2)));
    Row("  latency p99", absl::StrFormat("%.2f ms%s", Median(p99), Range(p99, 2)));
    Row("  latency p99.9", absl::StrFormat("%.2f ms%s", Median(p999), Range(p999, 2)));
    Row(batch == 1 ? "  CPU seconds per 10^4 lookups (server + client)"
                   : "  CPU seconds per 10^4 answers (server + client)",
        absl::StrFormat("%.2f s%s", Median(cpu), Range(cpu, 2)));
    Row(absl::StrFormat("Ceiling: bare unary call, %d B answer, %d in flight",
                        absl::GetFlag(FLAGS_ceiling_bytes), concurrency),
        absl::StrFormat("%.0f /s%s, p99 %.2f ms", Median(ceilings), Range(ceilings, 0),
                        Median(ceiling_p99)));
    Row(batch == 1 ? "  lookups / ceiling" : "  answers/s / ceiling calls/s",
        absl::StrFormat("%.2f%s", Median(ratios), Range(ratios, 2)));
    // The same comparison by CPU time rather than by rate: less moved by
    // other processes taking the cores, which lower both rates at once
    // only if they take the same share during both phases.
    Row("  CPU seconds per 10^4 ceiling calls (server + client)",
        absl::StrFormat("%.2f s%s", Median(ceiling_cpu), Range(ceiling_cpu, 2)));
    Row(batch == 1 ? "  ceiling CPU / lookup CPU" : "  ceiling CPU per call / CPU per answer",
        absl::StrFormat("%.2f%s", Median(cpu_ratios), Range(cpu_ratios, 2)));
  }
  Row("Resident memory of the process (server + client)",
      absl::StrFormat("%.0f MiB", ResidentMiB()));
  ceiling_server->Shutdown();
  if (log_server != nullptr) log_server->Shutdown();
  if (replica_server != nullptr) replica_server->Shutdown();
  return 0;
}
