// keytrail's verifier library: the one header an app starts from
// (docs/VERIFIER.md).
//
// A Verifier checks every answer of one keytrail log for the app, remembers
// what it verified, watches the user's own account and the user's contacts,
// and raises alerts (alert.h). The app brings its own transport: the
// library builds request bytes (serialized keytrail.v1 LookupRequest /
// HistoryRequest, last_verified_size filled from its state), the app sends
// them with any RPC stack (LogService.Lookup / History), and hands the
// response bytes back.
//
// The state moves forward only when an answer verified in full; every Handle
// call either verifies and updates the state, or leaves it exactly as it
// was. SaveState() returns versioned bytes (proto/verifier_state.proto) for
// the app to store durably and pass to Create next time.
//
// No gRPC, no storage, no threads, no clock (the app passes now_ms).
// Thread-compatible: one thread at a time per Verifier (const methods may
// run concurrently); separate Verifiers are independent.
#ifndef KEYTRAIL_VERIFIER_VERIFIER_H_
#define KEYTRAIL_VERIFIER_VERIFIER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/protocol/key_set.h"
#include "proto/verifier_state.pb.h"
#include "verifier/account_version.h"
#include "verifier/alert.h"
#include "verifier/log_proof.h"
#include "verifier/log_trust.h"
#include "verifier/policy.h"
#include "verifier/split_view.h"

namespace keytrail {
namespace verifier {

// An account's key set as the log proved it.
struct VerifiedAccount {
  std::string account;
  uint64_t version = 0;       // 0: the account has never had a key set
  KeySet key_set;             // empty when version is 0 or the account is deactivated
  std::string key_set_bytes;  // canonical encoding (empty for version 0)
  bool verified = false;      // the user marked this contact verified
};

// What one call did.
struct Result {
  // OK: the answer verified in full and the state moved forward.
  // InvalidArgument naming the failed check: rejected, state unchanged.
  // FailedPrecondition: the call does not apply to the state (e.g. no own
  // account set).
  absl::Status status;
  // The account as verified (Handle* calls, when status is OK and `more`
  // is false).
  std::optional<VerifiedAccount> account;
  // HandleHistory only: the answer was a page with more to follow
  // (HistoryResponse.more). It checked out as far as a page can, but only
  // the last page's map proof proves it: the state has not moved, no alert
  // about its versions is raised yet, and the app sends HistoryRequest for
  // the same account again (it asks for the next page) until `more` is false.
  bool more = false;
  // What the user should be told; possible with either status (a fork is
  // both a rejected answer and an alert).
  std::vector<Alert> alerts;
};

// What HandleBatchLookup did.
struct BatchResult {
  // OK: the batch's shared log proof verified, and each answered account was
  // handled as HandleLookup handles one (its own Result in `results`).
  // InvalidArgument naming the failed check: the batch as a whole was
  // rejected (unparsable, answers for accounts not asked about, or its log
  // proof failed); `results` is empty and the state unchanged.
  absl::Status status;
  // The log's alerts when its shared log proof failed (a fork, a rollback,
  // a stale log...), once for the batch rather than once per account.
  std::vector<Alert> alerts;
  // One per answered account: results[i] is accounts[i]'s. The log answers
  // a prefix of the batch when all answers would pass 1 MiB (at least one):
  // the app sends a BatchLookupRequest for accounts[results.size()..].
  std::vector<Result> results;
};

class Verifier {
 public:
  // A verifier for the log `policy` pins, from `state` bytes a previous
  // SaveState returned (empty for a fresh install). InvalidArgument for a
  // bad policy (policy.h); DataLoss or FailedPrecondition for state bytes
  // that are damaged, of another format version or of another log (state.h).
  static absl::StatusOr<std::unique_ptr<Verifier>> Create(const Policy& policy,
                                                          absl::string_view state);

  // Versioned bytes of everything verified so far.
  std::string SaveState() const;

  // ---- The user's own account (self-monitoring) ----

  // Sets the account this app is signed in to. FailedPrecondition if another
  // one is set (a state belongs to one user); OK if it is the same.
  absl::Status SetOwnAccount(absl::string_view account);
  // The user added (or removes) one of their devices. FailedPrecondition
  // without an own account; InvalidArgument for an empty id or key.
  absl::Status EnrollDevice(absl::string_view device_id, absl::string_view device_key);
  absl::Status RemoveEnrolledDevice(absl::string_view device_id);
  // The user's own account key: the 32-byte Ed25519 public key whose private
  // half this user's apps sign their key sets with, or empty when the user
  // has none (the default). Self-monitoring alerts on every version that
  // differs: an account key added, removed (the key set unsigned) or
  // replaced is kIdentityChanged; the enrolled key with a signature that
  // does not verify is kUnsignedKeySet. Set it before publishing a change of
  // key. FailedPrecondition without an own account; InvalidArgument for a
  // key that is neither empty nor 32 bytes.
  absl::Status SetOwnAccountKey(absl::string_view account_key);

  // ---- Requests and answers ----

  // Serialized LookupRequest / HistoryRequest for `account`. A history
  // starts after the last verified version (since_version = version + 1).
  std::string LookupRequest(absl::string_view account) const;
  // While a paged History of `account` is unfinished (Result::more), its
  // HistoryRequest asks for the next page.
  std::string HistoryRequest(absl::string_view account) const;

