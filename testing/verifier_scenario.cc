#include "testing/verifier_scenario.h"

#include <utility>

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

std::string LookupAnswer(const Verifier& v, const FakeLog& log, absl::string_view account) {
  v1::LookupRequest req;
  if (!req.ParseFromString(v.LookupRequest(account))) abort();
  return log.Lookup(req.account(), req.last_verified_size()).SerializeAsString();
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
