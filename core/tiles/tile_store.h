// TileStore: where a log's public C2SP tlog-tiles objects go (hash tiles,
// entry bundles, the checkpoint), and where readers fetch them back.
//
// Paths are the tlog-tiles paths relative to the log's prefix, as
// core/tiles/tile_path.h builds them: "tile/0/x001/234", "tile/entries/000.p/7",
// "checkpoint". A store never interprets the bytes.
//
// Two kinds of object:
//  - kImmutable: full tiles and full entry bundles. Written create-only: when
//    an object already exists at the path, Put succeeds if its bytes are
//    identical (so publication can be retried after a crash: idempotent) and
//    fails with FailedPrecondition if they differ (the store holds another
//    log's or a forked tree's tile; never overwritten). Served with
//    kImmutableCacheControl.
//  - kMutable: partial tiles and partial bundles (replaced or left behind
//    when their full tile appears) and the checkpoint (replaced every epoch).
//    Put overwrites. Served with kMutableCacheControl (caches keep them a few
//    seconds, as tlog-tiles asks of the checkpoint).
//
// Put(path, bytes, kind):
//  - OK: the object is durable (a later Get, also after a crash of this
//    process or of the machine, returns exactly `bytes`).
//  - InvalidArgument: `path` is not a path tlog-tiles defines (checked with
//    ParseObjectPath before anything is written).
//  - FailedPrecondition: kImmutable and a different object exists there. Not
//    retryable: the publisher stops and reports it.
//  - Unavailable: the store cannot be reached or is failing (a full disk, an
//    I/O error, an S3 endpoint down, a 5xx): retry later with backoff. A
//    failed Put may have left nothing or the complete object, never a part
//    of it visible at `path`.
//  - ResourceExhausted may be returned instead of Unavailable for a full
//    store; callers treat it as retryable too (IsRetryable below).
//  - PermissionDenied: the store refuses our credentials or file modes
//    (retried too: an operator can fix it without restarting the log).
// Get(path):
//  - the object's bytes; NotFound when absent; InvalidArgument for a path
//    tlog-tiles does not define; Unavailable as for Put; DataLoss when the
//    store returns something that cannot be the object (e.g. larger than any
//    tlog-tiles object may be).
//
// A crash of the writer during Put leaves the old state or the new object at
// `path` (temporary files or incomplete uploads are invisible to Get).
// Ordering between objects: a Put that returned OK is visible to every Get
// that starts afterwards (read-after-write), so a publisher that writes the
// tiles first and the checkpoint last never exposes a checkpoint whose tiles
// are missing.
//
// Implementations are thread-safe: concurrent Puts of different paths, and
// Gets concurrent with anything. Concurrent Puts of one path are the caller's
// to avoid (the publisher has one thread).
#ifndef KEYTRAIL_CORE_TILES_TILE_STORE_H_
#define KEYTRAIL_CORE_TILES_TILE_STORE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace keytrail {
namespace tiles {

enum class ObjectKind { kImmutable, kMutable };

// Cache-Control of full tiles and bundles (one week, never revalidated).
inline constexpr char kImmutableCacheControl[] = "public, max-age=604800, immutable";
// Cache-Control of partial tiles/bundles and the checkpoint.
inline constexpr char kMutableCacheControl[] = "public, max-age=5";
// Cache-Control of private bundles (docs/REPLICAS.md): never cached by a
// shared cache, whatever their kind.
inline constexpr char kPrivateCacheControl[] = "private, no-store";
// Content types tlog-tiles names.
inline constexpr char kCheckpointContentType[] = "text/plain; charset=utf-8";
inline constexpr char kTileContentType[] = "application/octet-stream";

// The largest object a store ever holds: an entry bundle of 256 entries of
// at most 65535 bytes each with their 2-byte prefixes. Readers refuse more.
inline constexpr size_t kMaxObjectBytes = 256 * (2 + 65535);

class TileStore {
 public:
  virtual ~TileStore() = default;

  virtual absl::Status Put(absl::string_view path, absl::string_view bytes, ObjectKind kind) = 0;
  virtual absl::StatusOr<std::string> Get(absl::string_view path) = 0;

  // A short description for logs and the health status ("dir /var/...",
  // "s3 http://host/bucket/prefix"); never holds credentials.
  virtual std::string Describe() const = 0;
};

// True for the codes a Put/Get failure may heal from by itself (retry with
// backoff): Unavailable, ResourceExhausted, DeadlineExceeded,
// PermissionDenied, Aborted. False for OK and everything else (e.g.
// FailedPrecondition, InvalidArgument, DataLoss).
bool IsRetryable(const absl::Status& status);

}  // namespace tiles
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_TILES_TILE_STORE_H_