  // Checks the serialized LookupResponse / HistoryResponse the log gave to
  // the request above, at the app's clock now_ms. For the own account,
  // every new version's devices are checked against the enrolled ones (and
  // its account key against SetOwnAccountKey's); for
  // any other account (a contact; first use adds it) its changes are
  // checked as account_alerts.h says. A Lookup that jumps several versions
  // checks only the newest: use History to watch every change.
  Result HandleLookup(absl::string_view account, absl::string_view response, uint64_t now_ms);

  // Several accounts under one checkpoint (docs/PROTOCOL.md "Batch
  // lookups"): a group chat's members, say. The serialized
  // BatchLookupRequest for `accounts` (1..kMaxBatchLookups of them, each
  // 1..256 bytes; InvalidArgument naming the count or the bad account
  // otherwise).
  absl::StatusOr<std::string> BatchLookupRequest(absl::Span<const std::string> accounts) const;
  // Checks the serialized BatchLookupResponse the log gave to that request
  // (the same `accounts`): its log proof once, then each answer exactly as
  // HandleLookup checks that account's Lookup answer (which answer i with
  // the batch's log proof is), with the same alerts and state changes.
  BatchResult HandleBatchLookup(absl::Span<const std::string> accounts, absl::string_view response,
                                uint64_t now_ms);
  Result HandleHistory(absl::string_view account, absl::string_view response, uint64_t now_ms);

  // A checkpoint the app got elsewhere (a monitor's endpoint, a contact's
  // app): `checkpoint_note` signed by the log, and an encoded consistency
  // proof between its size and the stored one (smaller first; empty for
  // equal sizes). A proven split view raises kLogForked (status OK: the
  // input was valid). A consistent larger checkpoint that meets the
  // cosignature policy becomes the stored one. InvalidArgument when the note
  // is not the log's or the proof does not verify and proves nothing.
  Result ObserveCheckpoint(absl::string_view checkpoint_note, absl::string_view consistency_proof);

  // The server answered a request built here with OUT_OF_RANGE (its tree is
  // smaller than the stored last_verified_size): a possible rollback.
  // Returns the kLogRolledBack alert (none when nothing is stored yet).
  Result ReportOutOfRange() const;

  // ---- Contact verification codes ----

  // The code both phones show for the own account and `contact`, from what
  // the library last verified of each (core/protocol/verification_code.h: 60
  // digits, no separators; FormatVerificationCode groups them for display).
  // FailedPrecondition when either has no verified key set yet, or one is
  // deactivated (an empty key set has no identity).
  absl::StatusOr<std::string> ContactCode(absl::string_view contact) const;
  // The public code of the own account (30 digits).
  absl::StatusOr<std::string> OwnCode() const;
  // The user compared `code` (spaces allowed) with the contact's phone and
  // they matched:
  // marks the contact verified, storing the code and the identity behind
  // it. FailedPrecondition if `code` is not ContactCode(contact) (keys
  // changed meanwhile: show the new code) or the contact is unknown.
  absl::Status MarkVerified(absl::string_view contact, absl::string_view code);

  // ---- Inspection ----

  // The stored checkpoint size (0 before the first verified answer).
  uint64_t last_verified_size() const { return last_.size; }
  // The contact as last verified, or nullopt if unknown.
  std::optional<VerifiedAccount> Contact(absl::string_view account) const;

 private:
  Verifier(LogTrust trust, std::string log_vkey)
      : trust_(std::move(trust)), log_vkey_(std::move(log_vkey)), checkpoints_(&trust_) {}

  bool IsOwn(absl::string_view account) const;
  // The stored version and head of `account` (own or contact).
  uint64_t StoredVersion(absl::string_view account) const;
  std::optional<Hash> StoredHead(absl::string_view account) const;
  // Stores `note`, whose checkpoint `cp` the caller verified.
  void StoreCheckpoint(absl::string_view note, const note::Checkpoint& cp);

  LogTrust trust_;
  std::string log_vkey_;
  // Checkpoint notes already verified (log signature and cosignatures):
  // issue 17's "verify a checkpoint once". Touched only by the non-const
  // Handle* calls, and thread-safe besides.
  CheckpointCache checkpoints_;
  std::optional<SignedCheckpoint> checkpoint_;  // the stored one
  TrustedCheckpoint last_;
  std::optional<vstate::OwnAccount> own_;
  std::map<std::string, vstate::Contact> contacts_;

  // An unfinished paged History: the pages so far, verified as far as a page
  // can be (history.h), waiting for the last page's map proof. In memory
  // only: an app restarted mid-way asks again from the stored version.
  struct PendingHistory {
    uint64_t next_since = 0;  // since_version of the next page
    Hash head{};              // head of the last version so far
    TrustedCheckpoint last;   // the last page's checkpoint
    std::vector<AccountState> versions;
    std::vector<size_t> page_of;     // versions[i] came in pages[page_of[i]]
    std::vector<std::string> pages;  // the pages' bytes: alert evidence
  };
  std::map<std::string, PendingHistory, std::less<>> pending_history_;
};

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_VERIFIER_VERIFIER_H_
