#include "cli/app.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/bytes/encoding.h"
#include "core/grpc/status_convert.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "core/protocol/limits.h"
#include "core/util/file.h"
#include "grpcpp/grpcpp.h"

namespace keytrail::cli {
namespace {

using nlohmann::json;

// app.json and alerts.json stay small; state.bin holds the contacts (the
// verifier bounds what it stores); evidence is a few answers at most.
constexpr size_t kMaxConfigSize = 1 << 20;
constexpr size_t kMaxStateSize = 64 << 20;

// Parses JSON without exceptions escaping: DataLoss naming the file.
absl::StatusOr<json> ParseJsonFile(const std::string& path) {
  auto text = ReadFileToString(path, kMaxConfigSize);
  if (!text.ok()) return text.status();
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::DataLossError(absl::StrCat(path, " is not valid JSON"));
  return j;
}

// Reads a field of the expected type; DataLoss otherwise.
template <typename T>
absl::Status Field(const json& j, const char* name, const std::string& path, T* out) {
  auto it = j.find(name);
  if (it == j.end()) return absl::DataLossError(absl::StrCat(path, ": no \"", name, "\""));
  bool ok;
  if constexpr (std::is_same_v<T, std::string>) {
    ok = it->is_string();
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    ok = it->is_array();
    for (const auto& e : *it) ok = ok && e.is_string();
  } else {
    ok = it->is_number_unsigned();
  }
  if (!ok) return absl::DataLossError(absl::StrCat(path, ": \"", name, "\" has the wrong type"));
  *out = it->get<T>();
  return absl::OkStatus();
}

}  // namespace

std::string DumpJson(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

uint64_t NowMs() { return static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())); }

