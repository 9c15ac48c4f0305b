// Test helper: a fake log and the plumbing an app would do between it and a
// Verifier (request bytes in, response bytes out), so that verifier tests
// read as scenarios. TEST-ONLY. Aborts on misuse.
#ifndef KEYTRAIL_TESTING_VERIFIER_SCENARIO_H_
#define KEYTRAIL_TESTING_VERIFIER_SCENARIO_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "testing/fake_log.h"
#include "verifier/alert.h"
#include "verifier/policy.h"
#include "verifier/verifier.h"

namespace keytrail {
namespace verifier {
// The fake log's names the scenarios are written with (using-declarations,
// not a using-directive: a header must not pour a namespace into its
// includers).
using fakes::EpochOptions;
using fakes::FakeLog;
using fakes::PlainKeySet;
using fakes::SignedKeySet;
using fakes::UpdateOptions;

// The policy an app pins for `log`: its keys, no monitors, no freshness.
Policy PolicyFor(const FakeLog& log);

// A fresh Verifier (or one from `state`). Aborts if Create fails.
std::unique_ptr<Verifier> NewVerifier(const Policy& policy, absl::string_view state = "");

// A clock a second after the log's latest epoch.
uint64_t Now(const FakeLog& log);

// What an app does: build the request, let `log` answer it, hand the answer
// back.
Result DoLookup(Verifier* v, const FakeLog& log, absl::string_view account);
Result DoHistory(Verifier* v, const FakeLog& log, absl::string_view account);
// Whether `alerts` (or a result's) hold one of `kind`.
bool HasAlert(const std::vector<Alert>& alerts, AlertKind kind);
bool HasAlert(const Result& r, AlertKind kind);
// The serialized answers DoLookup / DoHistory would hand over.
std::string LookupAnswer(const Verifier& v, const FakeLog& log, absl::string_view account);
std::string HistoryAnswer(const Verifier& v, const FakeLog& log, absl::string_view account);
// The serialized BatchLookupResponse `log` gives to `request` (a serialized
// BatchLookupRequest, e.g. Verifier::BatchLookupRequest's): the log proof
// once, then each account's Lookup answer less its log proof. Aborts if the
// request does not parse, or if the log proof followed by an answer is not,
// byte for byte, that account's Lookup answer (docs/PROTOCOL.md "Batch
// lookups").
std::string BatchLookupAnswer(const FakeLog& log, absl::string_view request);

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_TESTING_VERIFIER_SCENARIO_H_
