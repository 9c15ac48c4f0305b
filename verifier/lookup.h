// Checks a Lookup answer (docs/PROTOCOL.md, "What a Lookup answer proves"):
// what the log says is the current key set of one account, or that the
// account has none.
//
// Pure function: no I/O, no clock (the caller passes now), thread-safe. The
// result owns its data.
#ifndef KEYTRAIL_VERIFIER_LOOKUP_H_
#define KEYTRAIL_VERIFIER_LOOKUP_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/sha256.h"
#include "proto/keytrail.pb.h"
#include "verifier/account_version.h"
#include "verifier/log_proof.h"
#include "verifier/log_trust.h"

namespace keytrail {
namespace verifier {

struct VerifiedLookup {
  VerifiedLog log;
  Hash index{};  // the account's VRF index
  // The account's current version; nullopt when the map proves the account
  // has never had one. (A deactivated account has a version whose key set
  // is empty.)
  std::optional<AccountState> current;
};

// Returns what `response` proves about `account` when every check passes:
//  1. response.log, as VerifyLogProof (log_proof.h), against `last`;
//  2. vrf_proof, as VerifyAccountIndex (account_proof.h): the index;
//  3. map_proof decodes (core/map DecodeMapProof);
//  4. if `current` is set: previous_head is 32 bytes; the version checks out
//     as VerifyAccountVersion (account_version.h); and the map proves
//     (index, version, head) as VerifyAccountInMap (account_proof.h);
//     otherwise previous_head is empty and the map proves the index absent.
//  5. last, once the map has proven it: the key set's signature, as
//     VerifyAccountVersionSignature (account_version.h). Its failure,
//     "version N: key set signature: ..." (IsKeySetSignatureError, in
//     core/protocol/key_set.h), means the log committed a key set the
//     account key did not sign at that version: a rogue device or a replay.
// A map proof of membership without `current`, or of absence with it, is an
// error either way round.
// Under `signatures` = kReport a key-set signature failure is recorded in
// AccountState::signatures instead (see SignatureCheck, account_version.h).
// `checkpoints` (may be null) remembers verified checkpoint notes, as
// VerifyLogProof's (log_proof.h): the result is the same with or without.
// Every failure is InvalidArgument whose message names the check: those of
// the functions above, plus "map proof: ..." (decoding, or a membership /
// absence mismatch) and "previous_head: ...".
absl::StatusOr<VerifiedLookup> VerifyLookup(const LogTrust& trust, absl::string_view account,
                                            const v1::LookupResponse& response,
                                            const TrustedCheckpoint& last, uint64_t now_ms,
                                            SignatureCheck signatures = SignatureCheck::kRequire,
                                            CheckpointCache* checkpoints = nullptr);

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_VERIFIER_LOOKUP_H_
