// Read replica figures (docs/REPLICAS.md, issue 16).
//
//   # once: a log with tiles and private bundles (the fixed bench replica key)
//   bazel run -c opt //bench:update_bench -- --accounts=1000000 --publish_tiles --replica_bundles
//   bazel run -c opt //bench:replica_bench -- --dir=/tmp/keytrail-bench
//
// Catch-up: a ReplicaServer starts in-process on an empty --replica_dir,
// follows --dir/tiles and --dir/private (the directory stores, read only)
// and is timed until it serves the store's checkpoint — every epoch
// verified (signatures, entries against the root, private parts, chain
// heads, map root) and stored. Then its disk (data directory bytes) and the
// process's resident memory per account, and a sample of lookups verified
// against it with //verifier. lookup_bench --replica_dir measures the
// lookup rate of the caught-up replica.
//
// Propagation (--propagation_updates=N): a primary LogServer and a replica
// in one process, the primary publishing to fresh directories under
// --propagation_dir, the replica polling every --poll_interval. N updates,
// one at a time, each after a random pause within one poll interval: from
// each update's acknowledgement to the replica serving a checkpoint that
// covers it (its GetCheckpoint polled every millisecond).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/bench_replica.h"
#include "bench/bench_util.h"
#include "core/keys/key_file.h"
#include "core/keys/keys.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "core/replica/private_bundle.h"
#include "core/util/file.h"
#include "core/util/logging.h"
#include "core/util/server_process.h"
#include "grpcpp/grpcpp.h"
#include "log_server/log_server.h"
#include "log_server/replica_server.h"
#include "proto/log_service.grpc.pb.h"
#include "verifier/log_trust.h"
#include "verifier/lookup.h"

ABSL_FLAG(std::string, dir, "/tmp/keytrail-bench",
          "what update_bench --publish_tiles --replica_bundles made: keys, tiles/, private/");
ABSL_FLAG(std::string, replica_dir, "/tmp/keytrail-bench-replica",
          "the replica's data directory (wiped first)");
ABSL_FLAG(int64_t, accounts, 1000000, "accounts in the log (user<i>@bench.example)");
ABSL_FLAG(bool, catch_up, true, "measure the catch-up from empty");
ABSL_FLAG(int, verify_samples, 200, "lookups verified against the caught-up replica");
ABSL_FLAG(int64_t, block_cache_mb, 1024, "the replica's RocksDB block cache");
ABSL_FLAG(int64_t, max_entries_held, 65536, "the replica's --replica_max_held_entries");
ABSL_FLAG(int, propagation_updates, 0, "updates whose propagation delay is measured (0: none)");
ABSL_FLAG(std::string, propagation_dir, "/tmp/keytrail-bench-propagation",
          "primary and replica of the propagation run (wiped first)");
ABSL_FLAG(absl::Duration, poll_interval, absl::Milliseconds(100),
          "the replica's --replica_poll_interval in the propagation run");
ABSL_FLAG(absl::Duration, epoch_interval, absl::Milliseconds(50),
          "the primary's --epoch_interval in the propagation run");

namespace keytrail {
namespace {

using bench::Account;

const bench::Table kTable({56, 34});
void Row(const std::string& what, const std::string& figure) { kTable.Row({what, figure}); }

uint64_t SizeOf(const std::string& note_text) {
  auto n = note::ParseNote(note_text);
  if (!n.ok()) return 0;
  auto c = note::ParseCheckpoint(n->text);
  return c.ok() ? c->size : 0;
}

uint64_t ServedSize(v1::KeyTransparencyLog::Stub& stub) {
  grpc::ClientContext ctx;
  v1::GetCheckpointResponse resp;
  if (!stub.GetCheckpoint(&ctx, {}, &resp).ok()) return 0;
  return SizeOf(resp.checkpoint());
}

std::unique_ptr<v1::KeyTransparencyLog::Stub> StubFor(int port) {
  return v1::KeyTransparencyLog::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
}

// BenchReplicaOptions with this bench's flags.
ReplicaServerOptions ReplicaOptions(const std::string& dir, const std::string& replica_dir) {
  ReplicaServerOptions r = bench::BenchReplicaOptions(dir, replica_dir);
  r.block_cache_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_block_cache_mb)) << 20;
  r.max_entries_held = static_cast<uint64_t>(absl::GetFlag(FLAGS_max_entries_held));
  return r;
}

