// CheckPublishedPrivateBundles: what a read replica checks of the private
// epoch bundles (docs/REPLICAS.md), for end-to-end tests of their
// publication to a directory or an S3 bucket. Test-only; thread-compatible.
#ifndef KEYTRAIL_TESTING_PRIVATE_BUNDLE_CHECKS_H_
#define KEYTRAIL_TESTING_PRIVATE_BUNDLE_CHECKS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "core/crypto/ecvrf.h"
#include "core/replica/private_bundle.h"
#include "testing/tile_checks.h"

namespace keytrail::test {

// For every epoch of `log` (read and verified from the tiles: tile_checks.h),
// fetches its parts 0..n-1 through `fetch` (private paths), opens them with
// `key` for `origin`, and checks them against the epoch's public entries
// with replica::CheckPrivateBundle (earlier epochs' accounts as the known
// indexes); also that part n is absent. Returns the number of update
// entries checked, or the first problem (NotFound naming a missing part;
// the open or check error otherwise).
absl::StatusOr<uint64_t> CheckPublishedPrivateBundles(const PublishedLog& log,
                                                      const TileFetch& fetch,
                                                      const replica::ReplicaKey& key,
                                                      const std::string& origin,
                                                      const VrfPublicKey& vrf);

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_PRIVATE_BUNDLE_CHECKS_H_
