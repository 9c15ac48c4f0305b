// Checks a History answer: every version of one account since the version
// the client asks from, chained head to head up to the head the map proves
// (docs/PROTOCOL.md, "What a Lookup answer proves", last paragraph). This is
// how an app watches its own account and its contacts: no version can be
// left out or rewritten without breaking the chain.
//
// Pure function: no I/O, no clock (the caller passes now), thread-safe. The
// result owns its data.
#ifndef KEYTRAIL_VERIFIER_HISTORY_H_
#define KEYTRAIL_VERIFIER_HISTORY_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/crypto/sha256.h"
#include "proto/keytrail.pb.h"
#include "verifier/account_version.h"
#include "verifier/log_proof.h"
#include "verifier/log_trust.h"

namespace keytrail {
namespace verifier {

struct VerifiedHistory {
  VerifiedLog log;
  Hash index{};  // the account's VRF index
  // Versions since_version, since_version + 1, ..., the current one; empty
  // when the account has nothing newer than since_version - 1.
  std::vector<AccountState> versions;
  // The head the map proves: after the last version, or, when `versions` is
  // empty, the head of since_version - 1 (the trusted head if one was given;
  // the genesis head when since_version is 1 and the account is absent).
  // Store it to ask for the next history from versions.back().version + 1.
  // With `more`, the head of versions.back(), chained but not yet proven.
  Hash head{};
  // True: a partial page (response.more). Its versions chain from the start
  // head to `head`, but the map proves the account's CURRENT version, which
  // is past this page, so nothing here is proven yet. Ask for the next page
  // since versions.back().version + 1 with trusted_previous_head = head (and
  // last = this page's checkpoint); the first page that comes back without
  // `more` proves its head in the map, and through the chain every page
  // before it (docs/PROTOCOL.md, "History pages"). FollowHistory does this.
  bool more = false;
};

// Returns what `response` proves about `account` since `since_version`
// (>= 1), when every check passes:
//  1. response.log, as VerifyLogProof (log_proof.h), against `last`;
//  2. vrf_proof, as VerifyAccountIndex (account_proof.h); map_proof decodes;
//  3. at most kMaxHistoryVersions versions, numbered since_version,
//     since_version + 1, ... with no gap; epochs never decrease; log_index
//     strictly increases;
//  4. the chain starts from: the genesis head if since_version is 1 (then
//     `trusted_previous_head`, if given, must be the genesis head too); else
//     *trusted_previous_head if given (the head the client verified for
//     since_version - 1); else the response's previous_head. The response's
//     previous_head must be 32 bytes and equal that start;
//  5. each version checks out as VerifyAccountVersion (account_version.h),
//     chained from the one before;
//  6. the map proves (index, last version, last head); with no versions it
//     proves (index, since_version - 1, start head), or, for since_version 1,
//     that the account is absent. When response.more is set instead: at
//     least one version, and the map proof (terminal 1) is of a leaf at the
//     index, whose head only a later page can check (VerifiedHistory::more);
//  7. last, once the map has proven them: every version's key set signature,
//     as VerifyAccountVersionSignature (account_version.h); the first failure
//     is "version N: key set signature: ..." (IsKeySetSignatureError in
//     core/protocol/key_set.h): the log committed a key set the account key
//     did not sign at that version (a rogue device, or a replayed key set).
// Without a trusted head (since_version > 1), the answer proves only that
// its versions lead from the previous_head it states to the head the map
// holds, not how the account got to that previous head.
// Under `signatures` = kReport a key-set signature failure is recorded in
// AccountState::signatures instead (see SignatureCheck, account_version.h).
// `checkpoints` (may be null) remembers verified checkpoint notes, as
// VerifyLogProof's (log_proof.h): the result is the same with or without.
// Every failure is InvalidArgument whose message names the check: those of
// the functions above, plus "since_version: ...", "history: ..." (count,
// numbering, epoch order), "previous_head: ..." and "map proof: ...".
absl::StatusOr<VerifiedHistory> VerifyHistory(const LogTrust& trust, absl::string_view account,
                                              uint64_t since_version,
                                              const std::optional<Hash>& trusted_previous_head,
                                              const v1::HistoryResponse& response,
                                              const TrustedCheckpoint& last, uint64_t now_ms,
                                              SignatureCheck signatures = SignatureCheck::kRequire,
                                              CheckpointCache* checkpoints = nullptr);

// Fetches one History page: the log's answer for `account` since
// `since_version` with last_verified_size = last.size. Its error is passed on
// unchanged.
using HistoryPageFetcher = std::function<absl::StatusOr<v1::HistoryResponse>(
    uint64_t since_version, const TrustedCheckpoint& last)>;

// Follows a history page by page until a page without `more`, verifying each
// with VerifyHistory: the next page starts from the previous page's head (as
// trusted_previous_head) and its checkpoint (as `last`, so the pages'
// checkpoints are proven consistent one after another). Returns every
// version since `since_version` up to the current one, proven by the last
// page's map proof; `log` and `head` are the last page's, `more` is false.
// On success *last is the last page's checkpoint; on failure *last is the
// newest checkpoint verified so far (still safe to store). Fails with the
// fetcher's error, with VerifyHistory's (message prefixed "page since
// version N: "), or OutOfRange when more than `max_versions` versions would
// have to be held (a log may keep a client reading; this bounds it).
// Thread-safe if `fetch` is; the result owns its data.
absl::StatusOr<VerifiedHistory> FollowHistory(const LogTrust& trust, absl::string_view account,
                                              uint64_t since_version,
                                              const std::optional<Hash>& trusted_previous_head,
                                              const HistoryPageFetcher& fetch,
                                              TrustedCheckpoint* last, uint64_t now_ms,
                                              size_t max_versions);

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_VERIFIER_HISTORY_H_
