// FindAccountIndex: an account's VRF index and proof as the log uses them,
// for the write side (UpdatePreparer) and the read side (LogQueries) alike.
//
// A known account has the index and proof stored with its first version
// (LogReader::GetAccount); for an account the log has never seen they are
// computed (ECVRF prove, ~150 µs) and are exactly the ones the builder will
// store if an update makes it known.
//
// `cache` (optional) holds computed proofs of absent accounts: a hit skips
// the proving, a computed proof is put there (see vrf_proof_cache.h for why
// that is safe). Stored accounts never touch it.
//
// Returns the record and whether it was stored; errors: the reader's
// (DataLoss for a damaged account record, Unavailable for storage trouble),
// Internal if our own VRF proof does not decode (a bug). Thread-safe; the
// reader and key are borrowed for the call only.
#ifndef KEYTRAIL_LOG_SERVER_ACCOUNT_INDEX_H_
#define KEYTRAIL_LOG_SERVER_ACCOUNT_INDEX_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/ecvrf.h"
#include "log_server/log_storage.h"
#include "log_server/records.h"
#include "log_server/vrf_proof_cache.h"

namespace keytrail {

struct AccountIndex {
  AccountRecord record;
  bool stored = false;  // the log knows the account (it has a version)
};

absl::StatusOr<AccountIndex> FindAccountIndex(const LogReader& reader, const VrfPrivateKey& vrf_key,
                                              absl::string_view account,
                                              VrfProofCache* cache = nullptr);

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_ACCOUNT_INDEX_H_
