// How fast a new read replica's follower (log_server/replica_follower.h)
// catches up with a long log, and how much memory the catch-up takes with
// and without the two-pass scheme. The log is synthetic: --entries epoch
// entries (empty epochs, so no private parts), as entry bundles in memory
// with a log-signed checkpoint; the sink only keeps the tree (what a
// replica's storage does is the replayer's cost, not measured here).
//
//   bazel run -c opt //bench:replica_follow_bench -- --entries=1000000 \
//       --max_entries_held=65536     # two passes (the default bound)
//   bazel run -c opt //bench:replica_follow_bench -- --entries=1000000 \
//       --max_entries_held=2000000   # one pass, every entry held
//
// Run each setting as its own process: the peak is of the whole process.
#include <atomic>
#include <cstdio>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "core/merkle/compact_range.h"
#include "core/merkle/hasher.h"
#include "core/note/checkpoint.h"
#include "core/note/ed25519_note.h"
#include "core/note/note.h"
#include "core/protocol/entry.h"
#include "core/tiles/tile_codec.h"
#include "core/tiles/tile_path.h"
#include "log_server/replica_follower.h"
#include "testing/memory_tile_store.h"

ABSL_FLAG(uint64_t, entries, 1000000, "log entries (empty epochs)");
ABSL_FLAG(uint64_t, max_entries_held, 1 << 16, "ReplicaFollowerOptions::max_entries_held");
ABSL_FLAG(int, parallel_fetches, 4, "ReplicaFollowerOptions::parallel_fetches");

namespace keytrail {
namespace {

constexpr char kOrigin[] = "bench.example/replica";

// Keeps only the tree.
class TreeSink : public ReplicaSink {
 public:
  uint64_t next_epoch() const override { return next_; }
  uint64_t tree_size() const override { return range_.size(); }
  std::vector<Hash> frontier() const override { return range_.hashes(); }
  absl::StatusOr<std::shared_ptr<const PublishedState>> Replay(const ReplicaEpoch& epoch,
                                                               const std::string*) override {
    for (const std::string& e : epoch.update_entries) range_.Append(merkle::HashLeaf(e));
    range_.Append(merkle::HashLeaf(epoch.epoch_entry));
    ++next_;
    return std::shared_ptr<const PublishedState>();
  }

 private:
  merkle::CompactRange range_;
  uint64_t next_ = 0;
};

int Run() {
  const uint64_t n = absl::GetFlag(FLAGS_entries);
  test::MemoryTileStore tiles, private_store;
  merkle::CompactRange range;
  std::vector<std::string> bundle;
  for (uint64_t i = 0; i < n; ++i) {
    EpochEntry e{i, 1764300000000 + i, Hash{}, 0};
    bundle.push_back(EncodeEntry(e));
    range.Append(merkle::HashLeaf(bundle.back()));
    if (bundle.size() == tiles::kTileWidth || i + 1 == n) {
      absl::Status put =
          tiles.Put(tiles::EntryBundlePath(i / tiles::kTileWidth, static_cast<int>(bundle.size())),
                    tiles::EncodeEntryBundle(bundle).value(), tiles::ObjectKind::kImmutable);
      if (!put.ok()) {
        std::fprintf(stderr, "replica_follow_bench: %s\n", put.ToString().c_str());
        return 1;
      }
      bundle.clear();
    }
  }
  auto signer = note::Ed25519NoteSigner::Generate(kOrigin).value();
  note::Checkpoint cp{kOrigin, n, range.Root(), {}};
  const note::NoteSigner* signers[] = {&signer};
  absl::Status put =
      tiles.Put("checkpoint", note::SignNote(note::FormatCheckpoint(cp), signers).value(),
                tiles::ObjectKind::kMutable);
  if (!put.ok()) {
    std::fprintf(stderr, "replica_follow_bench: %s\n", put.ToString().c_str());
    return 1;
  }

  TreeSink sink;
  ReplicaFollowerOptions o;
  o.tiles = &tiles;
  o.private_store = &private_store;
  o.replica_key = std::make_shared<const replica::ReplicaKey>(
      replica::ReplicaKey::FromBytes(std::string(32, 'k')).value());
  o.origin = kOrigin;
  o.log_vkey = signer.VerifierKey();
  o.sink = &sink;
  o.max_entries_held = absl::GetFlag(FLAGS_max_entries_held);
  o.parallel_fetches = absl::GetFlag(FLAGS_parallel_fetches);
  auto follower = ReplicaFollower::Create(std::move(o)).value();

  const double before = bench::ResidentMiB();
  std::atomic<bool> done{false};
  std::atomic<int64_t> peak_kib{0};
  std::thread sampler([&] {
    while (!done.load()) {
      const int64_t now = static_cast<int64_t>(bench::ResidentMiB() * 1024);
      if (now > peak_kib.load()) peak_kib.store(now);
      absl::SleepFor(absl::Milliseconds(5));
    }
  });
  const absl::Time start = absl::Now();
  absl::Status step = follower->Step();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  done = true;
  sampler.join();
  if (!step.ok() || sink.tree_size() != n) {
    absl::FPrintF(stderr, "catch-up failed: %s\n", step.ToString());
    return 1;
  }
  bench::Table table({10, 16, 8, 12, 14, 22});
  table.Header(
      {"entries", "max_entries_held", "passes", "seconds", "entries/s", "peak RSS over store"});
  table.Row({absl::StrCat(n), absl::StrCat(absl::GetFlag(FLAGS_max_entries_held)),
             n > absl::GetFlag(FLAGS_max_entries_held) ? "2" : "1",
             absl::StrFormat("%.2f", seconds), absl::StrFormat("%.0f", n / seconds),
             absl::StrFormat("%.0f MiB", peak_kib.load() / 1024.0 - before)});
  return 0;
}

}  // namespace
}  // namespace keytrail

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return keytrail::Run();
}
