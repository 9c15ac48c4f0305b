// The C API over verifier.h: conversions only, no logic of its own.
#include "verifier/keytrail_verifier.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "verifier/alert.h"
#include "verifier/policy.h"
#include "verifier/verifier.h"

struct kt_policy {
  keytrail::verifier::Policy policy;
};

struct kt_verifier {
  std::unique_ptr<keytrail::verifier::Verifier> v;
};

struct kt_result {
  keytrail::verifier::Result result;
  std::string message;
};

namespace {

using keytrail::verifier::AlertKind;
using keytrail::verifier::Result;

// The C enums are the C++ ones, number for number: Code() and
// kt_result_alert_kind cast between them.
static_assert(KT_OK == static_cast<int>(absl::StatusCode::kOk), "kt_code");
static_assert(KT_INVALID_ARGUMENT == static_cast<int>(absl::StatusCode::kInvalidArgument),
              "kt_code");
static_assert(KT_NOT_FOUND == static_cast<int>(absl::StatusCode::kNotFound), "kt_code");
static_assert(KT_FAILED_PRECONDITION == static_cast<int>(absl::StatusCode::kFailedPrecondition),
              "kt_code");
static_assert(KT_INTERNAL == static_cast<int>(absl::StatusCode::kInternal), "kt_code");
static_assert(KT_DATA_LOSS == static_cast<int>(absl::StatusCode::kDataLoss), "kt_code");
static_assert(KT_ALERT_UNENROLLED_DEVICE == static_cast<int>(AlertKind::kUnenrolledDevice),
              "kt_alert_kind");
static_assert(KT_ALERT_UNSIGNED_KEY_SET == static_cast<int>(AlertKind::kUnsignedKeySet),
              "kt_alert_kind");
static_assert(KT_ALERT_IDENTITY_CHANGED == static_cast<int>(AlertKind::kIdentityChanged),
              "kt_alert_kind");
static_assert(KT_ALERT_KEY_SET_CHANGED == static_cast<int>(AlertKind::kKeySetChanged),
              "kt_alert_kind");
static_assert(KT_ALERT_LOG_FORKED == static_cast<int>(AlertKind::kLogForked), "kt_alert_kind");
static_assert(KT_ALERT_LOG_ROLLED_BACK == static_cast<int>(AlertKind::kLogRolledBack),
              "kt_alert_kind");
static_assert(KT_ALERT_LOG_STALE == static_cast<int>(AlertKind::kLogStale), "kt_alert_kind");
static_assert(KT_ALERT_LOG_MISSING_COSIGNATURES ==
                  static_cast<int>(AlertKind::kLogMissingCosignatures),
              "kt_alert_kind");
static_assert(KT_ALERT_HISTORY_REWRITTEN == static_cast<int>(AlertKind::kHistoryRewritten),
              "kt_alert_kind");

absl::string_view View(const uint8_t* data, size_t len) {
  return len == 0 ? absl::string_view()
                  : absl::string_view(reinterpret_cast<const char*>(data), len);
}

// Copies `bytes` into malloc'd memory with a trailing NUL.
void Fill(kt_buffer* out, absl::string_view bytes) {
  if (out == nullptr) return;
  out->data = static_cast<uint8_t*>(std::malloc(bytes.size() + 1));
  if (out->data == nullptr) abort();
  if (!bytes.empty()) std::memcpy(out->data, bytes.data(), bytes.size());
  out->data[bytes.size()] = 0;
  out->len = bytes.size();
}

kt_code Code(const absl::Status& s, kt_buffer* error) {
  if (!s.ok()) Fill(error, s.message());
  return static_cast<kt_code>(static_cast<int>(s.code()));
}

kt_code Finish(Result result, kt_result** out) {
  auto* r = new kt_result;
  r->result = std::move(result);
  r->message = std::string(r->result.status.message());
  *out = r;
  return static_cast<kt_code>(static_cast<int>(r->result.status.code()));
}

void Borrow(const std::string& s, const uint8_t** data, size_t* len) {
  *data = reinterpret_cast<const uint8_t*>(s.data());
  *len = s.size();
}

// The C API's accounts, as the C++ API takes them.
std::vector<std::string> Accounts(const uint8_t* const* accounts, const size_t* lens, size_t n) {
  std::vector<std::string> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.emplace_back(View(accounts[i], lens[i]));
  return out;
}

}  // namespace

