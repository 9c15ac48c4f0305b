// add-checkpoint latency with the log pushing: the time from the POST of a
// new epoch's checkpoint to the monitor's 200, against the real binaries.
//
//   bazel run -c opt //bench:witness_push_bench -- --epochs=300 --updates_per_epoch=100
//
// It starts the real log_server (--epoch_interval=0s: each BatchUpdate of
// this single writer is committed as one epoch before it is acknowledged)
// and the real monitor binary (following that log over gRPC, its witness on
// a loopback HTTP port). Then, per epoch: one BatchUpdate of
// --updates_per_epoch updates over --accounts accounts; once it is
// acknowledged (durable), the newest checkpoint is pushed with the log
// server's own push code (log_server/witness_client: keep-alive HTTP,
// consistency proof from the size the witness holds, 409 resync), exactly
// what the log server does after each commit. The proof is fetched from the
// log before the clock starts (the log server reads it from its own tiles).
//
// What one push measures: the monitor's whole path to a cosignature: the
// follower is woken by the push (CheckAudited), fetches the new checkpoint
// and entries from the log, replays and checks the epoch, commits it (one
// synced batch), then the witness checks the proof, writes its state
// (synced compare-and-set) and signs. The monitor's own poll
// (--poll_interval_ms, default 1000 as in the configuration's default) is
// slower than the pushes, so nearly every push finds the epoch unaudited.
//
// Prints p50/p90/p99/max of --epochs pushes after --warmup unmeasured ones.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "core/merkle/hash_list.h"
#include "core/note/checkpoint.h"
#include "core/note/cosignature.h"
#include "core/note/note.h"
#include "core/util/server_process.h"
#include "log_server/witness_client.h"
#include "proto/log_service.grpc.pb.h"
#include "testing/log_server_harness.h"
#include "testing/process.h"

ABSL_FLAG(int, epochs, 300, "measured pushes (one per epoch)");
ABSL_FLAG(int, warmup, 20, "pushes before measuring");
ABSL_FLAG(int, updates_per_epoch, 100, "updates in each epoch");
ABSL_FLAG(int, accounts, 10000, "distinct accounts the updates go to");
ABSL_FLAG(int, poll_interval_ms, 1000, "the monitor's poll_interval_ms for the log");