int CatchUp() {
  const std::string dir = absl::GetFlag(FLAGS_dir);
  const std::string rdir = absl::GetFlag(FLAGS_replica_dir);
  const int64_t accounts = absl::GetFlag(FLAGS_accounts);
  std::filesystem::remove_all(rdir);
  std::filesystem::create_directories(rdir);
  if (!bench::WriteBenchReplicaKey(rdir).ok()) return 1;
  auto store_note = ReadFileToString(dir + "/tiles/checkpoint", 1 << 20);
  if (!store_note.ok()) {
    std::fprintf(stderr, "replica_bench: %s\n", store_note.status().ToString().c_str());
    return 1;
  }
  const uint64_t size = SizeOf(*store_note);
  ReplicaServerOptions o = ReplicaOptions(dir, rdir);
  o.poll_interval = absl::Milliseconds(100);
  const absl::Time start = absl::Now();
  auto server = ReplicaServer::Start(o);
  if (!server.ok()) {
    std::fprintf(stderr, "replica_bench: %s\n", server.status().ToString().c_str());
    return 1;
  }
  auto stub = StubFor((*server)->port());
  while (ServedSize(*stub) < size) absl::SleepFor(absl::Milliseconds(50));
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  kTable.Header({"what", "figure"});
  Row(absl::StrFormat("catch-up from empty: %d entries", size),
      absl::StrFormat("%.1f s, %.0f entries/s", seconds, size / seconds));
  Row("  the same in accounts", absl::StrFormat("%.0f accounts/s", accounts / seconds));
  const uint64_t disk = bench::DirectoryBytes(rdir + "/data");
  Row("replica disk (data directory)",
      absl::StrFormat("%.2f GB, %.0f B/account", disk / 1e9, static_cast<double>(disk) / accounts));
  Row("resident memory after catch-up (whole process)",
      absl::StrFormat("%.0f MiB, %.0f B/account", bench::ResidentMiB(),
                      bench::ResidentMiB() * 1048576.0 / accounts));

  // A sample of lookups through the replica, verified.
  grpc::ClientContext info_ctx;
  v1::GetLogInfoResponse info;
  if (!stub->GetLogInfo(&info_ctx, {}, &info).ok()) return 1;
  auto trust = verifier::LogTrust::FromLogInfo(info).value();
  std::mt19937_64 rng(11);
  const int samples = absl::GetFlag(FLAGS_verify_samples);
  for (int i = 0; i < samples; ++i) {
    v1::LookupRequest req;
    req.set_account(Account(rng() % accounts));
    v1::LookupResponse resp;
    grpc::ClientContext ctx;
    grpc::Status s = stub->Lookup(&ctx, req, &resp);
    auto v =
        s.ok()
            ? verifier::VerifyLookup(trust, req.account(), resp, {}, 0)
            : absl::StatusOr<verifier::VerifiedLookup>(absl::UnavailableError(s.error_message()));
    if (!v.ok() || !v->current) {
      std::fprintf(stderr, "replica_bench: lookup of %s does not verify: %s\n",
                   req.account().c_str(), v.ok() ? "absent" : v.status().ToString().c_str());
      return 1;
    }
  }
  Row("lookups through the replica verified (//verifier)", absl::StrCat(samples, " of ", samples));
  (*server)->Shutdown();
  return 0;
}

