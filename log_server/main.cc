// log_server: the keytrail log, or with --replica a read replica of one
// (docs/REPLICAS.md). Flags are documented in docs/OPERATIONS.md;
// `log_server --help` lists them.
//
// Exits 1 with one line on stderr ("log_server: <why>") when it can't start;
// on SIGINT or SIGTERM it stops accepting calls, commits what is queued and
// exits 0.
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/tiles/s3_store.h"
#include "core/util/logging.h"
#include "core/util/server_process.h"
#include "log_server/log_server.h"
#include "log_server/replica_server.h"

ABSL_FLAG(std::string, listen, "localhost:8090", "host:port to serve gRPC on (port 0: any)");
ABSL_FLAG(std::string, data_dir, "", "RocksDB directory (created if missing)");
ABSL_FLAG(std::string, note_key, "", "private note signing key file (keytrail keygen note)");
ABSL_FLAG(std::string, vrf_key, "", "private VRF key file (keytrail keygen vrf)");
ABSL_FLAG(std::string, origin, "", "log origin; must equal the note key's name (optional)");
ABSL_FLAG(absl::Duration, epoch_interval, absl::Seconds(1),
          "minimum time between epochs while updates wait");
ABSL_FLAG(int64_t, max_epoch_updates, 100000, "most updates in one epoch");
ABSL_FLAG(absl::Duration, max_epoch_age, absl::Seconds(60),
          "publish an epoch at least this often, even with no updates");
ABSL_FLAG(absl::Duration, storage_retry_min, absl::Seconds(1),
          "after a failed write (e.g. a full disk), first retry after this long");
ABSL_FLAG(absl::Duration, storage_retry_max, absl::Seconds(30),
          "then retry with the wait doubling up to this long");
ABSL_FLAG(std::string, write_token_file, "", "file holding the bearer token writers present");
ABSL_FLAG(std::string, tls_cert_file, "", "PEM certificate chain for the listener");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key for the listener");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA: clients with a certificate it signed may write");
ABSL_FLAG(int64_t, block_cache_mb, 1024,
          "RocksDB block cache size; about 450 bytes per account keeps lookups in memory");
ABSL_FLAG(bool, pin_index_and_filter_blocks, true,
          "keep every table file's index and bloom filter blocks pinned in the block cache "
          "(false: level 0's only)");
ABSL_FLAG(int64_t, warm_cache_mb, 1024,
          "at start-up, read up to this many MiB of accounts, map leaves and versions into the "
          "block cache in the background (capped by --block_cache_mb; 0: none)");
ABSL_FLAG(std::vector<std::string>, monitors, {},
          "comma-separated monitors to push checkpoints to, each NAME=URL=VKEY "
          "(URL http://host:port, VKEY the monitor's cosignature verifier key)");
ABSL_FLAG(int64_t, required_cosignatures, 0,
          "cosignatures from --monitors a checkpoint needs before reads serve it");
ABSL_FLAG(absl::Duration, monitor_timeout, absl::Seconds(10), "timeout of one push to a monitor");
ABSL_FLAG(bool, allow_insecure_key_permissions, false,
          "use private key and token files that group or others can read (warns)");
ABSL_FLAG(int64_t, max_connections, 0,
          "most client connections at once; more are closed on arrival (0: the "
          "descriptor limit less a reserve)");
ABSL_FLAG(bool, limit_vrf_proofs, true,
          "run lookups of absent accounts (each needs a VRF proof) on their own workers, "
          "within the limits below; false: no limits (for comparison only)");
ABSL_FLAG(int, vrf_workers, 0,
          "threads proving absent accounts' VRF indexes for reads (0: half the cores, at "
          "least 1)");
ABSL_FLAG(int, vrf_worker_nice, 10,
          "nice added to those threads, so ordinary reads get the cores first (0: none)");
ABSL_FLAG(int64_t, max_vrf_proofs_per_client, 32,
          "most absent-account lookups one client address may have queued or running; "
          "more wait for its own to finish (0: no per-client limit)");
