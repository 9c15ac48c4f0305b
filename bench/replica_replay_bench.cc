// How fast a read replica's storage side (log_server/epoch_replayer.h)
// replays a primary's epochs: the storage half of issue 16's "catch-up from
// empty" figure.
//
//   bazel build -c opt //bench:update_bench //bench:replica_replay_bench
//   bazel-bin/bench/update_bench --accounts=100000 --updates=20000 \
//       --publish_tiles=false --dir=/tmp/kt-replay-bench
//   bazel-bin/bench/replica_replay_bench --primary_dir=/tmp/kt-replay-bench/data
//
// The primary is any log server data directory (update_bench's --dir/data); the
// log's identity comes from its own config record. Each epoch is read from
// the primary's database into memory as the follower would hand it over
// (entries, private parts from ReadPrivateParts, the checkpoint note), which
// is not timed; then EpochReplayer::Replay is, into an empty replica
// database (--replica_dir, wiped first): every check, the rebuild and the
// synced commit. No tile store, no sealing or opening, no network.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "log_server/epoch_replayer.h"
#include "log_server/log_storage.h"
#include "log_server/private_bundles.h"

ABSL_FLAG(std::string, primary_dir, "/tmp/keytrail-bench/data",
          "the primary's data directory (update_bench's --dir/data)");
ABSL_FLAG(std::string, replica_dir, "",
          "the replica's (wiped first; default <primary_dir>-replica)");
ABSL_FLAG(int64_t, checkpoint_every, 1,
          "epochs per checkpoint the replica is given (the last epoch always has one)");
ABSL_FLAG(int64_t, block_cache_mb, 1024, "RocksDB block cache of each database");

namespace keytrail {
namespace {

int Fail(const absl::Status& s, absl::string_view what) {
  std::fprintf(stderr, "replica_replay_bench: %s: %s\n", std::string(what).c_str(),
               s.ToString().c_str());
  return 1;
}

int Run() {
  const std::string primary_dir = absl::GetFlag(FLAGS_primary_dir);
  std::string replica_dir = absl::GetFlag(FLAGS_replica_dir);
  if (replica_dir.empty()) replica_dir = primary_dir + "-replica";
  const uint64_t every = std::max<int64_t>(1, absl::GetFlag(FLAGS_checkpoint_every));
  const size_t cache = static_cast<size_t>(absl::GetFlag(FLAGS_block_cache_mb)) << 20;

  auto primary = LogStorage::Open(primary_dir, cache);
  if (!primary.ok()) return Fail(primary.status(), "opening the primary");
  const LogReader reader = (*primary)->Reader(nullptr);
  auto config = reader.GetConfig();
  auto state = reader.GetState();
  if (!config.ok() || !state.ok() || !config->has_value() || !state->has_value()) {
    return Fail(absl::FailedPreconditionError("no log there"), primary_dir);
  }
  const uint64_t epochs = (*state)->epoch + 1;

  std::filesystem::remove_all(replica_dir);
  auto replica = LogStorage::Open(replica_dir, cache);
  if (!replica.ok()) return Fail(replica.status(), "opening the replica");
  auto replayer = EpochReplayer::Open(replica->get(), **config);
  if (!replayer.ok()) return Fail(replayer.status(), "opening the replayer");

  absl::Duration load_time, replay_time;
  uint64_t updates = 0, first = 0;
  for (uint64_t e = 0; e < epochs; ++e) {
    const absl::Time load_start = absl::Now();
    auto record = reader.GetEpoch(e);
    if (!record.ok() || !record->has_value()) return Fail(record.status(), "epoch record");
    auto entries = reader.GetEntries(first, (*record)->tree_size - first);
    if (!entries.ok()) return Fail(entries.status(), "entries");
    ReplicaEpoch epoch;
    epoch.epoch = e;
    epoch.first_log_index = first;
    epoch.epoch_entry = std::move(entries->back());
    entries->pop_back();
    epoch.update_entries = *std::move(entries);
    auto parts = ReadPrivateParts(reader, e);
    if (!parts.ok()) return Fail(parts.status(), "private parts");
    epoch.parts = *std::move(parts);
    const bool checkpointed = (e + 1) % every == 0 || e + 1 == epochs;
    const std::string note = (*record)->checkpoint;
    const absl::Time replay_start = absl::Now();
    load_time += replay_start - load_start;

    auto served = (*replayer)->Replay(epoch, checkpointed ? &note : nullptr);
    replay_time += absl::Now() - replay_start;
    if (!served.ok()) return Fail(served.status(), absl::StrCat("replaying epoch ", e));
    updates += epoch.update_entries.size();
    first = (*record)->tree_size;
  }

  const double seconds = absl::ToDoubleSeconds(replay_time);
  bench::Table table({28, 16});
  table.Header({"replica replay", "value"});
  table.Row({"epochs", absl::StrCat(epochs)});
  table.Row({"entries", absl::StrCat(first)});
  table.Row({"update entries", absl::StrCat(updates)});
  table.Row({"checkpoint every", absl::StrCat(every, " epochs")});
  table.Row({"load (not timed), s", absl::StrFormat("%.1f", absl::ToDoubleSeconds(load_time))});
  table.Row({"replay, s", absl::StrFormat("%.1f", seconds)});
  table.Row({"entries/s", absl::StrFormat("%.0f", first / seconds)});
  table.Row({"updates/s", absl::StrFormat("%.0f", updates / seconds)});
  table.Row({"replica MB", absl::StrFormat("%.1f", bench::DirectoryBytes(replica_dir) / 1e6)});
  table.Row({"primary MB", absl::StrFormat("%.1f", bench::DirectoryBytes(primary_dir) / 1e6)});
  return 0;
}

}  // namespace
}  // namespace keytrail

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return keytrail::Run();
}
