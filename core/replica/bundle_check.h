// Checks an epoch's opened private bundle against the epoch's public update
// entries (docs/REPLICAS.md "What a replica checks"), so that a replica never
// stores or serves a private field the log's signed entries do not commit to.
// What this does not check, the caller must: the entries themselves against
// a verified checkpoint (tiles), the chain heads and the recomputed map root
// against the epoch entry (that needs the replica's map).
//
// Pure function; thread-safe.
#ifndef KEYTRAIL_CORE_REPLICA_BUNDLE_CHECK_H_
#define KEYTRAIL_CORE_REPLICA_BUNDLE_CHECK_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/ecvrf.h"
#include "core/crypto/sha256.h"
#include "core/protocol/entry.h"
#include "core/replica/private_bundle.h"

namespace keytrail {
namespace replica {

// One update entry with its checked private half.
struct CheckedUpdate {
  UpdateEntry entry;
  PrivateUpdate update;
};

// The index an account already has in the replica's verified state, if
// any (nullopt: unknown account); an error stops the check and is returned.
using KnownIndex = std::function<absl::StatusOr<std::optional<Hash>>(absl::string_view account)>;

// Joins `entries` (the encoded update entries of epoch `epoch`, in log
// order, the first at log index `first_log_index`) with `parts` (parts 0..
// of the epoch's bundle, opened). Checks: there are exactly
// PrivatePartCount(entries.size()) parts, numbered in order, each for this
// epoch, starting at the right log index and holding 128 updates (the last
// one the rest); every entry is an update entry of this epoch; every key
// set decodes canonically; each commitment recomputed from (opening,
// account, version, key set) equals the entry's; a VRF proof is present
// exactly for version 1, verifies for the account under `vrf_key`, and its
// output is the entry's index; an account of version > 1 has that index,
// either from its version 1 earlier in this epoch or from `known_index`
// (which must know it); no account has two indexes.
// InvalidArgument naming the log index and what failed; errors of
// `known_index` as it returns them.
//
// `vrf_threads` (>= 1): how many threads verify the VRF proofs (the calling
// one and vrf_threads - 1 started for the call, only when there are enough
// proofs to share). One ECVRF verification per new account is most of a
// replica's catch-up; the result does not depend on it. `known_index` is
// called on the calling thread only.
absl::StatusOr<std::vector<CheckedUpdate>> CheckPrivateBundle(
    uint64_t epoch, uint64_t first_log_index, const std::vector<std::string>& entries,
    const std::vector<PrivatePart>& parts, const VrfPublicKey& vrf_key,
    const KnownIndex& known_index, size_t vrf_threads = 1);

}  // namespace replica
}  // namespace keytrail

#endif  // KEYTRAIL_CORE_REPLICA_BUNDLE_CHECK_H_
