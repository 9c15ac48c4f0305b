// Reading a log's entries back from its C2SP tlog-tiles entry bundles in a
// TileStore (core/tiles/tile_store.h), as a read replica does: which object
// holds them (the full bundle, or the partial one of the checkpoint's size,
// or the full one that has since replaced it), fetched a few at once.
//
// Thread safety: FetchBundle calls only store.Get (thread-safe); FetchAll
// runs `fn` on up to `parallel` threads.
#ifndef KEYTRAIL_LOG_SERVER_ENTRY_BUNDLE_FETCH_H_
#define KEYTRAIL_LOG_SERVER_ENTRY_BUNDLE_FETCH_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/tiles/tile_store.h"

namespace keytrail {

// fn(i) for i in [0, n), at most `parallel` at once; the results in order.
template <typename T, typename Fn>
std::vector<absl::StatusOr<T>> FetchAll(size_t n, int parallel, const Fn& fn) {
  std::vector<absl::StatusOr<T>> out(n);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n;) out[i] = fn(i);
  };
  const size_t threads = std::min<size_t>(n, static_cast<size_t>(std::max(parallel, 1)));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  return out;
}

// The entries [max(start, 256N), min(end, 256N + 256)) of bundle N.
struct Bundle {
  std::string path;                          // the object they came from
  std::shared_ptr<const std::string> bytes;  // what `entries` point into
  std::vector<absl::string_view> entries;
};

// Bundle `index` as a reader of a checkpoint of size `end` finds it: the
// full bundle, or (when the tree ends inside it) the partial bundle of that
// size, or the full one that replaced it. REQUIRES: the bundle holds
// entries in [start, end). Errors name the path: the store's Get errors
// (NotFound only when neither candidate exists), InvalidArgument for a
// bundle that does not parse at its width.
absl::StatusOr<Bundle> FetchBundle(tiles::TileStore& store, uint64_t index, uint64_t start,
                                   uint64_t end);

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_ENTRY_BUNDLE_FETCH_H_
