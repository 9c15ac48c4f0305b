// Checks one version of an account as an answer reveals it (a
// v1::AccountVersion) and computes its chain head: docs/PROTOCOL.md step 5 of
// "What a Lookup answer proves", up to (not including) the map proof. Lookup
// and History then prove the last head with the map.
//
// Pure function; thread-safe. The result owns its data.
#ifndef KEYTRAIL_VERIFIER_ACCOUNT_VERSION_H_
#define KEYTRAIL_VERIFIER_ACCOUNT_VERSION_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/sha256.h"
#include "core/protocol/key_set.h"
#include "proto/keytrail.pb.h"

namespace keytrail {
namespace verifier {

// One version of an account. Once the answer's map proof has verified, every
// field but log_index is proven by the log.
struct AccountState {
  uint64_t version = 0;  // >= 1
  uint64_t epoch = 0;    // the epoch that sequenced this version
  // The key set, decoded canonically. Its signature is checked separately,
  // by VerifyAccountVersionSignature, once the map has proven the version.
  KeySet key_set;
  std::string key_set_bytes;  // its canonical encoding, as committed
  Hash previous_head{};       // head of version - 1 (the genesis head for 1)
  Hash head{};                // head of this version
  // Where the server says the version's update entry is. Not proven by the
  // answer (no inclusion proof covers it); only checked to lie between the
  // genesis entry and the checkpoint's epoch entry (and, in a history, to
  // grow from version to version).
  uint64_t log_index = 0;
  // OK, or why the key set's signature does not verify
  // (VerifyAccountVersionSignature); only ever not OK when Lookup or History
  // ran under SignatureCheck::kReport.
  absl::Status signatures;
};

// What a key-set signature failure does in VerifyLookup / VerifyHistory.
// kRequire (the default): it fails the answer. kReport: the answer, proven
// in every other way, passes and AccountState::signatures says what failed,
// so that the library an app embeds (verifier.h) raises its alert with the
// answer as evidence instead of only rejecting it.
enum class SignatureCheck { kRequire, kReport };

// Checks `v` as version v.version() of `account`, chained from
// `previous_head`, in a log whose checkpoint ends on epoch `log_epoch` with
// `log_size` entries (>= 1). Returns the state with its head
// ChainHead(previous_head, version, epoch, CommitKeySet(opening, account,
// version, key_set)). InvalidArgument, with a message starting "version N: ", when:
//   - the version is 0;
//   - the version is 1 but previous_head is not the genesis head;
//   - the epoch is 0 (the genesis epoch holds no updates) or after
//     log_epoch;
//   - log_index is not in [1, log_size - 2] (leaf 0 is the genesis epoch
//     entry, leaf log_size - 1 the checkpoint's epoch entry);
//   - "key set: ..."   the key set does not decode canonically;
//   - "commitment: ..." the opening is not 16..64 bytes (or the account id
//                      is invalid).
// A key set, opening, version, epoch or previous head other than what the
// log committed still passes here: it yields another head, which the map
// proof then rejects.
absl::StatusOr<AccountState> VerifyAccountVersion(absl::string_view account,
                                                  const v1::AccountVersion& v,
                                                  const Hash& previous_head, uint64_t log_epoch,
                                                  uint64_t log_size);

// OK iff state.key_set has no account key, or its signature verifies for
// `account` at state.version (VerifyKeySetSignature, core/protocol/key_set.h).
// Otherwise InvalidArgument "version N: key set signature: ..." for which
// IsKeySetSignatureError is true: a signature made for another version (an
// older key set republished, a removed device re-added) or for other devices
// (a device the account key did not sign).
//
// Lookup and History call it only after the map has proven the version, so
// this error means the log itself committed a key set the account key did
// not sign at that version -- evidence of a misbehaving log (the log server
// refuses such updates), not a garbled answer. The verifier library turns it
// into its rogue-device alert; the response bytes are the evidence.
absl::Status VerifyAccountVersionSignature(absl::string_view account, const AccountState& state);

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_VERIFIER_ACCOUNT_VERSION_H_
