// Durable update throughput of the log with many accounts present, the
// storage it takes, and start-up time after a kill.
//
//   bazel run -c opt //bench:update_bench -- --accounts=1000000 --updates=300000
//
// Everything runs the production path minus the gRPC transport: client
// threads call UpdatePreparer::Prepare (validation, canonical key set, VRF
// proof for new accounts or the stored one) and Sequencer::Submit; an update
// counts once its epoch is committed with a synced write batch. The
// sequencer uses the server's default epoch settings.
//
// Phases (one table row each):
//   create   --accounts new accounts (each needs a VRF proof);
//   update   --updates updates of random existing accounts;
//   storage  database bytes per account after the run (SST + WAL);
//   restart  the work runs in a child process that is SIGKILLed in the
//            middle of a stream of updates; the parent then times opening
//            the database and loading the log (what log_server does first).
//
// The data directory (--dir) is kept, with its keys, for lookup_bench.
//
// --publish_tiles (the server's default) runs the TilePublisher as
// log_server does, writing C2SP tlog-tiles to --dir/tiles after each epoch;
// before the update phase is timed it lets publication catch up with the
// log (reported as the "tiles" row: with --reuse after a run without
// tiles, or on a fresh --dir/tiles, that is the whole log), so the update
// phase measures the steady-state cost of publishing. --replica_bundles adds
// the sealed private epoch bundles for read replicas (docs/REPLICAS.md) to
// --dir/private, under a fixed test key, as log_server --replica_key_file.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "core/keys/keys.h"
#include "core/replica/private_bundle.h"
#include "core/tiles/directory_store.h"
#include "core/util/logging.h"
#include "core/util/server_process.h"
#include "log_server/epoch_builder.h"
#include "log_server/epoch_context.h"
#include "log_server/log_storage.h"
#include "log_server/sequencer.h"
#include "log_server/tile_publisher.h"
#include "log_server/update_preparer.h"
#include "proto/keytrail.pb.h"

ABSL_FLAG(int64_t, accounts, 1000000, "accounts to create first");
ABSL_FLAG(int64_t, updates, 300000, "updates of existing accounts to time");
ABSL_FLAG(int, threads, 2, "client threads preparing and submitting updates");
ABSL_FLAG(std::string, dir, "/tmp/keytrail-bench", "data directory (wiped first)");
ABSL_FLAG(int, device_key_bytes, 32, "size of each account's one device key");
ABSL_FLAG(int64_t, block_cache_mb, 1024, "RocksDB block cache (the server's default)");
ABSL_FLAG(bool, pin_index_and_filter_blocks, true,
          "the server's --pin_index_and_filter_blocks (false: as before it existed)");
ABSL_FLAG(bool, lookup_contexts, true,
          "build each epoch's lookup context as the log server does (false: as before issue 17)");
ABSL_FLAG(bool, publish_tiles, true, "publish tlog tiles to --dir/tiles as the server does");
ABSL_FLAG(bool, replica_bundles, false,
          "with --publish_tiles: also write the private epoch bundles to --dir/private");
ABSL_FLAG(bool, reuse, false,
          "keep --dir from an earlier run with the same --accounts and skip the create phase");

namespace keytrail {
namespace {

constexpr char kOrigin[] = "bench.keytrail.example/log";

uint64_t NowMs() { return static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())); }

using bench::Account;
using bench::DirectoryBytes;

v1::UpdateRequest Request(uint64_t account, uint64_t serial, int key_bytes) {
  v1::UpdateRequest req;
  req.set_account(Account(account));
  v1::Device* d = req.mutable_key_set()->add_devices();
  d->set_device_id("phone");
  std::string key(key_bytes, '\0');
  for (int i = 0; i < key_bytes; ++i) key[i] = static_cast<char>((serial * 131 + i) & 0xff);
  d->set_device_key(key);
  return req;
}

// Keeps at most `limit` updates in flight, like a fleet of clients waiting
// for their acknowledgements.
class InFlight {
 public:
  explicit InFlight(int64_t limit) : limit_(limit) {}
  void Acquire() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](InFlight* f) { return f->in_flight_ < f->limit_; }, this));
    ++in_flight_;
  }
  void Release(bool ok) {
    absl::MutexLock lock(&mu_);
    --in_flight_;
    ++(ok ? acked_ : failed_);
  }
  void WaitIdle() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](InFlight* f) { return f->in_flight_ == 0; }, this));
  }
  int64_t acked() {
    absl::MutexLock lock(&mu_);
    return acked_;
  }
  int64_t failed() {
    absl::MutexLock lock(&mu_);
    return failed_;
  }

 private:
  absl::Mutex mu_;
  const int64_t limit_;
  int64_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t acked_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failed_ ABSL_GUARDED_BY(mu_) = 0;
};

