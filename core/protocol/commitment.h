// Commitments to one version of an account's key set (docs/PROTOCOL.md,
// "Commitment"):
//
//   commitment = HMAC-SHA-256(commitment_key,
//                             opaque8<16..64> opening ||
//                             opaque16<1..256> account ||
//                             u64 version || key_set)
//
// The log holds only the commitment; the opening, revealed only in answers
// about the account, is what lets a client recompute it, and deleting it
// erases that version's keys without breaking the account chain.
//
// All functions are thread-safe (the precomputed HMAC key is built once, on
// first use, and only read afterwards).
#ifndef KEYTRAIL_CORE_PROTOCOL_COMMITMENT_H_
#define KEYTRAIL_CORE_PROTOCOL_COMMITMENT_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/sha256.h"

namespace keytrail {

// The fixed, public commitment key: the 32 bytes
// ddbfa8ee9abf43bc6562fa88c8977c295be5dbff0a0bd528795bd7fe624d9fa0
// = SHA-256("keytrail commitment key v1"). GetLogInfo reports it.
const std::string& CommitmentKey();

// The commitment to `key_set_encoding` (the canonical bytes from
// EncodeKeySet; they are MACed as given, so callers decode untrusted key sets
// with DecodeKeySet first) as `version` of `account`. InvalidArgument, naming
// the field, when the opening is not 16..64 bytes, the account id is not
// 1..256 bytes, the version is 0 (versions start at 1), or the key set
// encoding exceeds kMaxKeySetSize bytes.
absl::StatusOr<Hash> CommitKeySet(absl::string_view opening, absl::string_view account,
                                  uint64_t version, absl::string_view key_set_encoding);

// OK iff `commitment` equals CommitKeySet() of the other arguments, compared
// in constant time. InvalidArgument with CommitKeySet()'s message for bad
// inputs, or "commitment: does not match ..." when it differs.
absl::Status VerifyCommitment(const Hash& commitment, absl::string_view opening,
                              absl::string_view account, uint64_t version,
                              absl::string_view key_set_encoding);

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_PROTOCOL_COMMITMENT_H_