ABSL_FLAG(int64_t, max_vrf_queue, 4096,
          "most absent-account lookups waiting in total; more get RESOURCE_EXHAUSTED");
ABSL_FLAG(absl::Duration, vrf_max_wait, absl::Seconds(1),
          "an absent-account lookup not started within this gets RESOURCE_EXHAUSTED");
ABSL_FLAG(int64_t, vrf_proof_cache_entries, 65536,
          "absent accounts whose VRF proof is kept (LRU, ~250 bytes each; 0: none)");
ABSL_FLAG(int, lookup_map_strata, 4,
          "strata of the map (4 levels each) held in memory per epoch for lookups "
          "(0-5; 4: at most 4,369 tiles, ~10 MiB; 5: up to ~160 MiB)");
ABSL_FLAG(int64_t, lookup_consistency_proofs, 64,
          "consistency proofs to the served size kept per epoch (at most 2 KiB each; 0: none)");
ABSL_FLAG(int64_t, lookup_iterators, 16,
          "idle map-leaf iterators kept per epoch for lookups to reuse (0: one per lookup)");
ABSL_FLAG(bool, publish_tiles, true,
          "publish the log as C2SP tlog-tiles (tiles, entry bundles, checkpoint) after each "
          "epoch");
ABSL_FLAG(std::string, tiles_dir, "",
          "directory the tiles are published to (default: <data_dir>/tiles)");
ABSL_FLAG(std::string, tiles_s3_endpoint, "",
          "publish the tiles to this S3-compatible endpoint (http(s)://host[:port]) instead of "
          "--tiles_dir; needs --tiles_s3_bucket and --tiles_s3_credentials_file");
ABSL_FLAG(std::string, tiles_s3_bucket, "", "the S3 bucket the tiles go to (path-style)");
ABSL_FLAG(std::string, tiles_s3_prefix, "",
          "key prefix inside the bucket (e.g. \"logs/example\"; default: the bucket's root)");
ABSL_FLAG(std::string, tiles_s3_region, "us-east-1", "the region signed into SigV4");
ABSL_FLAG(std::string, tiles_s3_credentials_file, "",
          "file (mode 0600) holding one line ACCESS_KEY_ID:SECRET_ACCESS_KEY");
ABSL_FLAG(std::string, tiles_listen, "",
          "host:port to serve the published tiles (and /metrics) over HTTP on; empty: not "
          "served (port 0: any; see --tiles_port_file)");
ABSL_FLAG(std::string, tiles_port_file, "",
          "once serving tiles, write the bound HTTP port to this file (for --tiles_listen=host:0)");
ABSL_FLAG(absl::Duration, tiles_retry_min, absl::Milliseconds(100),
          "first wait before retrying a failed tile write (doubles up to --tiles_retry_max)");
ABSL_FLAG(absl::Duration, tiles_retry_max, absl::Seconds(30),
          "longest wait between retries of a failed tile write");
ABSL_FLAG(std::string, replica_key_file, "",
          "file (mode 0600) holding the 32-byte replica key as 64 hex digits (keytrail keygen "
          "replica); with it, each epoch's sealed private bundle for read replicas is published "
          "to --private_dir (docs/REPLICAS.md)");
ABSL_FLAG(std::string, private_dir, "",
          "directory the private epoch bundles go to (default: <data_dir>/private; never the "
          "public tiles directory)");
ABSL_FLAG(std::string, private_s3_bucket, "",
          "publish the private epoch bundles to this S3 bucket instead of --private_dir "
          "(endpoint, region and credentials of --tiles_s3_*; a bucket nobody reads anonymously)");
ABSL_FLAG(std::string, private_s3_prefix, "",
          "key prefix inside --private_s3_bucket (must differ from --tiles_s3_prefix when the "
          "buckets are the same)");
ABSL_FLAG(std::string, port_file, "",
          "once listening, write the bound port to this file (for --listen=host:0)");
ABSL_FLAG(bool, replica, false,
          "run as a read replica (docs/REPLICAS.md): follow the primary's tiles and private "
          "bundles (--tiles_dir or --tiles_s3_*, --private_dir or --private_s3_*, "
          "--replica_key_file), verify each epoch, serve reads; needs --note_vkey, not "
          "--note_key");