absl::StatusOr<std::unique_ptr<App>> App::Pin(const std::string& dir, const std::string& server,
                                              std::vector<std::string> monitor_keys,
                                              size_t min_cosignatures,
                                              absl::Duration max_checkpoint_age,
                                              absl::Duration timeout) {
  if (dir.empty()) return absl::InvalidArgumentError("app: --dir is required");
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::UnavailableError(absl::StrCat("app: can't create ", dir));
  }
  struct stat st;
  if (::stat((dir + "/app.json").c_str(), &st) == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("app: ", dir, " is pinned already (a new pin needs a new directory)"));
  }
  auto stub = v1::KeyTransparencyLog::NewStub(
      grpc::CreateChannel(server, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
  v1::GetLogInfoResponse info;
  absl::Status s = FromGrpcStatus(stub->GetLogInfo(&ctx, {}, &info), "GetLogInfo");
  if (!s.ok()) return s;
  verifier::Policy policy;
  policy.log_note_key = info.note_verifier_key();
  policy.vrf_public_key = info.vrf_public_key();
  policy.commitment_key = info.commitment_key();
  policy.monitor_keys = std::move(monitor_keys);
  policy.min_cosignatures = min_cosignatures;
  policy.max_checkpoint_age_ms =
      static_cast<uint64_t>(absl::ToInt64Milliseconds(max_checkpoint_age));
  auto v = verifier::Verifier::Create(policy, "");
  if (!v.ok()) return v.status();
  json j = {{"server", server},
            {"log_note_key", policy.log_note_key},
            {"vrf_public_key", HexEncode(policy.vrf_public_key)},
            {"commitment_key", HexEncode(policy.commitment_key)},
            {"monitor_keys", policy.monitor_keys},
            {"min_cosignatures", policy.min_cosignatures},
            {"max_checkpoint_age_ms", policy.max_checkpoint_age_ms}};
  std::unique_ptr<App> app(new App());
  app->dir_ = dir;
  app->server_ = server;
  app->timeout_ = timeout;
  app->policy_ = std::move(policy);
  app->verifier_ = *std::move(v);
  app->stub_ = std::move(stub);
  s = app->Save();
  if (!s.ok()) return s;
  s = WriteFileDurably(dir + "/app.json", DumpJson(j) + "\n", 0600);
  if (!s.ok()) return s;
  return app;
}

absl::StatusOr<std::unique_ptr<App>> App::Open(const std::string& dir, absl::Duration timeout) {
  if (dir.empty()) return absl::InvalidArgumentError("app: --dir is required");
  const std::string path = dir + "/app.json";
  auto j = ParseJsonFile(path);
  if (absl::IsNotFound(j.status())) {
    return absl::NotFoundError(
        absl::StrCat("app: ", dir, " has no pinned log (run `keytrail app pin` first)"));
  }
  if (!j.ok()) return j.status();
  std::unique_ptr<App> app(new App());
  verifier::Policy& p = app->policy_;
  std::string vrf_hex, commitment_hex;
  uint64_t min = 0;
  for (absl::Status s :
       {Field(*j, "server", path, &app->server_), Field(*j, "log_note_key", path, &p.log_note_key),
        Field(*j, "vrf_public_key", path, &vrf_hex),
        Field(*j, "commitment_key", path, &commitment_hex),
        Field(*j, "monitor_keys", path, &p.monitor_keys), Field(*j, "min_cosignatures", path, &min),
        Field(*j, "max_checkpoint_age_ms", path, &p.max_checkpoint_age_ms)}) {
    if (!s.ok()) return s;
  }
  p.min_cosignatures = min;
  auto vrf = HexDecode(vrf_hex);
  auto commitment = HexDecode(commitment_hex);
  if (!vrf.ok() || !commitment.ok()) return absl::DataLossError(absl::StrCat(path, ": bad hex"));
  p.vrf_public_key = *vrf;
  p.commitment_key = *commitment;
  auto state = ReadFileToString(dir + "/state.bin", kMaxStateSize);
  if (!state.ok()) return state.status();
  auto v = verifier::Verifier::Create(p, *state);
  if (!v.ok()) return v.status();
  app->dir_ = dir;
  app->timeout_ = timeout;
  app->verifier_ = *std::move(v);
  app->stub_ = v1::KeyTransparencyLog::NewStub(
      grpc::CreateChannel(app->server_, grpc::InsecureChannelCredentials()));
  return app;
}

absl::Status App::Save() {
  return WriteFileDurably(dir_ + "/state.bin", verifier_->SaveState(), 0600);
}

absl::Status App::SetOwnAccount(const std::string& account) {
  absl::Status s = verifier_->SetOwnAccount(account);
  return s.ok() ? Save() : s;
}

absl::Status App::SetOwnAccountKey(const std::string& account_key) {
  absl::Status s = verifier_->SetOwnAccountKey(account_key);
  return s.ok() ? Save() : s;
}

absl::Status App::EnrollDevice(const std::string& device_id, const std::string& device_key) {
  absl::Status s = verifier_->EnrollDevice(device_id, device_key);
  return s.ok() ? Save() : s;
}

absl::Status App::MarkVerified(const std::string& contact, const std::string& code) {
  absl::Status s = verifier_->MarkVerified(contact, code);
  return s.ok() ? Save() : s;
}

absl::StatusOr<Outcome> App::Finish(verifier::Result result) {
  absl::Status s = Save();
  if (!s.ok()) return s;
  Outcome out;
  if (result.alerts.empty()) {
    out.result = std::move(result);
    return out;
  }
  auto stored = Alerts();
  if (!stored.ok()) return stored.status();
  if (::mkdir((dir_ + "/alerts").c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::UnavailableError(absl::StrCat("app: can't create ", dir_, "/alerts"));
  }
  json all = json::array();
  for (const SavedAlert& a : *stored) all.push_back(AlertJson(a));
  for (const verifier::Alert& alert : result.alerts) {
    SavedAlert saved;
    saved.number = stored->size() + out.alerts.size() + 1;
    saved.alert = alert;
    if (!alert.evidence.empty()) {
      saved.evidence_file = absl::StrCat(dir_, "/alerts/", saved.number, ".bin");
      s = WriteFileDurably(saved.evidence_file, alert.evidence, 0600);
      if (!s.ok()) return s;
    }
    all.push_back(AlertJson(saved));
    out.alerts.push_back(std::move(saved));
  }
  s = WriteFileDurably(dir_ + "/alerts.json", DumpJson(all) + "\n", 0600);
  if (!s.ok()) return s;
  out.result = std::move(result);
  return out;
}

verifier::Result App::OutOfRange(const grpc::Status& g, const char* call) const {
  verifier::Result r = verifier_->ReportOutOfRange();
  if (r.status.ok()) r.status = FromGrpcStatus(g, call);
  return r;
}

absl::StatusOr<Outcome> App::Lookup(const std::string& account) {
  v1::LookupRequest req;
  if (!req.ParseFromString(verifier_->LookupRequest(account))) {
    return absl::InternalError("app: the verifier built a bad LookupRequest");
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout_));
  v1::LookupResponse resp;
  grpc::Status g = stub_->Lookup(&ctx, req, &resp);
  if (g.error_code() == grpc::StatusCode::OUT_OF_RANGE) return Finish(OutOfRange(g, "Lookup"));
  absl::Status s = FromGrpcStatus(g, "Lookup");
  if (!s.ok()) return s;
  return Finish(verifier_->HandleLookup(account, resp.SerializeAsString(), NowMs()));
}

absl::StatusOr<std::vector<Outcome>> App::LookupGroup(const std::vector<std::string>& accounts) {
  std::vector<Outcome> out;
  size_t next = 0;
  while (next < accounts.size()) {
    const std::vector<std::string> part(
        accounts.begin() + next,
        accounts.begin() + next + std::min(kMaxBatchLookups, accounts.size() - next));
    auto request = verifier_->BatchLookupRequest(part);
    if (!request.ok()) return request.status();
    v1::BatchLookupRequest req;
    if (!req.ParseFromString(*request)) {
      return absl::InternalError("app: the verifier built a bad BatchLookupRequest");
    }
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout_));
    v1::BatchLookupResponse resp;
    grpc::Status g = stub_->BatchLookup(&ctx, req, &resp);
    verifier::Result whole;  // a call rejected as a whole
    if (g.error_code() == grpc::StatusCode::OUT_OF_RANGE) {
      whole = OutOfRange(g, "BatchLookup");
    } else {
      absl::Status s = FromGrpcStatus(g, "BatchLookup");
      if (!s.ok()) return s;
      verifier::BatchResult b =
          verifier_->HandleBatchLookup(part, resp.SerializeAsString(), NowMs());
      whole.status = b.status;
      whole.alerts = std::move(b.alerts);
      for (verifier::Result& r : b.results) {
        auto o = Finish(std::move(r));
        if (!o.ok()) return o.status();
        out.push_back(*std::move(o));
      }
      next += b.results.size();
    }
    if (!whole.status.ok()) {
      auto o = Finish(std::move(whole));
      if (!o.ok()) return o.status();
      out.push_back(*std::move(o));
      return out;
    }
  }
  return out;
}

