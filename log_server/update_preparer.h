// UpdatePreparer: everything about an operator's update that can be checked
// before it is queued, done on the calling (gRPC) thread so the sequencer
// thread does only what must be sequential.
//
// Prepare() returns a PreparedUpdate, or InvalidArgument naming the field
// that broke a limit or the device whose signature fails. For an account the
// log has never seen it computes the VRF proof (the one expensive step);
// known accounts reuse the proof stored with their first version. Storage
// errors pass through. Thread-safe.
#ifndef KEYTRAIL_LOG_SERVER_UPDATE_PREPARER_H_
#define KEYTRAIL_LOG_SERVER_UPDATE_PREPARER_H_

#include "absl/status/statusor.h"
#include "core/crypto/ecvrf.h"
#include "core/protocol/key_set.h"
#include "log_server/epoch_builder.h"
#include "log_server/log_storage.h"
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

  // The account's VRF index and proof: stored ones for a known account,
  // freshly computed ones otherwise.
  absl::StatusOr<AccountRecord> AccountIndex(absl::string_view account,
                                             const rocksdb::Snapshot* snapshot) const;

 private:
  // The VRF proof and index of an account the log doesn't know yet.
  absl::StatusOr<AccountRecord> NewAccountIndex(absl::string_view account) const;

  const LogStorage& storage_;
  const VrfPrivateKey& vrf_key_;
  const StateHolder& published_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_UPDATE_PREPARER_H_