namespace keytrail {
namespace {

using bench::Percentile;
using keytrail::test::ChildProcess;
using keytrail::test::LogServerHarness;

int Fail(const std::string& why) {
  std::fprintf(stderr, "witness_push_bench: %s\n", why.c_str());
  return 1;
}

uint64_t SizeOf(const std::string& checkpoint_note) {
  auto n = note::ParseNote(checkpoint_note);
  if (!n.ok()) return 0;
  auto c = note::ParseCheckpoint(n->text);
  return c.ok() ? c->size : 0;
}

absl::StatusOr<std::vector<Hash>> Proof(LogServerHarness& log, uint64_t from, uint64_t to) {
  if (from == 0 || from == to) return std::vector<Hash>();
  grpc::ClientContext ctx;
  v1::GetConsistencyProofRequest req;
  req.set_first_size(from);
  req.set_second_size(to);
  v1::GetConsistencyProofResponse resp;
  grpc::Status s = log.stub().GetConsistencyProof(&ctx, req, &resp);
  if (!s.ok()) return absl::UnavailableError(s.error_message());
  return merkle::DecodeHashList(resp.proof(), 65, "consistency proof");
}

int Run() {
  const int epochs = absl::GetFlag(FLAGS_epochs);
  const int warmup = absl::GetFlag(FLAGS_warmup);
  const int per_epoch = absl::GetFlag(FLAGS_updates_per_epoch);
  const int accounts = absl::GetFlag(FLAGS_accounts);
  if (epochs < 1 || warmup < 0 || per_epoch < 1 || accounts < 1) return Fail("bad flags");

  auto created = LogServerHarness::Create(absl::StrCat("witness_push_bench_log.", getpid()));
  if (!created.ok()) return Fail(created.status().ToString());
  LogServerHarness& log = **created;
  absl::Status started = log.Start({"--epoch_interval=0s"});
  if (!started.ok()) return Fail(started.ToString());
  grpc::ClientContext info_ctx;
  v1::GetLogInfoResponse info;
  if (!log.stub().GetLogInfo(&info_ctx, {}, &info).ok()) return Fail("GetLogInfo failed");

  // The monitor: its cosigner key, configuration and process.
  const std::string dir = keytrail::test::TempDir(absl::StrCat("witness_push_bench_m.", getpid()));
  auto keygen = keytrail::test::RunProgram(
      keytrail::test::Runfile("cli/keytrail"),
      {"keygen", "cosigner", "monitor.example/bench", dir + "/cosigner.key", dir + "/cosigner.pub"},
      dir + "/keygen.log");
  if (!keygen.ok() || *keygen != 0) return Fail("keygen cosigner failed");
  auto key = note::ParseCosignatureVerifierKey(
      absl::StripAsciiWhitespace(keytrail::test::ReadFile(dir + "/cosigner.pub")));
  if (!key.ok()) return Fail(key.status().ToString());
  std::ofstream(dir + "/monitor.textproto")
      << "data_dir: \"" << dir << "/data\"\n"
      << "cosigner_key_file: \"" << dir << "/cosigner.key\"\n"
      << "grpc_listen: \"127.0.0.1:0\"\nhttp_listen: \"127.0.0.1:0\"\n"
      << "logs {\n  origin: \"" << info.origin() << "\"\n"
      << "  note_verifier_key: \"" << info.note_verifier_key() << "\"\n"
      << "  grpc_address: \"127.0.0.1:" << log.port() << "\"\n"
      << "  poll_interval_ms: " << absl::GetFlag(FLAGS_poll_interval_ms) << "\n}\n";
  auto monitor = ChildProcess::Start(
      keytrail::test::Runfile("monitor/monitor"),
      {"--config=" + dir + "/monitor.textproto", "--port_file=" + dir + "/grpc_port",
       "--http_port_file=" + dir + "/http_port"},
      dir + "/monitor.log");
  if (!monitor.ok()) return Fail(monitor.status().ToString());
  auto grpc_port = keytrail::test::WaitForPortFile(dir + "/grpc_port", absl::Seconds(60));
  auto http_port = keytrail::test::WaitForPortFile(dir + "/http_port", absl::Seconds(5));
  if (!grpc_port.ok() || !http_port.ok()) return Fail("monitor did not start: see " + dir);

  WitnessClient client(
      MonitorEndpoint{"bench", absl::StrCat("http://127.0.0.1:", *http_port), *std::move(key)},
      absl::Seconds(10));
  std::vector<double> ms;
  int failures = 0;
  uint64_t update_number = 0;
  uint64_t size = 0;
  for (int e = 0; e < warmup + epochs; ++e) {
    grpc::ClientContext ctx;
    log.Authorize(&ctx);
    v1::BatchUpdateRequest batch;
    for (int i = 0; i < per_epoch; ++i, ++update_number) {
      v1::UpdateRequest* u = batch.add_updates();
      u->set_account(absl::StrCat("account-", update_number % accounts));
      v1::Device* d = u->mutable_key_set()->add_devices();
      d->set_device_id("phone");
      d->set_device_key(absl::StrCat("key ", update_number));
    }
    v1::BatchUpdateResponse resp;
    grpc::Status s = log.stub().BatchUpdate(&ctx, batch, &resp);
    if (!s.ok()) return Fail("BatchUpdate: " + s.error_message());
    grpc::ClientContext cp_ctx;
    v1::GetCheckpointRequest cp_req;
    cp_req.set_newest(true);
    v1::GetCheckpointResponse cp;
    if (!log.stub().GetCheckpoint(&cp_ctx, cp_req, &cp).ok()) return Fail("GetCheckpoint failed");
    size = SizeOf(cp.checkpoint());
    const uint64_t from = client.witness_size();
    auto proof = Proof(log, from, size);
    if (!proof.ok()) return Fail(proof.status().ToString());

    const absl::Time start = absl::Now();
    auto cosignature = client.Push(cp.checkpoint(), size, [&](uint64_t f) {
      return f == from ? proof : Proof(log, f, size);  // after a 409 only
    });
    const double took = absl::ToDoubleMilliseconds(absl::Now() - start);
    if (!cosignature.ok()) {
      ++failures;
      std::fprintf(stderr, "push of size %llu: %s\n", static_cast<unsigned long long>(size),
                   cosignature.status().ToString().c_str());
      continue;
    }
    if (e >= warmup) ms.push_back(took);
  }
  // The witness's part alone: the newest checkpoint again (old == size,
  // empty proof; already audited), so no replay: proof check, synced
  // compare-and-set, signature, HTTP.
  std::vector<double> again;
  for (int i = 0; i < std::min(epochs, 100); ++i) {
    grpc::ClientContext cp_ctx;
    v1::GetCheckpointRequest cp_req;
    cp_req.set_newest(true);
    v1::GetCheckpointResponse cp;
    if (!log.stub().GetCheckpoint(&cp_ctx, cp_req, &cp).ok()) return Fail("GetCheckpoint failed");
    const absl::Time start = absl::Now();
    auto cosignature = client.Push(cp.checkpoint(), SizeOf(cp.checkpoint()),
                                   [&](uint64_t f) { return Proof(log, f, size); });
    if (cosignature.ok()) again.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
  }
  monitor->Signal(SIGTERM);
  (void)monitor->Wait(absl::Seconds(30));
  (void)log.Stop();
  if (ms.empty()) return Fail("no push succeeded");

  std::sort(ms.begin(), ms.end());
  double sum = 0;
  for (double m : ms) sum += m;
  std::printf(
      "add-checkpoint latency, POST to 200, real monitor binary, log_server pushing one "
      "checkpoint per epoch\n");
  std::printf(
      "epochs measured %zu (after %d warm-up), %d updates per epoch over %d accounts, "
      "final tree size %llu, failed pushes %d\n",
      ms.size(), warmup, per_epoch, accounts, static_cast<unsigned long long>(size), failures);
  std::printf("p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms  mean %.2f ms\n",
              Percentile(ms, 0.50), Percentile(ms, 0.90), Percentile(ms, 0.99), ms.back(),
              sum / ms.size());
  if (!again.empty()) {
    std::sort(again.begin(), again.end());
    std::printf(
        "same checkpoint again (already audited: witness only), %zu pushes: p50 %.2f ms  "
        "p99 %.2f ms\n",
        again.size(), Percentile(again, 0.50), Percentile(again, 0.99));
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace keytrail

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  keytrail::ConfigureServerProcess();  // as the servers' mains
  return keytrail::Run();
}
