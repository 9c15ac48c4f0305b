// App: what a keytrail-enabled messaging app does, as a library the
// `keytrail app` commands and `keytrail demo` share. It is a thin shell
// around the verifier library (verifier/verifier.h) — every check is the
// library's — that adds what an app brings itself: a transport (gRPC to the
// log server), durable storage (a directory) and a place to keep alerts.
//
// The directory holds (docs/VERIFIER.md, "The app-side CLI"):
//   app.json     the pinned policy and the log server's address (JSON)
//   state.bin    Verifier::SaveState(), rewritten (fsynced) after each call
//   alerts.json  every alert raised so far, oldest first (JSON array)
//   alerts/N.bin the evidence bytes of alert N
//
// Errors: InvalidArgument for bad input; NotFound for a directory that was
// never pinned; the gRPC status (code and message) of a failed call;
// DataLoss for damaged files. Not thread-safe: one App per directory and
// process at a time (the directory is not locked).
#ifndef KEYTRAIL_CLI_APP_H_
#define KEYTRAIL_CLI_APP_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "proto/log_service.grpc.pb.h"
#include "verifier/verifier.h"

namespace keytrail::cli {

// An alert as stored: the library's Alert plus where its evidence is.
struct SavedAlert {
  uint64_t number = 0;  // 1, 2, ... in the order raised
  verifier::Alert alert;
  std::string evidence_file;  // absolute path; empty when it had none
};

// What one call to the log did.
struct Outcome {
  verifier::Result result;
  std::vector<SavedAlert> alerts;  // the result's alerts, as stored
};

class App {
 public:
  // Pins the log at `server` (its GetLogInfo answer) with the given
  // monitors' cosignature verifier keys and policy, in a new state, and
  // writes `dir` (created 0700). FailedPrecondition if `dir` is pinned
  // already; the verifier's InvalidArgument for a policy it refuses.
  static absl::StatusOr<std::unique_ptr<App>> Pin(const std::string& dir, const std::string& server,
                                                  std::vector<std::string> monitor_keys,
                                                  size_t min_cosignatures,
                                                  absl::Duration max_checkpoint_age,
                                                  absl::Duration timeout);
  // Opens a pinned directory.
  static absl::StatusOr<std::unique_ptr<App>> Open(const std::string& dir, absl::Duration timeout);

  const verifier::Policy& policy() const { return policy_; }
  const std::string& server() const { return server_; }
  verifier::Verifier& verifier() { return *verifier_; }

  // The verifier's calls, with the state saved after each.
  absl::Status SetOwnAccount(const std::string& account);
  // The own account's public account key (32 bytes; empty: none), so that a
  // key set whose account key the user did not set up raises an alert
  // (Verifier::SetOwnAccountKey). After SetOwnAccount.
  absl::Status SetOwnAccountKey(const std::string& account_key);
  absl::Status EnrollDevice(const std::string& device_id, const std::string& device_key);
  absl::Status MarkVerified(const std::string& contact, const std::string& code);

  // Looks `account` up (own or a contact) and hands the answer to the
  // verifier; OUT_OF_RANGE from the log is reported as a possible rollback.
  // An error only when the log could not be asked (or storage failed): a
  // rejected answer is in Outcome::result.status, with its alerts.
  absl::StatusOr<Outcome> Lookup(const std::string& account);
  // Looks several accounts up at once (a group chat's members) with
  // BatchLookup: one log proof per call, each answer handled as Lookup's
  // (docs/PROTOCOL.md "Batch lookups"). At most kMaxBatchLookups accounts a
  // call; what the log leaves for a later call (its 1 MiB bound) is asked
  // again. One Outcome per account, in order; when a call is rejected as a
  // whole (its log proof fails, OUT_OF_RANGE) its Outcome, with the log's
  // alerts, is the last and the accounts after it are not looked up. An
  // error only as Lookup's (the log could not be asked, storage failed, or
  // a bad account id: InvalidArgument naming it).
  absl::StatusOr<std::vector<Outcome>> LookupGroup(const std::vector<std::string>& accounts);
  // Fetches every version of `account` since the last verified one
  // (following pages): watching a contact sees each change.
  absl::StatusOr<Outcome> Watch(const std::string& account);
  // A checkpoint note from elsewhere; `proof` is the encoded consistency
  // proof (empty: the app fetches it from the log when the sizes differ).
  absl::StatusOr<Outcome> Observe(const std::string& checkpoint_note, std::string proof);

  // Every alert stored so far. DataLoss for a damaged alerts.json.
  absl::StatusOr<std::vector<SavedAlert>> Alerts() const;

 private:
  App() = default;
  absl::Status Save();
  absl::StatusOr<Outcome> Finish(verifier::Result result);
  // The log answered `call` with OUT_OF_RANGE (status `g`): its tree is
  // smaller than one it showed, a possible rollback (the verifier's alert),
  // and the server's status as the result's when the verifier raises none.
  verifier::Result OutOfRange(const grpc::Status& g, const char* call) const;

  std::string dir_;
  std::string server_;
  absl::Duration timeout_;
  verifier::Policy policy_;
  std::unique_ptr<verifier::Verifier> verifier_;
  std::unique_ptr<v1::KeyTransparencyLog::Stub> stub_;
};

// JSON forms used by --json output (field names documented in
// docs/VERIFIER.md, "The app-side CLI"; stable).
nlohmann::json AlertJson(const SavedAlert& a);
nlohmann::json AccountJson(const verifier::VerifiedAccount& a);
nlohmann::json OutcomeJson(const Outcome& o);

// The document as text: invalid UTF-8 (account and device ids are bytes)
// is replaced, never thrown on. indent -1: one line.
std::string DumpJson(const nlohmann::json& j, int indent = 2);

// Milliseconds since the epoch, now.
uint64_t NowMs();

}  // namespace keytrail::cli

#endif  // KEYTRAIL_CLI_APP_H_
