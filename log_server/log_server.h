// LogServer: a running keytrail log — storage, sequencer, queries and the
// gRPC listener — assembled from options. main.cc is a thin flag parser in
// front of it; tests start it in-process on a port the OS picks.
//
// Start() fails with one clear status when a key is missing or unreadable
// (NotFound / PermissionDenied / InvalidArgument naming the file), when a
// private key or token file is open to group or others and
// allow_insecure_key_permissions is false (FailedPrecondition naming the
// file and its mode), when
// --origin and the note key's name disagree (InvalidArgument), when the data
// directory belongs to another origin or key (FailedPrecondition), when the
// directory is locked by another process (FailedPrecondition), when
// --listen is malformed (InvalidArgument), when the listener can't bind,
// e.g. the port is in use, even by another log server (Unavailable), or when
// a --monitors entry is malformed or more cosignatures are required than
// monitors are configured (InvalidArgument), or when the tile directory
// can't be made (the DirectoryTileStore::Open code naming it), or when
// --tiles_listen is malformed (InvalidArgument) or can't be bound
// (Unavailable).
// While publishing tiles fails, the gRPC health service
// "keytrail.v1.TilePublication" is NOT_SERVING (the server's own health,
// "", is not affected: reads and writes go on).
// Start-up raises the soft descriptor limit to the hard one.
#ifndef KEYTRAIL_LOG_SERVER_LOG_SERVER_H_
#define KEYTRAIL_LOG_SERVER_LOG_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/tiles/tile_store.h"
#include "log_server/epoch_context.h"
#include "log_server/proof_scheduler.h"
#include "log_server/sequencer.h"
#include "log_server/vrf_proof_cache.h"

namespace keytrail {

struct LogServerOptions {
  std::string listen_address = "localhost:8090";  // host:port; port 0 = any
  std::string data_dir;
  std::string note_key_file;  // private note key (made by `keytrail keygen`)
  std::string vrf_key_file;   // private VRF key
  std::string origin;         // optional; must equal the note key's name
  SequencerOptions sequencer;
  std::string write_token_file;  // bearer token for writes
  std::string tls_cert_file;     // TLS for the listener (PEM)
  std::string tls_key_file;
  std::string tls_client_ca_file;  // accept writes from client certs it signed
  size_t block_cache_bytes = size_t{1024} << 20;
  // At start-up, a thread of its own reads up to this many bytes of what
  // lookups read (accounts, map leaves, versions) into the block cache, so
  // the first lookups find it in memory instead of reading 4 KiB blocks one
  // by one; capped by block_cache_bytes; 0: none. Serving does not wait for
  // it; progress is logged per column family.
  size_t warm_cache_bytes = size_t{1024} << 20;
  // Index and bloom filter blocks of every table file pinned in the block
  // cache (DatabaseOptions::pin_index_and_filter_blocks); false: level 0's
  // only, as before (for A/B measurements).
  bool pin_index_and_filter_blocks = true;
  // Monitors to push every checkpoint to, each "NAME=URL=VKEY"
  // (witness_client.h), and how many of their cosignatures a checkpoint
  // needs before Lookup, History and GetCheckpoint serve it. None: reads
  // serve the newest log-signed checkpoint, as before.
  std::vector<std::string> monitors;
  size_t required_cosignatures = 0;
  absl::Duration monitor_timeout = absl::Seconds(10);
  // Use private key and token files that group or others may read (with a
  // warning) instead of refusing to start.
  bool allow_insecure_key_permissions = false;
  // Most client connections open at once (0: bounded only by the descriptor
  // limit, less a reserve); more are closed as they arrive. See listener.h.
  int64_t max_connections = 0;
  // Reads of accounts the log does not know need a VRF proof (~3x an
  // ordinary lookup's work): they run on their own workers, fairly across
  // clients and within these limits (proof_scheduler.h); false answers them
  // on gRPC's threads like every other read, with no limit (as before
  // issue 9; for A/B measurements).
  bool limit_vrf_proofs = true;
  ProofSchedulerOptions vrf_proofs;
  // Absent accounts' VRF proofs kept (vrf_proof_cache.h); 0: none.
  size_t vrf_proof_cache_entries = VrfProofCache::kDefaultCapacity;
  // What lookups of one epoch share, built once per epoch
  // (epoch_context.h): map strata held in memory, consistency proofs kept.
  EpochContextOptions lookup_context;
  // Public C2SP tlog-tiles (tile_publisher.h): after each epoch its tiles,
  // entry bundles and (cosigned) checkpoint go to `tile_store` if set (an
  // S3 store, a test's), else to the directory `tiles_dir` (empty:
  // <data_dir>/tiles). With monitors, a checkpoint is pushed to them only
  // once its tiles are written.
  bool publish_tiles = true;
  std::string tiles_dir;
  std::shared_ptr<tiles::TileStore> tile_store;
  // host:port to serve the published tiles over HTTP on (tiles_http.h);
  // empty: not served (a web server or CDN serves tiles_dir instead).
  std::string tiles_listen;
  absl::Duration tiles_min_backoff = absl::Milliseconds(100);
  absl::Duration tiles_max_backoff = absl::Seconds(30);
  // Private epoch bundles for read replicas (docs/REPLICAS.md): with a
  // replica key file (mode 0600, 64 hex digits), each epoch's sealed
  // bundle parts go to `private_store` if set, else to the directory
  // `private_dir` (empty: <data_dir>/private), before the epoch's tiles.
  // Needs publish_tiles. The private directory must not be the tiles one.
  std::string replica_key_file;
  std::string private_dir;
  std::shared_ptr<tiles::TileStore> private_store;
};

class LogServer {
 public:
  static absl::StatusOr<std::unique_ptr<LogServer>> Start(const LogServerOptions& options);
  ~LogServer();

  // The port the listener bound (useful with port 0).
  int port() const;
  // Prometheus text of the tile publication's state ("" when not
  // publishing); see TilePublisher::Metrics.
  std::string TileMetrics() const;
  // The port --tiles_listen bound; 0 when not serving tiles.
  int tiles_port() const;
  // Waits up to `timeout` for the start-up block cache warm-up
  // (warm_cache_bytes) to end, whether it finished, failed (logged) or was
  // stopped; true once it has (at once when there is none). For benchmarks
  // that measure a warm server.
  bool WaitForWarmCache(absl::Duration timeout) const;
  // Health turns NOT_SERVING and new updates are refused (UNAVAILABLE,
  // nothing written); the updates already queued go into one last epoch and
  // their calls are answered with its real outcome; then gRPC stops, giving
  // answers still being sent up to min(`grace`, 1 s) (idle connections do
  // not hold it longer), and the database closes.
  void Shutdown(absl::Duration grace = absl::Seconds(5));

  struct Parts;  // defined in log_server.cc

 private:
  explicit LogServer(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_LOG_SERVER_H_
