// PreparedUpdate: what UpdatePreparer hands the Sequencer and EpochBuilder —
// an update already checked off the sequencer thread. A plain value type;
// thread-compatible.
#ifndef KEYTRAIL_LOG_SERVER_PREPARED_UPDATE_H_
#define KEYTRAIL_LOG_SERVER_PREPARED_UPDATE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "core/map/hasher.h"
#include "log_server/records.h"

namespace keytrail {

// An update that passed validation (limits, canonical key set, device
// signatures) and whose VRF index is known.
struct PreparedUpdate {
  std::string account;
  AccountRecord account_record;  // VRF index and proof of `account`
  std::string key_set;           // canonical key_set encoding
  std::optional<uint64_t> expected_version;
  // The commitment opening: 32 random bytes, drawn by Prepare. (Left empty,
  // as some tests do, the builder draws one.)
  std::string opening;

  // Read ahead, off the sequencer thread: the account's map leaf as of the
  // committed epoch `leaf_epoch` (nullopt leaf: none then). The builder uses
  // it only if it can tell no later epoch touched the index; otherwise it
  // reads storage. Unset leaf_epoch: no hint.
  std::optional<map::MapLeaf> leaf;
  std::optional<uint64_t> leaf_epoch;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_PREPARED_UPDATE_H_
