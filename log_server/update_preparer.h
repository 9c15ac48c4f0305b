// UpdatePreparer: everything about an operator's update that can be checked
// before it is queued, done on the calling (gRPC) thread so the sequencer
// thread does only what must be sequential.
//
// Prepare() returns a PreparedUpdate, or InvalidArgument naming the field
// that broke a limit; for a key set with an account key, also when the
// request has no expected_version ("expected_version: required ...") or the
// key set's signature does not verify over version expected_version + 1
// ("key set signature: ...", core/protocol/key_set.h). The sequencer then
// applies the update only at that version (ABORTED otherwise), so an
// accepted signature always covers the version the update becomes. It finds the
// account's VRF index (FindAccountIndex: stored, or computed for a new
// account, the one expensive step), draws the commitment opening, and reads
// ahead a known account's map leaf. Storage errors pass through.
// Thread-safe.
#ifndef KEYTRAIL_LOG_SERVER_UPDATE_PREPARER_H_
#define KEYTRAIL_LOG_SERVER_UPDATE_PREPARER_H_

#include "absl/status/statusor.h"
#include "core/crypto/ecvrf.h"
#include "core/protocol/key_set.h"
#include "log_server/log_storage.h"
#include "log_server/prepared_update.h"
#include "log_server/published_state.h"
#include "proto/keytrail.pb.h"

namespace keytrail {

// The protobuf key set as a KeySet with devices in canonical order.
// InvalidArgument for an account key that is neither empty nor 32 bytes.
absl::StatusOr<KeySet> KeySetFromProto(const v1::KeySet& proto);

class UpdatePreparer {
 public:
  // All arguments are borrowed and must outlive the preparer.
  UpdatePreparer(const LogStorage& storage, const VrfPrivateKey& vrf_key,
                 const StateHolder& published)
      : storage_(storage), vrf_key_(vrf_key), published_(published) {}

  absl::StatusOr<PreparedUpdate> Prepare(const v1::UpdateRequest& request) const;

 private:
  const LogStorage& storage_;
  const VrfPrivateKey& vrf_key_;
  const StateHolder& published_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_UPDATE_PREPARER_H_
