// TilesLogClient: LogClient (monitor/log_client.h) over a log's public C2SP
// tlog-tiles (docs/PROTOCOL.md "Public tiles"), as any HTTP server or CDN
// serves them under one base URL (http:// or https://):
//
//   Checkpoint        GET <base>/checkpoint (the signed note, not verified)
//   Entries           GET <base>/tile/entries/<N>[.p/<W>]: the full bundle,
//                     or the partial bundle of a size the client knows of
//                     (the newest checkpoint it fetched, the proof sizes it
//                     was asked for, the end of the requested range); a 404
//                     on one candidate moves on to the next (a partial that
//                     was since completed: the full one)
//   ConsistencyProof  computed by core/merkle's proof builder from hash
//   InclusionProof    tiles: node (8L + k, i) is the root of the 2^k hashes
//                     [i * 2^k, (i + 1) * 2^k) of tile level L; the tile is
//                     the partial one of the proof's tree size when that
//                     row is incomplete there, else the full one (and the
//                     full one when the partial is gone)
//   Info              what the options say (tiles carry no log info), or
//                     the `info` client's answer when one is given
//
// Tiles are unsigned: nothing here is evidence, and nothing is verified but
// the encoding. Callers check proofs against signed roots and replay the
// entries into their own tree, so a tile that does not hash to the
// checkpoint only makes their check fail (Unavailable): no advance, no
// evidence.
//
// Errors (all Unavailable, as LogClient requires, naming the URL):
//   - transport failure, an HTTP status other than 200 (404 only after every
//     candidate path of an object answered 404), a 3xx (not followed);
//   - a body over its cap (checkpoint 256 KiB, hash tile 8 KiB, bundle
//     tiles::kMaxObjectBytes), a hash tile of the wrong width, a bundle with
//     another number of entries or trailing bytes;
//   - the caller's deadline passed (before or during a request: each request
//     gets what is left of it as its timeout).
//   - arguments that name no proof (index >= size, size1 > size2,
//     size1 == 0 < size2), as a log would refuse them.
// InvalidArgument only from Create (a bad base URL) and for Entries with
// count 0 (a programming error).
//
// Memory: one response body at a time per call, each capped as above, plus
// an LRU of fetched full tiles and bundles (immutable, as their
// Cache-Control says) bounded by `cache_objects` and `cache_bytes`; entries
// older than `cache_ttl` are fetched again, so a bad full tile a server has
// since repaired is not kept for long. Partial objects are never cached.
//
// Thread-safe: calls may run concurrently (the follower runs several
// Entries calls at once); the cache has its own lock, never held during I/O.
#ifndef KEYTRAIL_MONITOR_TILES_LOG_CLIENT_H_
#define KEYTRAIL_MONITOR_TILES_LOG_CLIENT_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "monitor/log_client.h"

namespace keytrail::monitor {

struct TilesLogClientOptions {
  // http(s)://host[:port][/prefix], no query or fragment (a trailing '/' is
  // dropped). Checked by Create (monitor/tiles_url.h).
  std::string base_url;
  // Info's answer when `info` is null.
  LogParameters parameters;
  // When set, Info asks it instead (a log with both a tiles URL and a gRPC
  // address: the announced max epoch age comes from GetLogInfo).
  std::unique_ptr<LogClient> info;
  size_t cache_objects = 64;
  size_t cache_bytes = size_t{16} << 20;
  absl::Duration cache_ttl = absl::Minutes(5);
};

class TilesLogClient : public LogClient {
 public:
  // InvalidArgument naming the problem for a bad base URL.
  static absl::StatusOr<std::unique_ptr<TilesLogClient>> Create(TilesLogClientOptions options);

  absl::StatusOr<std::string> Checkpoint(absl::Time deadline) override;
  absl::StatusOr<std::vector<std::string>> Entries(uint64_t start, uint64_t count,
                                                   absl::Time deadline) override;
  absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t size1, uint64_t size2,
                                                     absl::Time deadline) override;
  absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size,
                                                   absl::Time deadline) override;
  absl::StatusOr<LogParameters> Info(absl::Time deadline) override;

  // Objects fetched over HTTP (200s) and served from the cache, since
  // creation: for tests and the bench.
  uint64_t fetches() const { return fetches_.load(); }
  uint64_t cache_hits() const { return cache_hits_.load(); }

  // The bytes of the object at `path` (one of `candidates`, tried in order:
  // the first that is not 404), from the cache or over HTTP, checked by
  // `check` before it is cached. Public for the HashSource in the .cc.
  using Check = absl::Status (*)(const std::string& body, int width);
  struct Candidate {
    std::string path;
    int width;
  };
  struct Fetched {
    std::shared_ptr<const std::string> body;
    int width;  // the candidate's
  };
  absl::StatusOr<Fetched> Object(const std::vector<Candidate>& candidates, size_t max_bytes,
                                 Check check, absl::Time deadline);

 private:
  explicit TilesLogClient(TilesLogClientOptions options);
  // GET base/path; NotFound for 404, Unavailable for everything else.
  absl::StatusOr<std::string> Get(const std::string& path, size_t max_bytes, absl::Time deadline);
  void NoteSize(uint64_t size);
  std::shared_ptr<const std::string> Cached(const std::string& path);
  void Remember(const std::string& path, std::shared_ptr<const std::string> body);

  // Constant after construction.
  const TilesLogClientOptions options_;

  // The largest tree size this client has heard of (unverified: it only
  // picks which partial bundle to try first).
  std::atomic<uint64_t> newest_size_{0};
  std::atomic<uint64_t> fetches_{0}, cache_hits_{0};

  struct CacheEntry {
    std::string path;
    std::shared_ptr<const std::string> body;
    absl::Time added;
  };
  absl::Mutex mu_;
  std::list<CacheEntry> lru_ ABSL_GUARDED_BY(mu_);  // most recent first
  std::unordered_map<std::string, std::list<CacheEntry>::iterator> index_ ABSL_GUARDED_BY(mu_);
  size_t cached_bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_TILES_LOG_CLIENT_H_
