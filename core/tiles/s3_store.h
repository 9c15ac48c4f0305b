// S3TileStore: a TileStore (tile_store.h) in an S3-compatible bucket (AWS S3,
// Ceph radosgw, ...), spoken to through the project's one HTTP client
// (core/http/client.h: libcurl, AWS SigV4). Objects live at
// <endpoint>/<bucket>/<prefix>/<tlog-tiles path> (path-style addressing,
// which radosgw and most S3-compatible servers speak without DNS setup).
//
// What the store needs from the bucket (docs/OPERATIONS.md): PUT and GET of
// objects, and conditional create (PUT with `If-None-Match: *` answered 412
// when the key exists; AWS S3 since 2024, radosgw; not OpenStack Swift's
// s3api, which answers 501).
//
// Put:
//  - kImmutable (full tiles and bundles): PUT with `If-None-Match: *` and
//    Cache-Control kImmutableCacheControl. A 412 (the key exists: a retry
//    after a crash, or another log's object) reads the object back:
//    identical bytes are success (idempotent publication), different bytes
//    FailedPrecondition, as tile_store.h and the directory store decide (not
//    DataLoss: nothing of ours was damaged, and not AlreadyExists: the
//    publisher must stop rather than treat it as done). A 501 to the
//    conditional PUT is FailedPrecondition "does not support conditional
//    create": such a store could overwrite a full tile.
//  - kMutable (partial tiles, the checkpoint): a plain PUT (overwrites) with
//    kMutableCacheControl.
//  Content-Type is kCheckpointContentType for `checkpoint`, else
//  kTileContentType. S3 makes a PUT visible whole or not at all, and
//  read-after-write consistent, which tile_store.h's ordering needs.
// Errors, for Put and Get (messages name the operation, path and the S3
// error code from the response, never the secret key):
//  - connection refused/reset, DNS, TLS: Unavailable; no answer within
//    `timeout`: DeadlineExceeded;
//  - 5xx (but 507), 408, 429, 409 (a concurrent conditional write), and the
//    S3 codes SlowDown / RequestTimeout: Unavailable;
//  - 507, or the S3 code QuotaExceeded (radosgw sends it with 403):
//    ResourceExhausted ("store full");
//  - 403 and 401 (bad keys, a clock too far off, no permission):
//    PermissionDenied;
//  - 404 NoSuchBucket: Unavailable naming the bucket (an operator can create
//    it without restarting the log); on Get, any other 404 is NotFound;
//  - other 4xx: FailedPrecondition (a request the store will never accept);
//  - Get: an object larger than kMaxObjectBytes: DataLoss.
// The store does not retry: the publisher retries with backoff.
//
// Thread-safe: configuration is constant after Open and every request uses
// its own curl handle.
#ifndef KEYTRAIL_CORE_TILES_S3_STORE_H_
#define KEYTRAIL_CORE_TILES_S3_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/http/client.h"
#include "core/tiles/tile_store.h"

namespace keytrail {
namespace tiles {

struct S3Credentials {
  std::string access_key;
  std::string secret_key;  // never logged
};

// The credentials file: one line "ACCESS_KEY_ID:SECRET_ACCESS_KEY" (the
// format of s3fs's passwd file), optionally ending in "\n". `contents` as
// read from `path` (named in errors). InvalidArgument, never quoting the
// contents, when the line is not exactly two non-empty fields of printable
// ASCII without spaces separated by one ':' (core/keys/key_file.h's one-line
// rules first).
absl::StatusOr<S3Credentials> ParseS3Credentials(const std::string& path,
                                                 absl::string_view contents);

struct S3StoreConfig {
  std::string endpoint;              // "http(s)://host[:port]", no path
  std::string bucket;                // S3 bucket name: 3-63 of [a-z0-9.-]
  std::string prefix;                // "" or "a/b": [A-Za-z0-9._-] segments joined by '/'
  std::string region = "us-east-1";  // signed into SigV4 (radosgw ignores it)
  std::string credentials_file;      // see ParseS3Credentials; mode 0600
  // Group/other access to the credentials file: refused unless true (then
  // one warning line), as core/keys/key_file.h CheckSecretFileMode.
  bool allow_insecure_credentials_file = false;
  absl::Duration timeout = absl::Seconds(30);  // per request
};

class S3TileStore : public TileStore {
 public:
  // Checks the configuration and reads the credentials; sends nothing (the
  // log starts while the store is down). InvalidArgument naming the field
  // for a bad endpoint, bucket, prefix or region; FailedPrecondition when
  // the credentials file is readable by group or others ("... (or pass
  // --allow_insecure_key_permissions)"); NotFound / PermissionDenied /
  // InvalidArgument from reading it.
  static absl::StatusOr<std::unique_ptr<S3TileStore>> Open(const S3StoreConfig& config);

  absl::Status Put(absl::string_view path, absl::string_view bytes, ObjectKind kind) override;
  absl::StatusOr<std::string> Get(absl::string_view path) override;
  // "s3 <endpoint>/<bucket>/<prefix>".
  std::string Describe() const override;

 private:
  S3TileStore(S3StoreConfig config, S3Credentials credentials)
      : config_(std::move(config)), credentials_(std::move(credentials)) {}
  std::string Url(absl::string_view path) const;
  http::Request NewRequest(const std::string& method, absl::string_view path) const;

  const S3StoreConfig config_;
  const S3Credentials credentials_;
};

}  // namespace tiles
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_TILES_S3_STORE_H_
