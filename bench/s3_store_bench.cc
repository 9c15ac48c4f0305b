// S3TileStore against Ceph's radosgw on loopback (testing/radosgw.h:
// memstore OSD, so no disk in the figures), beside DirectoryTileStore on the
// local file system:
//  - PUT rate: 8 KiB create-only tiles, one thread and four;
//  - publication latency per epoch: the objects one epoch of E new entries
//    publishes (core/tiles NewObjects: bundles, hash tiles, partial ones
//    mutable) plus the checkpoint, written in order on one thread as the
//    publisher does; bundles of ~200-byte entries, hash tiles 32 bytes a
//    hash. Median and range over the epochs.
// Not a test: run by hand (BENCHMARKS.md):
//   bazel run -c opt //bench:s3_store_bench
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "core/tiles/directory_store.h"
#include "core/tiles/s3_store.h"
#include "core/tiles/tile_path.h"
#include "testing/process.h"
#include "testing/radosgw.h"

namespace keytrail {
namespace {

using tiles::ObjectKind;

struct Figures {
  double median_ms, min_ms, max_ms;
};

Figures Summarize(const std::vector<double>& ms) {
  const auto [min, max] = std::minmax_element(ms.begin(), ms.end());
  return {bench::Median(ms), *min, *max};
}

// Sequential create-only PUTs of 8 KiB; returns PUTs/s.
double PutRate(tiles::TileStore* store, const std::string& run, int n, int threads) {
  const std::string tile(8192, 'h');
  absl::Time start = absl::Now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = t; i < n; i += threads) {
        // Distinct level-1 tiles per run (the store is create-only).
        std::string path = tiles::HashTilePath(1 + run.size() % 60, 1000000 * run.size() + i, 256);
        absl::Status s = store->Put(path, tile, ObjectKind::kImmutable);
        if (!s.ok()) std::fprintf(stderr, "put failed: %s\n", s.ToString().c_str());
      }
    });
  }
  for (auto& w : workers) w.join();
  return n / absl::ToDoubleSeconds(absl::Now() - start);
}

// Publishes `epochs` epochs of `per_epoch` entries; per-epoch times.
std::vector<double> Publish(tiles::TileStore* store, uint64_t per_epoch, int epochs,
                            size_t* objects) {
  std::vector<double> ms;
  uint64_t size = 0;
  *objects = 0;
  for (int e = 0; e < epochs; ++e) {
    const uint64_t next = size + per_epoch;
    absl::Time start = absl::Now();
    for (const tiles::ObjectId& id : tiles::NewObjects(size, next)) {
      const size_t bytes =
          id.type == tiles::ObjectType::kEntryBundle ? 202 * id.width : 32 * id.width;
      absl::Status s = store->Put(tiles::ObjectPath(id), std::string(bytes, 'e'),
                                  id.partial() ? ObjectKind::kMutable : ObjectKind::kImmutable);
      if (!s.ok()) std::fprintf(stderr, "put failed: %s\n", s.ToString().c_str());
      ++*objects;
    }
    absl::Status s =
        store->Put(tiles::kCheckpointPath, std::string(400, 'c'), ObjectKind::kMutable);
    if (!s.ok()) std::fprintf(stderr, "put failed: %s\n", s.ToString().c_str());
    ++*objects;
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
    size = next;
  }
  return ms;
}

int Main() {
  if (std::string missing = test::Radosgw::MissingReason(); !missing.empty()) {
    std::fprintf(stderr, "%s\n", missing.c_str());
    return 1;
  }
  auto gw = test::Radosgw::Start("s3-bench");
  if (!gw.ok()) {
    std::fprintf(stderr, "radosgw: %s\n", gw.status().ToString().c_str());
    return 1;
  }
  std::printf("radosgw started in %.1f s\n", absl::ToDoubleSeconds((*gw)->start_time()));
  const std::string creds = (*gw)->dir() + "/s3.credentials";
  { std::ofstream(creds) << (*gw)->access_key() << ":" << (*gw)->secret_key() << "\n"; }
  ::chmod(creds.c_str(), 0600);

  auto s3_for = [&](const std::string& prefix) {
    tiles::S3StoreConfig c;
    c.endpoint = (*gw)->endpoint();
    c.bucket = (*gw)->bucket();
    c.prefix = prefix;
    c.credentials_file = creds;
    return *tiles::S3TileStore::Open(c);
  };
  auto dir_for = [&](const std::string& name) {
    return *tiles::DirectoryTileStore::Open(test::TempDir(name));
  };

  for (int threads : {1, 4}) {
    std::vector<double> s3_rates, dir_rates;
    for (int run = 0; run < 3; ++run) {
      std::string tag = absl::StrCat("r", threads, run);
      s3_rates.push_back(PutRate(s3_for("rate").get(), tag + "s", 300, threads));
      dir_rates.push_back(PutRate(dir_for("dir-rate-" + tag).get(), tag + "d", 300, threads));
    }
    Figures s3 = Summarize(s3_rates), dir = Summarize(dir_rates);
    std::printf(
        "8 KiB create-only PUTs, %d thread(s): radosgw %.0f/s (%.0f-%.0f), directory %.0f/s "
        "(%.0f-%.0f)\n",
        threads, s3.median_ms, s3.min_ms, s3.max_ms, dir.median_ms, dir.min_ms, dir.max_ms);
  }
  for (uint64_t per_epoch : {10, 100, 1000}) {
    size_t s3_objects = 0, dir_objects = 0;
    Figures s3 = Summarize(
        Publish(s3_for(absl::StrCat("epochs", per_epoch)).get(), per_epoch, 30, &s3_objects));
    Figures dir = Summarize(
        Publish(dir_for(absl::StrCat("dir-epochs", per_epoch)).get(), per_epoch, 30, &dir_objects));
    std::printf(
        "epoch of %4llu entries (%.1f objects/epoch): radosgw %.1f ms (%.1f-%.1f), directory %.1f "
        "ms (%.1f-%.1f)\n",
        static_cast<unsigned long long>(per_epoch), s3_objects / 30.0, s3.median_ms, s3.min_ms,
        s3.max_ms, dir.median_ms, dir.min_ms, dir.max_ms);
  }
  return 0;
}

}  // namespace
}  // namespace keytrail

int main() { return keytrail::Main(); }