struct Server {
  std::unique_ptr<LogStorage> storage;
  std::unique_ptr<VrfPrivateKey> vrf;
  StateHolder published;
  // As in the log server: each published epoch's lookup context is built
  // on a thread of its own (epoch_context.h), which shares the cores.
  std::unique_ptr<EpochContexts> contexts;
  std::unique_ptr<UpdatePreparer> preparer;
  std::unique_ptr<Sequencer> sequencer;
  std::unique_ptr<tiles::DirectoryTileStore> tile_store;
  std::unique_ptr<tiles::DirectoryTileStore> private_store;
  std::unique_ptr<TilePublisher> publisher;
  ~Server() {
    if (sequencer) sequencer->Stop();
    if (publisher) publisher->Stop(absl::ZeroDuration());
  }
};

std::unique_ptr<Server> OpenServer(const std::string& dir) {
  auto s = std::make_unique<Server>();
  auto signer = LoadNoteSigner(dir + "/note.key").value();
  s->vrf = std::make_unique<VrfPrivateKey>(LoadVrfPrivateKey(dir + "/vrf.key").value());
  auto storage = LogStorage::Open(dir + "/data",
                                  static_cast<size_t>(absl::GetFlag(FLAGS_block_cache_mb)) << 20,
                                  nullptr, absl::GetFlag(FLAGS_pin_index_and_filter_blocks));
  if (!storage.ok()) {
    std::fprintf(stderr, "update_bench: %s\n", storage.status().ToString().c_str());
    std::exit(1);
  }
  // A --reuse'd directory from before the account_ids records gets them,
  // as log_server does at start (the private bundles need them).
  if (auto backfilled = (*storage)->BackfillAccountIds(); !backfilled.ok()) {
    std::fprintf(stderr, "update_bench: %s\n", backfilled.status().ToString().c_str());
    std::exit(1);
  }
  s->storage = *std::move(storage);
  LogConfig config{signer.name(), signer.VerifierKey(), s->vrf->public_key().bytes()};
  auto builder = EpochBuilder::Open(s->storage.get(), config, signer, NowMs);
  if (!builder.ok()) {
    std::fprintf(stderr, "update_bench: %s\n", builder.status().ToString().c_str());
    std::exit(1);
  }
  s->preparer = std::make_unique<UpdatePreparer>(*s->storage, *s->vrf, s->published);
  s->sequencer =
      std::make_unique<Sequencer>(*std::move(builder), SequencerOptions(), &s->published);
  if (absl::GetFlag(FLAGS_lookup_contexts)) {
    s->contexts = std::make_unique<EpochContexts>(*s->storage, EpochContextOptions());
    EpochContexts* contexts = s->contexts.get();
    contexts->Publish(s->published.Get());
    s->published.OnSet(
        [contexts](const std::shared_ptr<const PublishedState>& p) { contexts->Publish(p); });
  }
  if (absl::GetFlag(FLAGS_publish_tiles)) {
    s->tile_store = tiles::DirectoryTileStore::Open(dir + "/tiles").value();
    TilePublisherOptions options;
    if (absl::GetFlag(FLAGS_replica_bundles)) {
      s->private_store = tiles::DirectoryTileStore::Open(dir + "/private").value();
      options.private_store = s->private_store.get();
      options.replica_key = std::make_shared<const replica::ReplicaKey>(
          replica::ReplicaKey::FromBytes(bench::BenchReplicaKeyBytes()).value());
      options.origin = signer.name();
    }
    s->publisher = std::make_unique<TilePublisher>(s->storage.get(), s->tile_store.get(), options);
    if (absl::Status r = s->publisher->Restore(); !r.ok()) {
      std::fprintf(stderr, "update_bench: %s\n", r.ToString().c_str());
      std::exit(1);
    }
    TilePublisher* publisher = s->publisher.get();
    s->published.OnSet(
        [publisher](const std::shared_ptr<const PublishedState>& st) { publisher->Publish(st); });
    publisher->Publish(s->published.Get());
    publisher->Start();
  }
  return s;
}

// Runs `count` updates from `threads` threads; account_of(i) picks the
// account of the i-th update. Returns seconds.
double Run(Server& s, int64_t count, int threads, int key_bytes,
           const std::function<uint64_t(int64_t)>& account_of) {
  InFlight flight(200000);
  std::atomic<int64_t> next{0};
  absl::Time start = absl::Now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int64_t i = next++; i < count; i = next++) {
        auto prepared = s.preparer->Prepare(Request(account_of(i), i, key_bytes));
        if (!prepared.ok()) {
          std::fprintf(stderr, "prepare failed: %s\n", prepared.status().ToString().c_str());
          std::exit(1);
        }
        flight.Acquire();
        s.sequencer->Submit(*std::move(prepared),
                            [&flight](absl::StatusOr<UpdateOutcome> r) { flight.Release(r.ok()); });
      }
    });
  }
  for (auto& w : workers) w.join();
  flight.WaitIdle();
  double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (flight.failed() > 0) {
    std::fprintf(stderr, "update_bench: %lld updates failed\n",
                 static_cast<long long>(flight.failed()));
    std::exit(1);
  }
  return seconds;
}

const bench::Table kTable({8, 44, 28});

void Row(const std::string& phase, const std::string& what, const std::string& figure) {
  kTable.Row({phase, what, figure});
}

