// The monitor's replay: entries audited per second with many accounts
// present, catch-up time and peak memory, and its disk bytes per account.
//
//   bazel run -c opt //bench:monitor_replay_bench -- --accounts=1000000 --updates=2000000
//
// A child process synthesizes the log without a log server (the monitor
// never sees accounts or VRF): update entries carry random 32-byte indexes,
// version, epoch and a random commitment; each epoch entry carries the map
// root the generator computes with core/map's TiledMap over an in-memory
// store, and every epoch gets a checkpoint signed with a note key. Entries
// and checkpoints go to a file (--dir/log.bin). The child's memory does not
// count towards the parent's peak RSS.
//
// The parent then plays the monitor's auditing path without the gRPC
// transport: it reads the file in pages of 1,000 entries (the follower's
// GetEntries page), calls Auditor::Feed on each page and Auditor::Commit with
// the epoch's checkpoint once the epoch entry is in (one synced batch per
// epoch, as the follower commits per checkpoint). Checkpoint signatures and
// inclusion/consistency proofs, which the follower checks once per
// checkpoint, are not part of the measurement.
//
// Phases (one table row each):
//   create   --accounts new indexes, in epochs of --epoch_size;
//   update   --updates updates of random existing indexes, same epoch size;
//   total    both: the catch-up time of a monitor starting from nothing;
//   storage  RocksDB directory bytes per account, as left by the run and
//            after a full manual compaction.
// Peak RSS is getrusage(RUSAGE_SELF).ru_maxrss of the auditing process.
//
// Transports (--follow): instead of the file, the real Follower
// (monitor/follower.h) catches a fresh database up with a running log, to
// the checkpoint the log serves when the run starts, through one of the
// LogClients the monitor uses:
//   --follow=grpc://HOST:PORT   GrpcLogClient against the log's gRPC
//   --follow=http://HOST:PORT   TilesLogClient against its C2SP tiles
//                               (the log server's --tiles_listen, nginx, a CDN)
// with --log_vkey (the log's note verifier key; a file name or the key).
// This measures everything the monitor does while catching up (transport,
// decoding, pipelined entry calls, auditing, commits, proofs), against the
// same log both ways; run them back to back on one log server.
//
//   bazel-bin/bench/monitor_replay_bench --follow=http://127.0.0.1:PORT
//       --log_vkey=/tmp/kt-tiles-bench/note.pub --dir=/tmp/kt-follow-bench
//
// Columns: wall-clock seconds and entries/s (on a shared machine a lower
// bound); CPU seconds of every thread of the process and entries per
// CPU-second; CPU seconds of the main thread alone; and "idle cap/s",
// entries / max(main thread's CPU s, all CPU s / 2): the best an idle
// 2-core machine could do with this much work (an upper bound: it ignores
// waits on fsync and on the other thread).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "core/map/map_storage.h"
#include "core/map/tiled_map.h"
#include "core/merkle/compact_range.h"
#include "core/note/checkpoint.h"
#include "core/note/ed25519_note.h"
#include "core/note/note.h"
#include "core/protocol/chain.h"
#include "core/protocol/entry.h"
#include "core/util/file.h"
#include "core/util/server_process.h"
#include "monitor/auditor.h"
#include "monitor/follower.h"
#include "monitor/grpc_log_client.h"
#include "monitor/monitor_store.h"
#include "monitor/tiles_log_client.h"

ABSL_FLAG(int64_t, accounts, 1000000, "indexes created first");
ABSL_FLAG(int64_t, updates, 2000000, "updates of existing indexes after that");
ABSL_FLAG(int64_t, epoch_size, 100000, "update entries per epoch");
ABSL_FLAG(std::string, dir, "/tmp/kt-monitor-bench", "work directory (wiped first)");
ABSL_FLAG(int64_t, block_cache_mb, 64, "the monitor's RocksDB block cache (its default)");
ABSL_FLAG(bool, reuse_log, false, "keep --dir/log.bin from an earlier run with the same flags");
ABSL_FLAG(std::string, follow, "",
          "catch up with a running log instead: grpc://HOST:PORT or http(s)://tiles-base-url");
ABSL_FLAG(std::string, log_vkey, "", "with --follow: the log's note verifier key, or a file");
ABSL_FLAG(int, entries_in_flight, 4, "with --follow: the follower's pipelined entry calls");

namespace keytrail {
namespace {

constexpr char kOrigin[] = "bench.keytrail.example/log";
constexpr size_t kPage = 1000;  // the follower's GetEntries page

uint64_t NowMs() { return static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())); }

