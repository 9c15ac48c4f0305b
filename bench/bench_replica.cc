#include "bench/bench_replica.h"

#include "bench/bench_util.h"
#include "core/bytes/encoding.h"
#include "core/keys/key_file.h"

namespace keytrail::bench {

absl::Status WriteBenchReplicaKey(const std::string& replica_dir) {
  return WritePrivateKeyFile(replica_dir + "/replica.key",
                             HexEncode(BenchReplicaKeyBytes()) + "\n");
}

ReplicaServerOptions BenchReplicaOptions(const std::string& dir, const std::string& replica_dir) {
  ReplicaServerOptions r;
  r.listen_address = "127.0.0.1:0";
  r.data_dir = replica_dir + "/data";
  r.vrf_key_file = dir + "/vrf.key";
  r.note_vkey_file = dir + "/note.pub";
  r.replica_key_file = replica_dir + "/replica.key";
  r.tiles_dir = dir + "/tiles";
  r.private_dir = dir + "/private";
  r.max_staleness = absl::Hours(24);
  return r;
}

}  // namespace keytrail::bench
