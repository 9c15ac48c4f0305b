// A read replica of the log update_bench made, for the benchmarks that
// measure one (replica_bench, lookup_bench --replica_dir): where its keys,
// the primary's stores and its own data are, and the replica key
// update_bench --replica_bundles seals the private bundles with
// (bench_util.h BenchReplicaKeyBytes).
#ifndef KEYTRAIL_BENCH_BENCH_REPLICA_H_
#define KEYTRAIL_BENCH_BENCH_REPLICA_H_

#include <string>

#include "absl/status/status.h"
#include "log_server/replica_server.h"

namespace keytrail::bench {

// Writes BenchReplicaKeyBytes() as a key file (mode 0600) to
// `replica_dir`/replica.key.
absl::Status WriteBenchReplicaKey(const std::string& replica_dir);

// A replica on 127.0.0.1 (a port the OS picks) of the log in `dir` (its
// vrf.key and note.pub; its tiles/ and private/ stores, read only), its own
// database in `replica_dir`/data and its key in `replica_dir`/replica.key;
// staleness never makes it unhealthy while measuring. Callers set the rest.
ReplicaServerOptions BenchReplicaOptions(const std::string& dir, const std::string& replica_dir);

}  // namespace keytrail::bench

#endif  // KEYTRAIL_BENCH_BENCH_REPLICA_H_
