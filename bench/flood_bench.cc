// Ordinary lookups' latency while another client floods the log server with
// lookups of absent accounts (each needs a VRF proof, ~3x an ordinary
// lookup's work): issue 9's weak spot.
//
//   bazel build -c opt //bench:update_bench //bench:flood_bench
//   bazel-bin/bench/update_bench --accounts=1000000 --updates=10000 --dir=/tmp/kt-flood-1m
//   bazel-bin/bench/flood_bench --dir=/tmp/kt-flood-1m --limits=false   # before
//   bazel-bin/bench/flood_bench --dir=/tmp/kt-flood-1m --limits=true    # after
//
// Starts the log server in-process on the database update_bench left in
// --dir (127.0.0.1, a port the OS picks). One channel (its own TCP
// connection) keeps --concurrency ordinary lookups of random existing
// accounts in flight; for --seconds it measures them alone, then for
// --seconds again while a forked child process (another client, with its
// own gRPC threads) keeps --flood lookups of never repeated absent accounts
// in flight on its own connection, each reissued as soon as it is answered
// (refusals included, as a flooder would). --limits=false runs the
// server as it was before issue 9 (no scheduler, no proof cache); true with
// the server's defaults. Client and server share the machine's cores.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "bench/call_slot.h"
#include "core/util/logging.h"
#include "core/util/server_process.h"
#include "grpcpp/grpcpp.h"
#include "log_server/log_server.h"
#include "proto/log_service.grpc.pb.h"

ABSL_FLAG(std::string, dir, "/tmp/keytrail-bench", "directory update_bench filled");
ABSL_FLAG(int64_t, accounts, 1000000, "accounts in the log (user<i>@bench.example)");
ABSL_FLAG(int, concurrency, 16, "ordinary lookups in flight");
ABSL_FLAG(int, flood, 300, "absent-account lookups in flight during the flood");
ABSL_FLAG(int, seconds, 10, "how long to measure each phase");
ABSL_FLAG(bool, limits, true,
          "the server's absent-account read limits and proof cache (false: as before issue 9)");
ABSL_FLAG(int, vrf_workers, 0, "the server's --vrf_workers (0: its default)");
ABSL_FLAG(int64_t, block_cache_mb, 1024, "the server's RocksDB block cache (its default)");
ABSL_FLAG(int64_t, warm_cache_mb, 1024, "the server's --warm_cache_mb (0: none, as before)");
ABSL_FLAG(bool, pin_index_and_filter_blocks, true,
          "the server's --pin_index_and_filter_blocks (false: as before it existed)");
ABSL_FLAG(bool, wait_warm, true, "measure once the server's cache warm-up has ended");

namespace keytrail {
namespace {

using bench::CallSlot;
using bench::Percentile;

struct Tally {
  absl::Mutex mu;
  std::vector<double> latencies_us ABSL_GUARDED_BY(mu);  // of OK answers
  std::map<grpc::StatusCode, int64_t> codes ABSL_GUARDED_BY(mu);
  bench::SlotControl control;