// The child: creates the accounts, times the updates, reports storage, then
// keeps updating until the parent kills it.
[[noreturn]] void Child(int ready_fd) {
  const std::string dir = absl::GetFlag(FLAGS_dir);
  const int64_t accounts = absl::GetFlag(FLAGS_accounts);
  const int64_t updates = absl::GetFlag(FLAGS_updates);
  const int threads = absl::GetFlag(FLAGS_threads);
  const int key_bytes = absl::GetFlag(FLAGS_device_key_bytes);
  auto server = OpenServer(dir);
  server->sequencer->Start();

  if (!absl::GetFlag(FLAGS_reuse)) {
    double create_s = Run(*server, accounts, threads, key_bytes, [](int64_t i) { return i; });
    Row("create", absl::StrCat(accounts, " new accounts (VRF proof each)"),
        absl::StrFormat("%.0f updates/s (%.1f s)", accounts / create_s, create_s));
  }

  if (server->publisher != nullptr) {
    // Publication catches up before the timed phase (see the top comment).
    const absl::Time start = absl::Now();
    const uint64_t from = server->publisher->status().checkpoint_size;
    while (server->publisher->status().checkpoint_epoch < server->published.Get()->log.epoch ||
           !server->publisher->status().has_checkpoint) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    const double s = absl::ToDoubleSeconds(absl::Now() - start);
    const uint64_t to = server->publisher->status().checkpoint_size;
    Row("tiles", absl::StrCat("catch up from size ", from, " to ", to),
        absl::StrFormat("%.1f s (%.0f entries/s)", s, s > 0 ? (to - from) / s : 0.0));
    if (server->private_store != nullptr) {
      const uint64_t bytes = DirectoryBytes(dir + "/private");
      Row("private",
          absl::StrCat(server->publisher->status().private_parts_written,
                       " sealed parts written in this run; store size"),
          absl::StrFormat("%.2f MB (%.0f B / entry)", bytes / 1e6,
                          to > 0 ? static_cast<double>(bytes) / to : 0.0));
    }
  }

  std::mt19937_64 seed(1);
  std::vector<uint64_t> picks(updates);
  for (auto& p : picks) p = seed() % accounts;
  uint64_t epochs_before = server->sequencer->epochs_built();
  double update_s = Run(*server, updates, threads, key_bytes, [&](int64_t i) { return picks[i]; });
  uint64_t epochs = server->sequencer->epochs_built() - epochs_before;
  Row("update", absl::StrCat(updates, " updates, ", accounts, " accounts present"),
      absl::StrFormat("%.0f updates/s (%.1f s)", updates / update_s, update_s));
  Row("update", "epochs committed during the update phase",
      absl::StrFormat("%d (%.0f updates each)", epochs, static_cast<double>(updates) / epochs));
  if (server->publisher != nullptr) {
    // How far publication trails the log when the last update is acknowledged.
    const TilePublisherStatus t = server->publisher->status();
    Row("tiles", "published lag when the update phase ends",
        absl::StrFormat("%d epochs, %d entries", t.newest_epoch - t.checkpoint_epoch,
                        server->published.Get()->log.tree_size - t.checkpoint_size));
  }

  uint64_t bytes = DirectoryBytes(dir + "/data");
  Row("storage", absl::StrCat("database bytes / account (", accounts + updates, " versions)"),
      absl::StrFormat("%.0f B (%.2f GB total)", static_cast<double>(bytes) / accounts,
                      bytes / 1e9));

  // Keep writing; the parent kills us mid-stream.
  if (::write(ready_fd, "k", 1) != 1) std::exit(1);
  Run(*server, int64_t{1} << 40, threads, key_bytes, [&](int64_t i) {
    return (static_cast<uint64_t>(i) * 0x9e3779b97f4a7c15ull >> 20) % accounts;
  });
  std::exit(0);
}

}  // namespace
}  // namespace keytrail

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  keytrail::ConfigureServerProcess();  // as the servers' mains
  using namespace keytrail;
  SetLogProgramName("update_bench");
  const std::string dir = absl::GetFlag(FLAGS_dir);
  if (!absl::GetFlag(FLAGS_reuse)) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    GenerateNoteKeyPair(kOrigin, dir + "/note.key", dir + "/note.pub").value();
    GenerateVrfKeyPair(kOrigin, dir + "/vrf.key", dir + "/vrf.pub").value();
  }

  kTable.Header({"phase", "what", "figure"});  // flushed, or the child would print it again
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return 1;
  pid_t child = ::fork();
  if (child == 0) {
    ::close(pipe_fds[0]);
    Child(pipe_fds[1]);
  }
  ::close(pipe_fds[1]);
  char c;
  if (::read(pipe_fds[0], &c, 1) != 1) {
    std::fprintf(stderr, "update_bench: the worker died\n");
    return 1;
  }
  absl::SleepFor(absl::Seconds(2));  // mid-stream
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);

  absl::Time start = absl::Now();
  auto server = OpenServer(dir);
  double restart_ms = absl::ToDoubleMilliseconds(absl::Now() - start);
  auto state = server->published.Get();
  Row("restart",
      absl::StrFormat("open after SIGKILL: epoch %d, %d accounts", state->log.epoch,
                      state->map_size),
      absl::StrFormat("%.0f ms", restart_ms));
  return 0;
}