absl::StatusOr<Outcome> App::Watch(const std::string& account) {
  // Each page is one call; a log that keeps answering `more` forever is cut
  // off (a page holds many versions; an account has few).
  for (int page = 0; page < 10000; ++page) {
    v1::HistoryRequest req;
    if (!req.ParseFromString(verifier_->HistoryRequest(account))) {
      return absl::InternalError("app: the verifier built a bad HistoryRequest");
    }
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout_));
    v1::HistoryResponse resp;
    grpc::Status g = stub_->History(&ctx, req, &resp);
    if (g.error_code() == grpc::StatusCode::OUT_OF_RANGE) return Finish(OutOfRange(g, "History"));
    absl::Status s = FromGrpcStatus(g, "History");
    if (!s.ok()) return s;
    verifier::Result r = verifier_->HandleHistory(account, resp.SerializeAsString(), NowMs());
    if (!r.status.ok() || !r.more) return Finish(std::move(r));
  }
  return absl::ResourceExhaustedError("app: the log's history never ended (10000 pages)");
}

absl::StatusOr<Outcome> App::Observe(const std::string& checkpoint_note, std::string proof) {
  const uint64_t stored = verifier_->last_verified_size();
  if (proof.empty() && stored != 0) {
    // The size of the note, without trusting it: the verifier checks the
    // signature; a bad note just gets no proof and is refused there.
    auto parsed = note::ParseNote(checkpoint_note);
    auto cp = parsed.ok() ? note::ParseCheckpoint(parsed->text)
                          : absl::StatusOr<note::Checkpoint>(parsed.status());
    if (cp.ok() && cp->size != stored && cp->size != 0) {
      v1::GetConsistencyProofRequest req;
      req.set_first_size(std::min(stored, cp->size));
      req.set_second_size(std::max(stored, cp->size));
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout_));
      v1::GetConsistencyProofResponse resp;
      absl::Status s =
          FromGrpcStatus(stub_->GetConsistencyProof(&ctx, req, &resp), "GetConsistencyProof");
      if (!s.ok()) return s;
      proof = resp.proof();
    }
  }
  return Finish(verifier_->ObserveCheckpoint(checkpoint_note, proof));
}