  void Reset() {
    absl::MutexLock lock(&mu);
    latencies_us.clear();
    codes.clear();
  }
};

// A slot of Lookups of `account()` each, counted in `tally`.
std::unique_ptr<CallSlot> LookupSlot(v1::KeyTransparencyLog::Stub* stub, Tally* tally,
                                     std::function<std::string()> account) {
  struct State {
    v1::LookupRequest request;
    v1::LookupResponse response;
  };
  auto st = std::make_shared<State>();
  return std::make_unique<CallSlot>(
      [stub, st, account = std::move(account)](grpc::ClientContext* ctx,
                                               std::function<void(grpc::Status)> done) {
        st->request.set_account(account());
        st->response.Clear();
        stub->async()->Lookup(ctx, &st->request, &st->response, std::move(done));
      },
      [tally](const grpc::Status& s, absl::Duration latency) {
        absl::MutexLock lock(&tally->mu);
        ++tally->codes[s.error_code()];
        if (s.ok()) tally->latencies_us.push_back(absl::ToDoubleMicroseconds(latency));
      },
      &tally->control);
}

std::unique_ptr<v1::KeyTransparencyLog::Stub> OwnConnection(int port) {
  grpc::ChannelArguments args;
  args.SetInt("grpc.use_local_subchannel_pool", 1);  // never share a connection
  return v1::KeyTransparencyLog::NewStub(grpc::CreateCustomChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials(), args));
}

void Row(const std::string& what, const std::string& figure) {
  static const bench::Table table({58, 44});
  table.Row({what, figure});
}

std::string Codes(const std::map<grpc::StatusCode, int64_t>& codes, double seconds) {
  std::string out;
  for (const auto& [code, n] : codes) {
    absl::StrAppend(&out, out.empty() ? "" : ", ",
                    code == grpc::StatusCode::OK ? std::string("ok")
                    : code == grpc::StatusCode::RESOURCE_EXHAUSTED
                        ? std::string("refused")
                        : absl::StrCat("code ", static_cast<int>(code)),
                    absl::StrFormat(" %.0f/s", n / seconds));
  }
  return out.empty() ? "none" : out;
}

bool WriteAll(int fd, const std::string& s) {
  return ::write(fd, s.data(), s.size()) == static_cast<ssize_t>(s.size());
}

// The flooding client, in its own process: waits for the port, keeps
// --flood calls in flight, zeroes its counts at 'r' and at 's' stops and
// writes them ("<code> <count>" lines, then "end").
int RunFlooder(int commands, int report) {
  char buf[16] = {};
  if (::read(commands, buf, sizeof(buf) - 1) <= 0) return 1;
  const int port = std::atoi(buf);
  auto stub = OwnConnection(port);
  Tally flood;
  std::vector<std::unique_ptr<CallSlot>> slots;
  auto counter = std::make_shared<std::atomic<uint64_t>>(0);
  for (int i = 0; i < absl::GetFlag(FLAGS_flood); ++i) {
    slots.push_back(LookupSlot(stub.get(), &flood, [counter] {
      return absl::StrCat("absent-", counter->fetch_add(1), "@bench.example");
    }));
  }
  for (auto& s : slots) s->Start();
  char c = 0;
  while (::read(commands, &c, 1) == 1) {
    if (c == 'r') flood.Reset();
    if (c == 's') break;
  }
  std::string out;
  {
    absl::MutexLock lock(&flood.mu);
    for (const auto& [code, n] : flood.codes) {
      absl::StrAppend(&out, static_cast<int>(code), " ", n, "\n");
    }
  }
  absl::StrAppend(&out, "end\n");
  WriteAll(report, out);
  flood.control.StopAndWait();
  return 0;
}

std::map<grpc::StatusCode, int64_t> ReadReport(int fd) {
  std::string text;
  char buf[256];
  while (text.find("end\n") == std::string::npos) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  std::map<grpc::StatusCode, int64_t> codes;
  int code = 0;
  long long count = 0;
  for (const char* p = text.c_str(); std::sscanf(p, "%d %lld", &code, &count) == 2;) {
    codes[static_cast<grpc::StatusCode>(code)] = count;
    p = std::strchr(p, '\n');
    if (p == nullptr) break;
    ++p;
  }
  return codes;
}

// Measures `ordinary` (and the flooder, when `flood_commands` >= 0) for
// `seconds` after a second's warm-up and prints the rows.
void Measure(const std::string& phase, Tally* ordinary, int flood_commands, int flood_report,
             int seconds) {
  absl::SleepFor(absl::Seconds(1));
  ordinary->Reset();
  if (flood_commands >= 0) WriteAll(flood_commands, "r");
  const absl::Time start = absl::Now();
  absl::SleepFor(absl::Seconds(seconds));
  std::vector<double> lat;
  std::map<grpc::StatusCode, int64_t> codes;
  const double elapsed = absl::ToDoubleSeconds(absl::Now() - start);
  {
    absl::MutexLock lock(&ordinary->mu);
    lat = ordinary->latencies_us;
    codes = ordinary->codes;
  }
  if (flood_commands >= 0) WriteAll(flood_commands, "s");
  Row(absl::StrCat(phase, ": ordinary lookups"), Codes(codes, elapsed));
  Row("  p50 / p99 / p99.9",
      absl::StrFormat("%.2f / %.2f / %.2f ms", Percentile(lat, 0.50) / 1000,
                      Percentile(lat, 0.99) / 1000, Percentile(lat, 0.999) / 1000));
  if (flood_commands >= 0) {
    Row("  absent-account flood answers (other process)", Codes(ReadReport(flood_report), elapsed));
  }
}

}  // namespace
}  // namespace keytrail

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  keytrail::ConfigureServerProcess();  // as the servers' mains
  using namespace keytrail;
  SetLogProgramName("flood_bench");
  // The flooder is forked before this process starts any thread (gRPC's
  // included), so it is a clean client of its own.
  int commands[2], report[2];
  if (::pipe(commands) != 0 || ::pipe(report) != 0) return 1;
  const pid_t flooder = ::fork();
  if (flooder < 0) return 1;
  if (flooder == 0) {
    ::close(commands[1]);
    ::close(report[0]);
    ::_exit(RunFlooder(commands[0], report[1]));
  }
  ::close(commands[0]);
  ::close(report[1]);
  const std::string dir = absl::GetFlag(FLAGS_dir);
  const int64_t accounts = absl::GetFlag(FLAGS_accounts);
  const int seconds = absl::GetFlag(FLAGS_seconds);

  LogServerOptions o;
  o.listen_address = "127.0.0.1:0";
  o.data_dir = dir + "/data";
  o.note_key_file = dir + "/note.key";
  o.vrf_key_file = dir + "/vrf.key";
  o.sequencer.max_epoch_age = absl::Hours(1);  // keep the log still while measuring
  o.block_cache_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_block_cache_mb)) << 20;
  o.warm_cache_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_warm_cache_mb)) << 20;
  o.pin_index_and_filter_blocks = absl::GetFlag(FLAGS_pin_index_and_filter_blocks);
  o.limit_vrf_proofs = absl::GetFlag(FLAGS_limits);
  if (!o.limit_vrf_proofs) o.vrf_proof_cache_entries = 0;
  o.vrf_proofs.workers = absl::GetFlag(FLAGS_vrf_workers);
  auto server = LogServer::Start(o);
  if (!server.ok()) {
    std::fprintf(stderr, "flood_bench: %s\n", std::string(server.status().message()).c_str());
    ::kill(flooder, SIGKILL);
    return 1;
  }
  if (absl::GetFlag(FLAGS_wait_warm)) (*server)->WaitForWarmCache(absl::InfiniteDuration());
  const int port = (*server)->port();
  auto ordinary_stub = OwnConnection(port);
  {
    // The accounts are there (a stored account answers with a version).
    grpc::ClientContext ctx;
    v1::LookupRequest req;
    req.set_account(bench::Account(accounts - 1));
    v1::LookupResponse resp;
    grpc::Status s = ordinary_stub->Lookup(&ctx, req, &resp);
    if (!s.ok() || !resp.has_current()) {
      std::fprintf(stderr, "flood_bench: %s is not in the log in %s\n", req.account().c_str(),
                   dir.c_str());
      return 1;
    }
  }

  std::printf("limits %s, %d ordinary lookups in flight, flood of %d, %d s per phase\n\n",
              o.limit_vrf_proofs ? "on (server defaults)" : "off (as before issue 9)",
              absl::GetFlag(FLAGS_concurrency), absl::GetFlag(FLAGS_flood), seconds);
  bench::Table({58, 44}).Header({"what", "figure"});

  Tally ordinary;
  std::vector<std::unique_ptr<CallSlot>> slots;
  for (int i = 0; i < absl::GetFlag(FLAGS_concurrency); ++i) {
    auto rng = std::make_shared<std::mt19937_64>(1000 + i);
    slots.push_back(LookupSlot(ordinary_stub.get(), &ordinary,
                               [rng, accounts] { return bench::Account((*rng)() % accounts); }));
  }
  for (auto& s : slots) s->Start();
  Measure("unloaded", &ordinary, -1, -1, seconds);

  WriteAll(commands[1], absl::StrCat(port));
  Measure(absl::StrFormat("flood of %d", absl::GetFlag(FLAGS_flood)), &ordinary, commands[1],
          report[0], seconds);
  int status = 0;
  ::waitpid(flooder, &status, 0);

  ordinary.control.StopAndWait();
  (*server)->Shutdown();
  return 0;
}