extern "C" {

void kt_buffer_free(kt_buffer* b) {
  if (b == nullptr) return;
  std::free(b->data);
  b->data = nullptr;
  b->len = 0;
}

kt_policy* kt_policy_new(void) { return new kt_policy; }
void kt_policy_free(kt_policy* p) { delete p; }

void kt_policy_set_log(kt_policy* p, const char* note_verifier_key, const uint8_t* vrf_key,
                       size_t vrf_key_len, const uint8_t* commitment_key,
                       size_t commitment_key_len) {
  p->policy.log_note_key = note_verifier_key == nullptr ? "" : note_verifier_key;
  p->policy.vrf_public_key = std::string(View(vrf_key, vrf_key_len));
  p->policy.commitment_key = std::string(View(commitment_key, commitment_key_len));
}

void kt_policy_add_monitor(kt_policy* p, const char* key) {
  p->policy.monitor_keys.push_back(key == nullptr ? "" : key);
}
void kt_policy_set_min_cosignatures(kt_policy* p, size_t n) { p->policy.min_cosignatures = n; }
void kt_policy_set_max_checkpoint_age_ms(kt_policy* p, uint64_t ms) {
  p->policy.max_checkpoint_age_ms = ms;
}

kt_code kt_verifier_new(const kt_policy* policy, const uint8_t* state, size_t state_len,
                        kt_verifier** out, kt_buffer* error) {
  *out = nullptr;
  auto v = keytrail::verifier::Verifier::Create(policy->policy, View(state, state_len));
  if (!v.ok()) return Code(v.status(), error);
  *out = new kt_verifier{*std::move(v)};
  return KT_OK;
}

void kt_verifier_free(kt_verifier* v) { delete v; }

kt_code kt_verifier_save_state(const kt_verifier* v, kt_buffer* out) {
  Fill(out, v->v->SaveState());
  return KT_OK;
}

uint64_t kt_verifier_last_verified_size(const kt_verifier* v) { return v->v->last_verified_size(); }

kt_code kt_verifier_set_own_account(kt_verifier* v, const uint8_t* account, size_t len,
                                    kt_buffer* error) {
  return Code(v->v->SetOwnAccount(View(account, len)), error);
}

kt_code kt_verifier_enroll_device(kt_verifier* v, const uint8_t* device_id, size_t id_len,
                                  const uint8_t* device_key, size_t key_len, kt_buffer* error) {
  return Code(v->v->EnrollDevice(View(device_id, id_len), View(device_key, key_len)), error);
}

kt_code kt_verifier_set_own_account_key(kt_verifier* v, const uint8_t* account_key, size_t len,
                                        kt_buffer* error) {
  return Code(v->v->SetOwnAccountKey(View(account_key, len)), error);
}

kt_code kt_verifier_remove_enrolled_device(kt_verifier* v, const uint8_t* device_id, size_t id_len,
                                           kt_buffer* error) {
  return Code(v->v->RemoveEnrolledDevice(View(device_id, id_len)), error);
}

kt_code kt_verifier_lookup_request(const kt_verifier* v, const uint8_t* account, size_t len,
                                   kt_buffer* out) {
  Fill(out, v->v->LookupRequest(View(account, len)));
  return KT_OK;
}

kt_code kt_verifier_history_request(const kt_verifier* v, const uint8_t* account, size_t len,
                                    kt_buffer* out) {
  Fill(out, v->v->HistoryRequest(View(account, len)));
  return KT_OK;
}

kt_code kt_verifier_handle_lookup(kt_verifier* v, const uint8_t* account, size_t account_len,
                                  const uint8_t* response, size_t response_len, uint64_t now_ms,
                                  kt_result** out) {
  return Finish(
      v->v->HandleLookup(View(account, account_len), View(response, response_len), now_ms), out);
}

kt_code kt_verifier_handle_history(kt_verifier* v, const uint8_t* account, size_t account_len,
                                   const uint8_t* response, size_t response_len, uint64_t now_ms,
                                   kt_result** out) {
  return Finish(
      v->v->HandleHistory(View(account, account_len), View(response, response_len), now_ms), out);
}

kt_code kt_verifier_batch_lookup_request(const kt_verifier* v, const uint8_t* const* accounts,
                                         const size_t* lens, size_t n, kt_buffer* out,
                                         kt_buffer* error) {
  auto request = v->v->BatchLookupRequest(Accounts(accounts, lens, n));
  if (!request.ok()) return Code(request.status(), error);
  Fill(out, *request);
  return KT_OK;
}

kt_code kt_verifier_handle_batch_lookup(kt_verifier* v, const uint8_t* const* accounts,
                                        const size_t* lens, size_t n, const uint8_t* response,
                                        size_t response_len, uint64_t now_ms, kt_result** results,
                                        size_t* answered) {
  *answered = 0;
  if (n == 0) return KT_INVALID_ARGUMENT;  // no room for even the reason
  keytrail::verifier::BatchResult b =
      v->v->HandleBatchLookup(Accounts(accounts, lens, n), View(response, response_len), now_ms);
  if (!b.status.ok()) {
    Result whole;
    whole.status = b.status;
    whole.alerts = std::move(b.alerts);
    return Finish(std::move(whole), &results[0]);
  }
  for (Result& r : b.results) Finish(std::move(r), &results[(*answered)++]);
  return KT_OK;
}

kt_code kt_verifier_observe_checkpoint(kt_verifier* v, const uint8_t* note, size_t note_len,
                                       const uint8_t* proof, size_t proof_len, kt_result** out) {
  return Finish(v->v->ObserveCheckpoint(View(note, note_len), View(proof, proof_len)), out);
}

kt_code kt_verifier_report_out_of_range(const kt_verifier* v, kt_result** out) {
  return Finish(v->v->ReportOutOfRange(), out);
}

void kt_result_free(kt_result* r) { delete r; }
kt_code kt_result_code(const kt_result* r) {
  return static_cast<kt_code>(static_cast<int>(r->result.status.code()));
}
const char* kt_result_message(const kt_result* r) { return r->message.c_str(); }
int kt_result_has_account(const kt_result* r) { return r->result.account.has_value() ? 1 : 0; }
uint64_t kt_result_version(const kt_result* r) {
  return r->result.account.has_value() ? r->result.account->version : 0;
}
void kt_result_key_set(const kt_result* r, const uint8_t** data, size_t* len) {
  static const std::string kEmpty;
  Borrow(r->result.account.has_value() ? r->result.account->key_set_bytes : kEmpty, data, len);
}
size_t kt_result_device_count(const kt_result* r) {
  return r->result.account.has_value() ? r->result.account->key_set.devices.size() : 0;
}
size_t kt_result_alert_count(const kt_result* r) { return r->result.alerts.size(); }
int kt_result_alert_kind(const kt_result* r, size_t i) {
  return static_cast<int>(r->result.alerts.at(i).kind);
}
const char* kt_result_alert_explanation(const kt_result* r, size_t i) {
  return r->result.alerts.at(i).explanation.c_str();
}
void kt_result_alert_account(const kt_result* r, size_t i, const uint8_t** data, size_t* len) {
  Borrow(r->result.alerts.at(i).account, data, len);
}
void kt_result_alert_evidence(const kt_result* r, size_t i, const uint8_t** data, size_t* len) {
  Borrow(r->result.alerts.at(i).evidence, data, len);
}

kt_code kt_verifier_contact_code(const kt_verifier* v, const uint8_t* contact, size_t len,
                                 kt_buffer* code, kt_buffer* error) {
  auto c = v->v->ContactCode(View(contact, len));
  if (!c.ok()) return Code(c.status(), error);
  Fill(code, *c);
  return KT_OK;
}

kt_code kt_verifier_mark_verified(kt_verifier* v, const uint8_t* contact, size_t len,
                                  const char* code, kt_buffer* error) {
  return Code(v->v->MarkVerified(View(contact, len), code == nullptr ? "" : code), error);
}

}  // extern "C"