absl::StatusOr<std::vector<SavedAlert>> App::Alerts() const {
  const std::string path = dir_ + "/alerts.json";
  auto j = ParseJsonFile(path);
  if (absl::IsNotFound(j.status())) return std::vector<SavedAlert>();
  if (!j.ok()) return j.status();
  if (!j->is_array()) return absl::DataLossError(absl::StrCat(path, " is not a JSON array"));
  std::vector<SavedAlert> out;
  for (const json& e : *j) {
    SavedAlert a;
    uint64_t kind = 0;
    for (absl::Status s : {Field(e, "number", path, &a.number), Field(e, "kind", path, &kind),
                           Field(e, "account", path, &a.alert.account),
                           Field(e, "explanation", path, &a.alert.explanation),
                           Field(e, "evidence_file", path, &a.evidence_file)}) {
      if (!s.ok()) return s;
    }
    a.alert.kind = static_cast<verifier::AlertKind>(kind);
    out.push_back(std::move(a));
  }
  return out;
}

nlohmann::json AlertJson(const SavedAlert& a) {
  return {{"number", a.number},
          {"kind", static_cast<int>(a.alert.kind)},
          {"name", std::string(verifier::AlertName(a.alert.kind))},
          {"account", a.alert.account},
          {"explanation", a.alert.explanation},
          {"evidence_file", a.evidence_file}};
}

nlohmann::json AccountJson(const verifier::VerifiedAccount& a) {
  json devices = json::array();
  for (const Device& d : a.key_set.devices) {
    devices.push_back({{"id", d.device_id}, {"key", HexEncode(d.device_key)}});
  }
  return {{"account", a.account},
          {"version", a.version},
          {"account_key",
           a.key_set.account_key ? json(HexEncode(*a.key_set.account_key)) : json(nullptr)},
          {"devices", devices},
          {"verified", a.verified}};
}

nlohmann::json OutcomeJson(const Outcome& o) {
  json alerts = json::array();
  for (const SavedAlert& a : o.alerts) alerts.push_back(AlertJson(a));
  json j = {{"verified", o.result.status.ok()},
            {"error", o.result.status.ok() ? "" : std::string(o.result.status.message())},
            {"alerts", alerts}};
  j["account"] = o.result.account ? AccountJson(*o.result.account) : json(nullptr);
  return j;
}

}  // namespace keytrail::cli
