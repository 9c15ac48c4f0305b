// ReplicaServer: a read replica of a keytrail log (docs/REPLICAS.md) — the
// log server's read side over a RocksDB of its own, fed from the primary's
// stores (public tiles and sealed private epoch bundles, in a directory or
// S3), each epoch verified before it is served (ReplicaFollower checks the
// checkpoint's signatures and the entries' tree, EpochReplayer the private
// half, the chain heads and the map root, and stores it in the primary's
// layout). Lookup, History, GetCheckpoint, GetEntries, GetInclusionProof,
// GetConsistencyProof and GetLogInfo answer byte-for-byte as the primary
// does at the same checkpoint (the same LogQueries code over the same
// records); Update and BatchUpdate get FAILED_PRECONDITION naming the
// primary; a size beyond the newest verified checkpoint is UNAVAILABLE
// ("behind: retry"), as is every read before the first one.
//
// Health ("" service): NOT_SERVING while the listener fails, before the
// first verified checkpoint, when the served epoch is older than
// max_staleness, or once the follower stopped at bad data (it keeps
// answering from its last good epoch meanwhile: clients verify it, and a
// load balancer moves them elsewhere).
//
// Start fails with one clear status, like LogServer::Start: a missing or
// unreadable key (the VRF key, the log's note verifier key, the replica
// key), a key file open to others, a data directory of another log or of a
// primary (FailedPrecondition), a bad listen address or a port in use.
#ifndef KEYTRAIL_LOG_SERVER_REPLICA_SERVER_H_
#define KEYTRAIL_LOG_SERVER_REPLICA_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/tiles/tile_store.h"
#include "log_server/epoch_context.h"
#include "log_server/proof_scheduler.h"
#include "log_server/vrf_proof_cache.h"

namespace keytrail {

struct ReplicaServerOptions {
  std::string listen_address = "localhost:8090";
  std::string data_dir;          // the replica's own; never the primary's
  std::string vrf_key_file;      // the primary's private VRF key (absent accounts)
  std::string note_vkey_file;    // the log's note verifier key (keygen's public file)
  std::string replica_key_file;  // the key the primary seals private bundles with
  // Cosigners whose cosignatures the log's checkpoints must carry (C2SP
  // vkeys), and how many: as the primary's --required_cosignatures; 0
  // serves log-signed checkpoints.
  std::vector<std::string> cosigner_vkeys;
  size_t required_cosignatures = 0;
  // Where the primary publishes: `tile_store`/`private_store` if set (S3),
  // else the directories (read only: a replica never writes there).
  std::shared_ptr<tiles::TileStore> tile_store;
  std::string tiles_dir;
  std::shared_ptr<tiles::TileStore> private_store;
  std::string private_dir;
  std::string primary;  // where updates go, named in the refusal
  // What GetLogInfo announces: must be the primary's.
  absl::Duration epoch_interval = absl::Seconds(1);
  absl::Duration max_epoch_age = absl::Seconds(60);
  absl::Duration poll_interval = absl::Seconds(1);
  absl::Duration min_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(30);
  absl::Duration max_staleness = absl::Minutes(5);
  // New entries the follower holds at once while it catches up (~130
  // bytes each; beyond it, it verifies in one pass and replays in a
  // second: replica_follower.h).
  uint64_t max_entries_held = 1 << 16;
  // host:port for GET /metrics (core/http); empty: none.
  std::string metrics_listen;
  std::string tls_cert_file;
  std::string tls_key_file;
  int64_t max_connections = 0;
  size_t block_cache_bytes = size_t{1024} << 20;
  // Read into the block cache at start (cache_warmer.h), as the primary's
  // warm_cache_bytes; capped by block_cache_bytes; 0: none.
  size_t warm_cache_bytes = size_t{1024} << 20;
  bool pin_index_and_filter_blocks = true;
  bool limit_vrf_proofs = true;
  ProofSchedulerOptions vrf_proofs;
  size_t vrf_proof_cache_entries = VrfProofCache::kDefaultCapacity;
  EpochContextOptions lookup_context;
  bool allow_insecure_key_permissions = false;
};

class ReplicaServer {
 public:
  static absl::StatusOr<std::unique_ptr<ReplicaServer>> Start(const ReplicaServerOptions& options);
  ~ReplicaServer();

  int port() const;
  int metrics_port() const;  // 0 without metrics_listen
  // As LogServer::WaitForWarmCache.
  bool WaitForWarmCache(absl::Duration timeout) const;
  // Prometheus text of the follower's state (ReplicaFollower::Metrics).
  std::string Metrics() const;
  // Stops following, then gRPC (answers on their way out get up to
  // min(grace, 1 s)), then closes the database.
  void Shutdown(absl::Duration grace = absl::Seconds(5));

  struct Parts;  // defined in replica_server.cc

 private:
  explicit ReplicaServer(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_REPLICA_SERVER_H_