// ---- The generator's in-memory map store ----

class MemoryStore : public map::MapReader, public map::MapWriter {
 public:
  absl::StatusOr<std::optional<std::string>> GetTile(absl::string_view key) override {
    auto it = tiles_.find(key);
    if (it == tiles_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  absl::Status ScanLeaves(const Hash& prefix, int depth, std::vector<map::MapLeaf>* out) override {
    Hash lo = prefix, hi = prefix;
    for (int i = depth; i < map::kIndexBits; ++i) {
      const uint8_t bit = static_cast<uint8_t>(0x80 >> (i % 8));
      lo[i / 8] &= static_cast<uint8_t>(~bit);
      hi[i / 8] |= bit;
    }
    for (auto it = leaves_.lower_bound(lo); it != leaves_.end() && !(hi < it->first); ++it) {
      out->push_back(it->second);
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::optional<map::MapLeaf>> GetLeaf(const Hash& index) override {
    auto it = leaves_.find(index);
    if (it == leaves_.end()) return std::optional<map::MapLeaf>();
    return std::optional<map::MapLeaf>(it->second);
  }
  // Writes are collected and applied after TiledMap::Apply returns, so its
  // reads see the state before the epoch.
  void PutTile(std::string key, std::string value) override {
    pending_tiles_.emplace_back(std::move(key), std::move(value));
  }
  void PutLeaf(const map::MapLeaf& leaf) override { pending_leaves_.push_back(leaf); }
  void ApplyPending() {
    for (auto& [k, v] : pending_tiles_) tiles_[std::move(k)] = std::move(v);
    for (const auto& leaf : pending_leaves_) leaves_[leaf.index] = leaf;
    pending_tiles_.clear();
    pending_leaves_.clear();
  }

 private:
  absl::flat_hash_map<std::string, std::string> tiles_;
  std::map<Hash, map::MapLeaf> leaves_;
  std::vector<std::pair<std::string, std::string>> pending_tiles_;
  std::vector<map::MapLeaf> pending_leaves_;
};

// Record format of log.bin: u8 kind ('E' entry, 'C' checkpoint) || u32 length || bytes.
void WriteRecord(std::ofstream& out, char kind, const std::string& bytes) {
  const uint32_t n = static_cast<uint32_t>(bytes.size());
  out.put(kind);
  out.write(reinterpret_cast<const char*>(&n), 4);
  out.write(bytes.data(), bytes.size());
}

bool ReadRecord(std::ifstream& in, char* kind, std::string* bytes) {
  if (!in.get(*kind)) return false;
  uint32_t n = 0;
  in.read(reinterpret_cast<char*>(&n), 4);
  bytes->resize(n);
  in.read(bytes->data(), n);
  return static_cast<bool>(in);
}

Hash RandomHash(std::mt19937_64& rng) {
  Hash h;
  for (size_t i = 0; i < h.size(); i += 8) {
    const uint64_t r = rng();
    for (size_t j = 0; j < 8; ++j) h[i + j] = static_cast<uint8_t>(r >> (8 * j));
  }
  return h;
}

int Generate(const std::string& path, int64_t accounts, int64_t updates, int64_t epoch_size) {
  const absl::Time start = absl::Now();
  auto signer = note::Ed25519NoteSigner::Generate(kOrigin);
  if (!signer.ok()) {
    fprintf(stderr, "signer: %s\n", signer.status().ToString().c_str());
    return 1;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::mt19937_64 rng(7);
  MemoryStore store;
  merkle::CompactRange range;
  std::vector<Hash> indexes;
  indexes.reserve(accounts);
  absl::flat_hash_map<Hash, map::MapLeaf> current;  // index -> leaf (version, head)
  current.reserve(accounts);
  uint64_t epoch = 0;
  int64_t created = 0, updated = 0;
  while (created < accounts || updated < updates) {
    std::vector<UpdateEntry> entries;
    absl::flat_hash_map<Hash, map::MapLeaf> touched;
    while (static_cast<int64_t>(entries.size()) < epoch_size &&
           (created < accounts || updated < updates)) {
      UpdateEntry u;
      if (created < accounts) {
        u.index = RandomHash(rng);
        indexes.push_back(u.index);
        ++created;
      } else {
        u.index = indexes[rng() % indexes.size()];
        ++updated;
      }
      auto it = touched.find(u.index);
      if (it == touched.end()) {
        auto cur = current.find(u.index);
        map::MapLeaf leaf =
            cur != current.end() ? cur->second : map::MapLeaf{u.index, 0, GenesisHead()};
        it = touched.emplace(u.index, leaf).first;
      }
      u.version = it->second.version + 1;
      u.epoch = epoch;
      u.commitment = RandomHash(rng);
      it->second.version = u.version;
      it->second.head = ChainHead(it->second.head, u.version, u.epoch, u.commitment);
      entries.push_back(u);
    }
    std::vector<map::LeafChange> changes;
    changes.reserve(touched.size());
    for (const auto& [index, leaf] : touched) {
      changes.push_back({leaf, current.find(index) == current.end()});
    }
    std::sort(changes.begin(), changes.end(),
              [](const auto& a, const auto& b) { return a.leaf.index < b.leaf.index; });
    auto root = map::TiledMap::Apply(store, changes, store);
    if (!root.ok()) {
      fprintf(stderr, "apply: %s\n", root.status().ToString().c_str());
      return 1;
    }
    store.ApplyPending();
    for (const auto& [index, leaf] : touched) current[index] = leaf;
    for (const UpdateEntry& u : entries) {
      std::string raw = EncodeEntry(u);
      range.Append(EntryLeafHash(raw));
      WriteRecord(out, 'E', raw);
    }
    EpochEntry e{epoch, NowMs(), root->hash, entries.size()};
    std::string raw = EncodeEntry(e);
    range.Append(EntryLeafHash(raw));
    WriteRecord(out, 'E', raw);
    note::Checkpoint cp{kOrigin, range.size(), range.Root(), {}};
    const note::NoteSigner* signers[] = {&*signer};
    auto signed_cp = note::SignNote(note::FormatCheckpoint(cp), signers);
    if (!signed_cp.ok()) {
      fprintf(stderr, "sign: %s\n", signed_cp.status().ToString().c_str());
      return 1;
    }
    WriteRecord(out, 'C', *signed_cp);
    ++epoch;
  }
  out.close();
  printf("generated %llu entries in %llu epochs in %.1f s\n",
         static_cast<unsigned long long>(range.size()), static_cast<unsigned long long>(epoch),
         absl::ToDoubleSeconds(absl::Now() - start));
  fflush(stdout);
  return out ? 0 : 1;
}

// CPU time of this process so far, every thread (RocksDB's background
// threads and TiledMap's second worker included). On a shared machine the
// wall-clock rate depends on the load; this does much less.
double CpuSeconds() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// CPU time of the calling thread only: the bench's main thread feeds,
// decodes, sorts, applies half of each epoch's map subtrees and commits;
// the other half runs on TiledMap's worker, compactions on RocksDB's
// threads. On an idle 2-core machine the wall time is at least the larger
// of this and half the process's CPU time.
double ThreadCpuSeconds() {
  struct rusage ru;
  getrusage(RUSAGE_THREAD, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

long PeakRssKb() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

// --follow: the real follower over a real transport, from nothing to the
// log's checkpoint at the start.
int Follow() {
  const std::string target = absl::GetFlag(FLAGS_follow);
  const std::string dir = absl::GetFlag(FLAGS_dir);
  std::string vkey = absl::GetFlag(FLAGS_log_vkey);
  if (auto file = ReadFileToString(vkey, 4096); file.ok()) vkey = *file;
  while (!vkey.empty() && (vkey.back() == '\n' || vkey.back() == ' ')) vkey.pop_back();
  auto verifier = note::ParseVerifierKey(vkey);
  if (!verifier.ok()) {
    fprintf(stderr, "--log_vkey: %s\n", verifier.status().ToString().c_str());
    return 1;
  }
  std::unique_ptr<monitor::LogClient> client;
  if (target.rfind("grpc://", 0) == 0) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(16 << 20);
    client = std::make_unique<monitor::GrpcLogClient>(
        grpc::CreateCustomChannel(target.substr(7), grpc::InsecureChannelCredentials(), args));
  } else {
    monitor::TilesLogClientOptions o;
    o.base_url = target;
    auto tiles = monitor::TilesLogClient::Create(std::move(o));
    if (!tiles.ok()) {
      fprintf(stderr, "--follow: %s\n", tiles.status().ToString().c_str());
      return 1;
    }
    client = *std::move(tiles);
  }
  auto newest = client->Checkpoint(absl::Now() + absl::Seconds(20));
  if (!newest.ok()) {
    fprintf(stderr, "checkpoint: %s\n", newest.status().ToString().c_str());
    return 1;
  }
  auto parsed = note::ParseNote(*newest);
  auto cp = parsed.ok() ? note::ParseCheckpoint(parsed->text) : parsed.status();
  if (!cp.ok()) {
    fprintf(stderr, "checkpoint: %s\n", cp.status().ToString().c_str());
    return 1;
  }
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  monitor::FollowerOptions o;
  o.log.set_origin(verifier->name());
  o.log.set_note_verifier_key(vkey);
  o.db_dir = dir + "/follow-db";
  o.evidence_dir = dir + "/evidence";
  o.entries_in_flight = absl::GetFlag(FLAGS_entries_in_flight);
  o.block_cache_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_block_cache_mb)) << 20;
  o.progress_every = absl::Seconds(10);
  auto follower = monitor::Follower::Create(o, std::move(client));
  if (!follower.ok()) {
    fprintf(stderr, "follower: %s\n", follower.status().ToString().c_str());
    return 1;
  }
  const absl::Time start = absl::Now();
  const double cpu_start = CpuSeconds();
  for (int failures = 0; (*follower)->Status().verified_size() < cp->size;) {
    absl::Status s = (*follower)->Step();
    if (!s.ok()) {
      fprintf(stderr, "step: %s\n", s.ToString().c_str());
      if (++failures == 3) return 1;
    }
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const double cpu = CpuSeconds() - cpu_start;
  const uint64_t entries = (*follower)->Status().verified_size();
  printf("%-8s %12s %10s %12s %10s %14s %12s\n", "follow", "entries", "seconds", "entries/s",
         "cpu s", "entries/cpu-s", "peak RSS MB");
  printf("%-8s %12llu %10.2f %12.0f %10.2f %14.0f %12.1f\n",
         target.rfind("grpc://", 0) == 0 ? "grpc" : "tiles",
         static_cast<unsigned long long>(entries), seconds, entries / seconds, cpu, entries / cpu,
         PeakRssKb() / 1024.0);
  return 0;
}

int Run() {
  if (!absl::GetFlag(FLAGS_follow).empty()) return Follow();
  const std::string dir = absl::GetFlag(FLAGS_dir);
  const int64_t accounts = absl::GetFlag(FLAGS_accounts);
  const int64_t updates = absl::GetFlag(FLAGS_updates);
  const std::string log_path = dir + "/log.bin";
  const std::string db_path = dir + "/monitor-db";
  if (!absl::GetFlag(FLAGS_reuse_log)) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    fflush(stdout);
    const pid_t child = fork();
    if (child == 0) {
      _exit(Generate(log_path, accounts, updates, absl::GetFlag(FLAGS_epoch_size)));
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "generator failed\n");
      return 1;
    }
  } else {
    std::filesystem::remove_all(db_path);
  }

  auto store = monitor::MonitorStore::Open(
      db_path, kOrigin, static_cast<size_t>(absl::GetFlag(FLAGS_block_cache_mb)) << 20);
  if (!store.ok()) {
    fprintf(stderr, "store: %s\n", store.status().ToString().c_str());
    return 1;
  }
  auto auditor = monitor::Auditor::Open(store->get(), NowMs);
  if (!auditor.ok()) {
    fprintf(stderr, "auditor: %s\n", auditor.status().ToString().c_str());
    return 1;
  }
  std::ifstream in(log_path, std::ios::binary);
  std::vector<std::string> page;
  page.reserve(kPage);
  uint64_t updates_fed = 0, epochs = 0;
  absl::Duration feed_time, commit_time;
  // Phase bookkeeping: the create phase ends with the epoch that brings the
  // update count to --accounts.
  struct Phase {
    uint64_t entries = 0;
    absl::Duration time;
    uint64_t epochs = 0;
    double cpu = 0;       // CPU seconds, every thread
    double main_cpu = 0;  // CPU seconds of the main thread
  } create, update;
  const absl::Time start = absl::Now();
  const double cpu_start = CpuSeconds();
  const double main_cpu_start = ThreadCpuSeconds();
  absl::Time phase_start = start;
  double phase_cpu_start = cpu_start;
  double phase_main_cpu_start = main_cpu_start;
  uint64_t phase_entries_start = 0;
  bool in_create = accounts > 0;
  auto feed = [&]() -> bool {
    if (page.empty()) return true;
    const absl::Time t = absl::Now();
    auto v = (*auditor)->Feed(page);
    feed_time += absl::Now() - t;
    if (!v.ok()) {
      fprintf(stderr, "feed: %s\n", v.status().ToString().c_str());
      return false;
    }
    if (v->has_value()) {
      fprintf(stderr, "violation: %s\n", (*v)->message.c_str());
      return false;
    }
    page.clear();
    return true;
  };
  char kind;
  std::string bytes;
  while (ReadRecord(in, &kind, &bytes)) {
    if (kind == 'E') {
      if (bytes.size() == kUpdateEntrySize) ++updates_fed;
      page.push_back(bytes);
      if (page.size() == kPage && !feed()) return 1;
      continue;
    }
    // A checkpoint: everything up to it has been written before it.
    if (!feed()) return 1;
    const absl::Time t = absl::Now();
    absl::Status s = (*auditor)->Commit(bytes);
    commit_time += absl::Now() - t;
    if (!s.ok()) {
      fprintf(stderr, "commit: %s\n", s.ToString().c_str());
      return 1;
    }
    ++epochs;
    const bool phase_end = in_create && updates_fed >= static_cast<uint64_t>(accounts);
    if (phase_end) {
      const absl::Time now = absl::Now();
      const double cpu = CpuSeconds();
      const double main_cpu = ThreadCpuSeconds();
      create = Phase{(*auditor)->replayed_size() - phase_entries_start, now - phase_start, epochs,
                     cpu - phase_cpu_start, main_cpu - phase_main_cpu_start};
      phase_start = now;
      phase_cpu_start = cpu;
      phase_main_cpu_start = main_cpu;
      phase_entries_start = (*auditor)->replayed_size();
      in_create = false;
      fprintf(stderr, "create phase done: %llu entries, peak RSS %ld MB\n",
              static_cast<unsigned long long>(create.entries), PeakRssKb() / 1024);
    }
  }
  if (!feed()) return 1;
  const absl::Time end = absl::Now();
  const double cpu_end = CpuSeconds();
  const double main_cpu_end = ThreadCpuSeconds();
  update =
      Phase{(*auditor)->replayed_size() - phase_entries_start, end - phase_start,
            epochs - create.epochs, cpu_end - phase_cpu_start, main_cpu_end - phase_main_cpu_start};
  const uint64_t total_entries = (*auditor)->replayed_size();
  const long rss_kb = PeakRssKb();

  const uint64_t bytes_as_is = bench::DirectoryBytes(db_path);
  if (absl::Status s = (*store)->CompactAll(); !s.ok()) {
    fprintf(stderr, "compact: %s\n", s.ToString().c_str());
    return 1;
  }
  const uint64_t bytes_compacted = bench::DirectoryBytes(db_path);

  auto rate = [](const Phase& p) {
    return p.time > absl::ZeroDuration() ? p.entries / absl::ToDoubleSeconds(p.time) : 0.0;
  };
  auto cpu_rate = [](const Phase& p) { return p.cpu > 0 ? p.entries / p.cpu : 0.0; };
  auto print = [&](const char* name, const Phase& p) {
    // What an idle 2-core machine could at best do, from CPU time: the
    // wall time is at least max(main thread's CPU, all threads' CPU / 2).
    const double bound = std::max(p.main_cpu, p.cpu / 2);
    printf("%-10s %12llu %8llu %10.2f %14.0f %10.2f %16.0f %10.2f %14.0f\n", name,
           static_cast<unsigned long long>(p.entries), static_cast<unsigned long long>(p.epochs),
           absl::ToDoubleSeconds(p.time), rate(p), p.cpu, cpu_rate(p), p.main_cpu,
           bound > 0 ? p.entries / bound : 0.0);
  };
  printf("%-10s %12s %8s %10s %14s %10s %16s %10s %14s\n", "phase", "entries", "epochs", "seconds",
         "entries/s", "cpu s", "entries/cpu-s", "main cpu s", "idle cap/s");
  print("create", create);
  print("update", update);
  const Phase total{total_entries, end - start, epochs, cpu_end - cpu_start,
                    main_cpu_end - main_cpu_start};
  print("total", total);
  printf("time in Feed %.2f s, in Commit %.2f s, reading the file %.2f s\n",
         absl::ToDoubleSeconds(feed_time), absl::ToDoubleSeconds(commit_time),
         absl::ToDoubleSeconds(total.time - feed_time - commit_time));
  printf("peak RSS (ru_maxrss) %.1f MB\n", rss_kb / 1024.0);
  const double per_account = accounts > 0 ? 1.0 / accounts : 0;
  printf(
      "storage: %llu bytes as left (%.0f B/account), %llu after full compaction (%.0f B/account)\n",
      static_cast<unsigned long long>(bytes_as_is), bytes_as_is * per_account,
      static_cast<unsigned long long>(bytes_compacted), bytes_compacted * per_account);
  return 0;
}

}  // namespace
}  // namespace keytrail

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  keytrail::ConfigureServerProcess();  // as the servers' mains
  return keytrail::Run();
}