ABSL_FLAG(std::string, note_vkey, "",
          "replica: the log's note verifier key file (the public file of keytrail keygen note)");
ABSL_FLAG(std::string, primary, "",
          "replica: where updates go (named when an update is refused), e.g. log.example:8090");
ABSL_FLAG(std::vector<std::string>, cosigner_vkeys, {},
          "replica: comma-separated cosigner verifier keys whose cosignatures "
          "--required_cosignatures counts (the primary's --monitors' VKEYs)");
ABSL_FLAG(absl::Duration, replica_poll_interval, absl::Seconds(1),
          "replica: how often to look for a new checkpoint");
ABSL_FLAG(absl::Duration, replica_max_staleness, absl::Minutes(5),
          "replica: health turns NOT_SERVING when the served epoch is older than this");
ABSL_FLAG(int64_t, replica_max_held_entries, 65536,
          "replica: most new entries held at once while catching up (~130 B each; beyond: "
          "verified in one pass, fetched again and replayed in a second)");
ABSL_FLAG(std::string, metrics_listen, "",
          "replica: host:port to serve GET /metrics on (port 0: any; empty: none)");
ABSL_FLAG(std::string, metrics_port_file, "",
          "replica: once listening, write the /metrics port to this file");

namespace {

int Fail(const std::string& why) {
  std::fprintf(stderr, "log_server: %s\n", why.c_str());
  return 1;
}

// Writes `port` to `path` under a temporary name and renames it, so a
// reader never sees a partial number. "" when done (or no path), else why not.
std::string WritePortFile(const std::string& flag, const std::string& path, int port) {
  if (path.empty()) return "";
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out) return "can't write " + flag + " " + tmp;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return "can't write " + flag + " " + path;
  return "";
}

// Blocks SIGINT and SIGTERM in every thread (threads inherit the mask from
// here), so that WaitForSignal takes them.
sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

void WaitForSignal(const sigset_t& signals) {
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  keytrail::LogInfo("received signal %d, shutting down", signal_number);
}