int Propagation() {
  const std::string pdir = absl::GetFlag(FLAGS_propagation_dir);
  const int n = absl::GetFlag(FLAGS_propagation_updates);
  std::filesystem::remove_all(pdir);
  std::filesystem::create_directories(pdir);
  constexpr char kOrigin[] = "bench.example/propagation";
  if (!GenerateNoteKeyPair(kOrigin, pdir + "/note.key", pdir + "/note.pub").ok() ||
      !GenerateVrfKeyPair(kOrigin, pdir + "/vrf.key", pdir + "/vrf.pub").ok() ||
      !std::filesystem::create_directories(pdir + "/replica") ||
      !WritePrivateKeyFile(pdir + "/replica/replica.key",
                           replica::ReplicaKey::GenerateFileContents())
           .ok() ||
      !WritePrivateKeyFile(pdir + "/token", "bench-token-0123456789abcdef\n").ok()) {
    std::fprintf(stderr, "replica_bench: can't write keys to %s\n", pdir.c_str());
    return 1;
  }
  LogServerOptions p;
  p.listen_address = "127.0.0.1:0";
  p.data_dir = pdir + "/primary";
  p.note_key_file = pdir + "/note.key";
  p.vrf_key_file = pdir + "/vrf.key";
  p.write_token_file = pdir + "/token";
  p.sequencer.epoch_interval = absl::GetFlag(FLAGS_epoch_interval);
  p.block_cache_bytes = size_t{64} << 20;
  p.warm_cache_bytes = 0;
  p.tiles_dir = pdir + "/tiles";
  p.private_dir = pdir + "/private";
  p.replica_key_file = pdir + "/replica/replica.key";
  auto primary = LogServer::Start(p);
  if (!primary.ok()) {
    std::fprintf(stderr, "replica_bench: %s\n", primary.status().ToString().c_str());
    return 1;
  }
  ReplicaServerOptions r = ReplicaOptions(pdir, pdir + "/replica");
  r.poll_interval = absl::GetFlag(FLAGS_poll_interval);
  r.block_cache_bytes = size_t{64} << 20;
  auto replica = ReplicaServer::Start(r);
  if (!replica.ok()) {
    std::fprintf(stderr, "replica_bench: %s\n", replica.status().ToString().c_str());
    return 1;
  }
  auto primary_stub = StubFor((*primary)->port());
  auto replica_stub = StubFor((*replica)->port());
  std::vector<double> delays_ms;
  // Updates at random moments of the replica's polling cycle: sent back to
  // back, each right after the last was seen, they would all land just
  // after a poll and measure the poll interval itself.
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> phase(0, absl::ToDoubleMilliseconds(r.poll_interval));
  for (int i = 0; i < n; ++i) {
    absl::SleepFor(absl::Milliseconds(phase(rng)));
    v1::UpdateRequest req;
    req.set_account(Account(i));
    v1::Device* d = req.mutable_key_set()->add_devices();
    d->set_device_id("phone");
    d->set_device_key(std::string(32, 'k'));
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer bench-token-0123456789abcdef");
    v1::UpdateResponse resp;
    grpc::Status s = primary_stub->Update(&ctx, req, &resp);
    if (!s.ok()) {
      std::fprintf(stderr, "replica_bench: update: %s\n", s.error_message().c_str());
      return 1;
    }
    const absl::Time acked = absl::Now();
    const absl::Time give_up = acked + absl::Seconds(60);
    while (ServedSize(*replica_stub) < resp.tree_size()) {
      if (absl::Now() > give_up) {
        std::fprintf(stderr, "replica_bench: the replica never served size %llu\n",
                     static_cast<unsigned long long>(resp.tree_size()));
        return 1;
      }
      absl::SleepFor(absl::Milliseconds(1));
    }
    delays_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - acked));
  }
  kTable.Header({"what", "figure"});
  Row(absl::StrFormat("propagation, %d updates (poll %s, epochs %s)", n,
                      absl::FormatDuration(r.poll_interval),
                      absl::FormatDuration(p.sequencer.epoch_interval)),
      absl::StrFormat("p50 %.0f ms, p99 %.0f ms, max %.0f ms", bench::Percentile(delays_ms, 0.5),
                      bench::Percentile(delays_ms, 0.99), bench::Percentile(delays_ms, 1.0)));
  (*replica)->Shutdown();
  (*primary)->Shutdown();
  return 0;
}

}  // namespace
}  // namespace keytrail

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  keytrail::ConfigureServerProcess();  // as the servers' mains
  keytrail::SetLogProgramName("replica_bench");
  if (absl::GetFlag(FLAGS_catch_up)) {
    if (int rc = keytrail::CatchUp(); rc != 0) return rc;
  }
  if (absl::GetFlag(FLAGS_propagation_updates) > 0) return keytrail::Propagation();
  return 0;
}
