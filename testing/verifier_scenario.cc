#include "testing/verifier_scenario.h"

#include <utility>

#include "core/protocol/batch_lookup.h"
#include "proto/keytrail.pb.h"

namespace keytrail {
namespace verifier {

Policy PolicyFor(const FakeLog& log) {
  const v1::GetLogInfoResponse info = log.LogInfo();
  Policy p;
  p.log_note_key = info.note_verifier_key();
  p.vrf_public_key = info.vrf_public_key();
  p.commitment_key = info.commitment_key();
  return p;
}

std::unique_ptr<Verifier> NewVerifier(const Policy& policy, absl::string_view state) {
  return Verifier::Create(policy, state).value();
}

uint64_t Now(const FakeLog& log) { return log.timestamp_ms() + 1000; }

bool HasAlert(const std::vector<Alert>& alerts, AlertKind kind) {
  for (const Alert& a : alerts) {
    if (a.kind == kind) return true;
  }
  return false;
}

bool HasAlert(const Result& r, AlertKind kind) { return HasAlert(r.alerts, kind); }

std::string LookupAnswer(const Verifier& v, const FakeLog& log, absl::string_view account) {
  v1::LookupRequest req;
  if (!req.ParseFromString(v.LookupRequest(account))) abort();
  return log.Lookup(req.account(), req.last_verified_size()).SerializeAsString();
}

std::string BatchLookupAnswer(const FakeLog& log, absl::string_view request) {
  v1::BatchLookupRequest req;
  if (!req.ParseFromArray(request.data(), static_cast<int>(request.size()))) abort();
  v1::BatchLookupResponse batch;
  for (int i = 0; i < req.accounts_size(); ++i) {
    const v1::LookupResponse one = log.Lookup(req.accounts(i), req.last_verified_size());
    if (i == 0) *batch.mutable_log() = one.log();
    v1::AccountAnswer* a = batch.add_answers();
    a->set_vrf_proof(one.vrf_proof());
    a->set_map_proof(one.map_proof());
    if (one.has_current()) *a->mutable_current() = one.current();
    a->set_previous_head(one.previous_head());
    if (LookupAnswerPrefix(batch.log()) + a->SerializeAsString() != one.SerializeAsString()) {
      abort();
    }
  }
  return batch.SerializeAsString();
}

std::string HistoryAnswer(const Verifier& v, const FakeLog& log, absl::string_view account) {
  v1::HistoryRequest req;
  if (!req.ParseFromString(v.HistoryRequest(account))) abort();
  return log.History(req.account(), req.since_version(), req.last_verified_size())
      .SerializeAsString();
}

Result DoLookup(Verifier* v, const FakeLog& log, absl::string_view account) {
  return v->HandleLookup(account, LookupAnswer(*v, log, account), Now(log));
}

Result DoHistory(Verifier* v, const FakeLog& log, absl::string_view account) {
  return v->HandleHistory(account, HistoryAnswer(*v, log, account), Now(log));
}

}  // namespace verifier
}  // namespace keytrail