// The read replica: the options the primary and a replica share come from
// `o` (parsed and checked above); the primary's own flags are refused.
int RunReplica(const keytrail::LogServerOptions& o) {
  const std::pair<const char*, bool> primary_only[] = {
      {"--note_key", !o.note_key_file.empty()},
      {"--write_token_file", !o.write_token_file.empty()},
      {"--tls_client_ca_file", !o.tls_client_ca_file.empty()},
      {"--monitors", !o.monitors.empty()},
      {"--tiles_listen", !o.tiles_listen.empty()},
      {"--origin", !o.origin.empty()},
  };
  for (const auto& [flag, given] : primary_only) {
    if (given) {
      return Fail(std::string(flag) + " is the primary's; a --replica takes none (see --help)");
    }
  }
  keytrail::ReplicaServerOptions r;
  r.listen_address = o.listen_address;
  r.data_dir = o.data_dir;
  r.vrf_key_file = o.vrf_key_file;
  r.note_vkey_file = absl::GetFlag(FLAGS_note_vkey);
  r.replica_key_file = o.replica_key_file;
  r.cosigner_vkeys = absl::GetFlag(FLAGS_cosigner_vkeys);
  r.required_cosignatures = o.required_cosignatures;
  r.tile_store = o.tile_store;
  r.tiles_dir = o.tiles_dir;
  r.private_store = o.private_store;
  r.private_dir = o.private_dir;
  r.primary = absl::GetFlag(FLAGS_primary);
  r.epoch_interval = o.sequencer.epoch_interval;
  r.max_epoch_age = o.sequencer.max_epoch_age;
  r.poll_interval = absl::GetFlag(FLAGS_replica_poll_interval);
  if (r.poll_interval <= absl::ZeroDuration())
    return Fail("--replica_poll_interval must be positive");
  r.max_staleness = absl::GetFlag(FLAGS_replica_max_staleness);
  if (r.max_staleness <= absl::ZeroDuration())
    return Fail("--replica_max_staleness must be positive");
  const int64_t held = absl::GetFlag(FLAGS_replica_max_held_entries);
  if (held < 1) return Fail("--replica_max_held_entries must be at least 1");
  r.max_entries_held = static_cast<uint64_t>(held);
  r.min_backoff = o.tiles_min_backoff;
  r.max_backoff = o.tiles_max_backoff;
  r.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  r.tls_cert_file = o.tls_cert_file;
  r.tls_key_file = o.tls_key_file;
  r.max_connections = o.max_connections;
  r.block_cache_bytes = o.block_cache_bytes;
  r.warm_cache_bytes = o.warm_cache_bytes;
  r.pin_index_and_filter_blocks = o.pin_index_and_filter_blocks;
  r.limit_vrf_proofs = o.limit_vrf_proofs;
  r.vrf_proofs = o.vrf_proofs;
  r.vrf_proof_cache_entries = o.vrf_proof_cache_entries;
  r.lookup_context = o.lookup_context;
  r.allow_insecure_key_permissions = o.allow_insecure_key_permissions;

  const sigset_t signals = BlockStopSignals();
  auto server = keytrail::ReplicaServer::Start(r);
  if (!server.ok()) return Fail(std::string(server.status().message()));
  std::string failed =
      WritePortFile("--port_file", absl::GetFlag(FLAGS_port_file), (*server)->port());
  if (failed.empty()) {
    failed = WritePortFile("--metrics_port_file", absl::GetFlag(FLAGS_metrics_port_file),
                           (*server)->metrics_port());
  }
  if (!failed.empty()) return Fail(failed);
  WaitForSignal(signals);
  (*server)->Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "keytrail log server.\n  log_server --data_dir=DIR --note_key=FILE --vrf_key=FILE "
      "--write_token_file=FILE [--listen=HOST:PORT]");
  // absl keeps only the last of a repeated flag: a second --monitors would
  // silently drop the first list of monitors.
  int monitors_flags = 0;
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == "--monitors" || absl::StartsWith(arg, "--monitors=")) ++monitors_flags;
  }
  if (monitors_flags > 1) {
    return Fail("--monitors given more than once: give it once, the monitors comma-separated");
  }
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) return Fail(std::string("unexpected argument: ") + rest[1]);
  keytrail::SetLogProgramName("log_server");
  keytrail::ConfigureServerProcess();

  keytrail::LogServerOptions o;
  o.listen_address = absl::GetFlag(FLAGS_listen);
  o.data_dir = absl::GetFlag(FLAGS_data_dir);
  o.note_key_file = absl::GetFlag(FLAGS_note_key);
  o.vrf_key_file = absl::GetFlag(FLAGS_vrf_key);
  o.origin = absl::GetFlag(FLAGS_origin);
  o.sequencer.epoch_interval = absl::GetFlag(FLAGS_epoch_interval);
  o.sequencer.max_epoch_age = absl::GetFlag(FLAGS_max_epoch_age);
  int64_t max_updates = absl::GetFlag(FLAGS_max_epoch_updates);
  if (max_updates < 1) return Fail("--max_epoch_updates must be at least 1");
  o.sequencer.max_epoch_updates = static_cast<size_t>(max_updates);
  if (o.sequencer.epoch_interval < absl::ZeroDuration()) {
    return Fail("--epoch_interval must not be negative");
  }
  if (o.sequencer.max_epoch_age <= absl::ZeroDuration()) {
    return Fail("--max_epoch_age must be positive");
  }
  o.sequencer.storage_retry_min = absl::GetFlag(FLAGS_storage_retry_min);
  o.sequencer.storage_retry_max = absl::GetFlag(FLAGS_storage_retry_max);
  if (o.sequencer.storage_retry_min <= absl::ZeroDuration() ||
      o.sequencer.storage_retry_max < o.sequencer.storage_retry_min) {
    return Fail("--storage_retry_min must be positive and at most --storage_retry_max");
  }
  o.write_token_file = absl::GetFlag(FLAGS_write_token_file);
  o.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  o.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  o.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  int64_t cache_mb = absl::GetFlag(FLAGS_block_cache_mb);
  if (cache_mb < 1) return Fail("--block_cache_mb must be at least 1");
  o.block_cache_bytes = static_cast<size_t>(cache_mb) << 20;
  const int64_t warm_mb = absl::GetFlag(FLAGS_warm_cache_mb);
  if (warm_mb < 0) return Fail("--warm_cache_mb must not be negative");
  o.warm_cache_bytes = static_cast<size_t>(warm_mb) << 20;
  o.pin_index_and_filter_blocks = absl::GetFlag(FLAGS_pin_index_and_filter_blocks);
  o.monitors = absl::GetFlag(FLAGS_monitors);
  int64_t required = absl::GetFlag(FLAGS_required_cosignatures);
  if (required < 0) return Fail("--required_cosignatures must not be negative");
  o.required_cosignatures = static_cast<size_t>(required);
  o.monitor_timeout = absl::GetFlag(FLAGS_monitor_timeout);
  if (o.monitor_timeout <= absl::ZeroDuration()) return Fail("--monitor_timeout must be positive");
  o.allow_insecure_key_permissions = absl::GetFlag(FLAGS_allow_insecure_key_permissions);
  o.max_connections = absl::GetFlag(FLAGS_max_connections);
  if (o.max_connections < 0) return Fail("--max_connections must not be negative");
  o.limit_vrf_proofs = absl::GetFlag(FLAGS_limit_vrf_proofs);
  o.vrf_proofs.workers = absl::GetFlag(FLAGS_vrf_workers);
  if (o.vrf_proofs.workers < 0) return Fail("--vrf_workers must not be negative");
  o.vrf_proofs.worker_nice = absl::GetFlag(FLAGS_vrf_worker_nice);
  if (o.vrf_proofs.worker_nice < 0 || o.vrf_proofs.worker_nice > 19) {
    return Fail("--vrf_worker_nice must be in [0, 19]");
  }
  const int64_t per_client = absl::GetFlag(FLAGS_max_vrf_proofs_per_client);
  if (per_client < 0) return Fail("--max_vrf_proofs_per_client must not be negative");
  o.vrf_proofs.max_per_client = static_cast<size_t>(per_client);
  const int64_t queue = absl::GetFlag(FLAGS_max_vrf_queue);
  if (queue < 1) return Fail("--max_vrf_queue must be at least 1");
  o.vrf_proofs.max_queued = static_cast<size_t>(queue);
  o.vrf_proofs.max_wait = absl::GetFlag(FLAGS_vrf_max_wait);
  if (o.vrf_proofs.max_wait <= absl::ZeroDuration()) return Fail("--vrf_max_wait must be positive");
  const int64_t cache = absl::GetFlag(FLAGS_vrf_proof_cache_entries);
  if (cache < 0) return Fail("--vrf_proof_cache_entries must not be negative");
  o.vrf_proof_cache_entries = static_cast<size_t>(cache);
  const int strata = absl::GetFlag(FLAGS_lookup_map_strata);
  if (strata < 0 || strata > keytrail::map::MapTop::kMaxStrata) {
    return Fail("--lookup_map_strata must be in [0, 5]");
  }
  o.lookup_context.map_strata = strata;
  const int64_t consistency = absl::GetFlag(FLAGS_lookup_consistency_proofs);
  if (consistency < 0) return Fail("--lookup_consistency_proofs must not be negative");
  o.lookup_context.consistency_proofs = static_cast<size_t>(consistency);
  const int64_t iterators = absl::GetFlag(FLAGS_lookup_iterators);
  if (iterators < 0) return Fail("--lookup_iterators must not be negative");
  o.lookup_context.leaf_iterators = static_cast<size_t>(iterators);
  o.publish_tiles = absl::GetFlag(FLAGS_publish_tiles);
  o.tiles_dir = absl::GetFlag(FLAGS_tiles_dir);
  o.tiles_listen = absl::GetFlag(FLAGS_tiles_listen);
  o.replica_key_file = absl::GetFlag(FLAGS_replica_key_file);
  o.private_dir = absl::GetFlag(FLAGS_private_dir);
  o.tiles_min_backoff = absl::GetFlag(FLAGS_tiles_retry_min);
  o.tiles_max_backoff = absl::GetFlag(FLAGS_tiles_retry_max);
  if (o.tiles_min_backoff <= absl::ZeroDuration() || o.tiles_max_backoff < o.tiles_min_backoff) {
    return Fail("--tiles_retry_min must be positive and at most --tiles_retry_max");
  }
  keytrail::tiles::S3StoreConfig s3;
  s3.endpoint = absl::GetFlag(FLAGS_tiles_s3_endpoint);
  s3.bucket = absl::GetFlag(FLAGS_tiles_s3_bucket);
  s3.prefix = absl::GetFlag(FLAGS_tiles_s3_prefix);
  s3.region = absl::GetFlag(FLAGS_tiles_s3_region);
  s3.credentials_file = absl::GetFlag(FLAGS_tiles_s3_credentials_file);
  s3.allow_insecure_credentials_file = o.allow_insecure_key_permissions;
  if (s3.endpoint.empty()) {
    if (!s3.bucket.empty() || !s3.prefix.empty() || !s3.credentials_file.empty()) {
      return Fail(
          "--tiles_s3_bucket, --tiles_s3_prefix and --tiles_s3_credentials_file need "
          "--tiles_s3_endpoint");
    }
  } else {
    if (!o.publish_tiles) return Fail("--tiles_s3_endpoint needs --publish_tiles");
    if (!o.tiles_dir.empty()) return Fail("--tiles_dir and --tiles_s3_endpoint exclude each other");
    // Checked (and the credentials read) before anything starts; nothing is
    // sent: the log starts while the store is down.
    auto store = keytrail::tiles::S3TileStore::Open(s3);
    if (!store.ok()) return Fail(std::string(store.status().message()));
    o.tile_store = *std::move(store);
  }
  // The private bundles in S3: the tiles' endpoint and credentials, a
  // bucket and prefix of their own.
  const std::string private_bucket = absl::GetFlag(FLAGS_private_s3_bucket);
  const std::string private_prefix = absl::GetFlag(FLAGS_private_s3_prefix);
  if (!private_bucket.empty() || !private_prefix.empty()) {
    if (s3.endpoint.empty())
      return Fail("--private_s3_bucket/--private_s3_prefix need --tiles_s3_endpoint");
    if (o.replica_key_file.empty())
      return Fail("--private_s3_bucket/--private_s3_prefix need --replica_key_file");
    if (!o.private_dir.empty()) return Fail("--private_dir and --private_s3_* exclude each other");
    keytrail::tiles::S3StoreConfig private_s3 = s3;
    if (!private_bucket.empty()) private_s3.bucket = private_bucket;
    private_s3.prefix = private_prefix;
    if (private_s3.bucket == s3.bucket && private_s3.prefix == s3.prefix) {
      return Fail("--private_s3_prefix must differ from --tiles_s3_prefix in the same bucket");
    }
    auto store = keytrail::tiles::S3TileStore::Open(private_s3);
    if (!store.ok()) return Fail(std::string(store.status().message()));
    o.private_store = *std::move(store);
  }

  if (absl::GetFlag(FLAGS_replica)) return RunReplica(o);
  // Signals are taken by sigwait below, not by a handler.
  const sigset_t signals = BlockStopSignals();

  auto server = keytrail::LogServer::Start(o);
  if (!server.ok()) return Fail(std::string(server.status().message()));
  std::string failed =
      WritePortFile("--port_file", absl::GetFlag(FLAGS_port_file), (*server)->port());
  if (failed.empty()) {
    failed = WritePortFile("--tiles_port_file", absl::GetFlag(FLAGS_tiles_port_file),
                           (*server)->tiles_port());
  }
  if (!failed.empty()) return Fail(failed);
  WaitForSignal(signals);
  (*server)->Shutdown();
  return 0;
}
