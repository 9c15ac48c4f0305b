#include "cli/demo.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "cli/app.h"
#include "cli/output.h"
#include "core/bytes/encoding.h"
#include "core/crypto/random.h"
#include "core/crypto/sha256.h"
#include "core/evidence/evidence.h"
#include "core/grpc/status_convert.h"
#include "core/keys/key_file.h"
#include "core/note/checkpoint.h"
#include "core/note/cosignature.h"
#include "core/note/ed25519_note.h"
#include "core/note/note.h"
#include "core/protocol/key_set.h"
#include "core/protocol/key_set_message.h"
#include "core/protocol/verification_code.h"
#include "core/util/file.h"
#include "core/witness/add_checkpoint.h"
#include "grpcpp/grpcpp.h"
#include "httplib.h"
#include "proto/log_service.grpc.pb.h"
#include "proto/monitor_service.grpc.pb.h"

ABSL_DECLARE_FLAG(std::string, server);
ABSL_DECLARE_FLAG(std::string, token_file);
ABSL_DECLARE_FLAG(absl::Duration, timeout);
ABSL_DECLARE_FLAG(bool, allow_insecure_key_permissions);
ABSL_FLAG(std::string, note_key, "",
          "the log's private note key file (demo: signs the forked checkpoint of step 8)");
ABSL_FLAG(
    std::vector<std::string>, monitors, {},
    "the deployment's monitors as GRPC_ADDRESS=HTTP_URL=COSIGNER_VKEY, comma-separated (demo)");
ABSL_FLAG(std::string, work_dir, "",
          "where the demo keeps Alice's and Bob's app directories and the evidence "
          "(default: a new directory under $TMPDIR or /tmp)");
ABSL_FLAG(absl::Duration, wait, absl::Seconds(30),
          "how long the demo waits for an update to be published or a monitor to react");

namespace keytrail::cli {
namespace {

using nlohmann::json;

struct MonitorAddress {
  std::string grpc;
  std::string url;  // http://host:port, no trailing '/'
  std::string vkey;
};

// One user: an app directory, an account key, devices.
struct Person {
  std::string name;     // "Alice"
  std::string account;  // "alice.3f9c"
  std::unique_ptr<App> app;
  std::optional<Ed25519PrivateKey> account_key;
  KeySet devices;  // unsigned: what is enrolled
};

class Story {
 public:
  Story(std::string server, std::string token, std::string note_key,
        std::vector<MonitorAddress> monitors, std::string work_dir)
      : server_(std::move(server)),
        token_(std::move(token)),
        note_key_(std::move(note_key)),
        monitors_(std::move(monitors)),
        work_dir_(std::move(work_dir)),
        timeout_(absl::GetFlag(FLAGS_timeout)),
        wait_(absl::GetFlag(FLAGS_wait)) {
    log_ = v1::KeyTransparencyLog::NewStub(
        grpc::CreateChannel(server_, grpc::InsecureChannelCredentials()));
  }

  absl::Status Run();
  json Json() const { return {{"work_dir", work_dir_}, {"steps", steps_}, {"ok", ok_}}; }

 private:
  // Step bookkeeping: Begin prints the title, Say a line of what happened,
  // End records the outcome.
  void Begin(const std::string& title) {
    step_ = {{"step", steps_.size() + 1},
             {"title", title},
             {"said", json::array()},
             {"alerts", json::array()}};
    if (!JsonOutput()) std::printf("\n%zu. %s\n", steps_.size() + 1, title.c_str());
  }
  void Say(const std::string& line) {
    step_["said"].push_back(line);
    if (!JsonOutput()) std::printf("   %s\n", line.c_str());
    std::fflush(stdout);
  }
  void Alerts(const std::string& who, const Outcome& o) {
    for (const SavedAlert& a : o.alerts) {
      json j = AlertJson(a);
      j["raised_by"] = who;
      step_["alerts"].push_back(j);
      Say(absl::StrCat("ALERT on ", who, "'s phone [", verifier::AlertName(a.alert.kind),
                       "]: ", a.alert.explanation));
      if (!a.evidence_file.empty()) Say(absl::StrCat("  evidence: ", a.evidence_file));
    }
  }
  absl::Status End(absl::Status outcome) {
    step_["ok"] = outcome.ok();
    if (!outcome.ok()) {
      step_["error"] = std::string(outcome.message());
      if (!JsonOutput()) std::printf("   FAILED: %s\n", std::string(outcome.message()).c_str());
      ok_ = false;
    }
    steps_.push_back(step_);
    return outcome;
  }

  absl::StatusOr<std::unique_ptr<App>> NewApp(const std::string& who);
  absl::Status Enroll(Person& p, const std::vector<std::string>& device_names);
  absl::StatusOr<v1::UpdateResponse> Publish(const std::string& account, KeySet key_set,
                                             uint64_t expected_version,
                                             const Ed25519PrivateKey* sign_with);
  absl::StatusOr<Outcome> LookupUntil(App& app, const std::string& account, uint64_t version);
  absl::StatusOr<std::string> ServedCheckpoint();
  absl::Status WaitServed(uint64_t tree_size);
  absl::Status WaitCosigned();
  absl::Status LookUp(Person& who, Person& whom);
  absl::Status Codes(Person& a, Person& b);
  absl::Status RogueDevice(Person& alice);
  absl::Status ExpectAlert(Person& who, Person& whom, std::vector<verifier::AlertKind> kinds);
  absl::Status Fork();

  const std::string server_, token_, note_key_;
  const std::vector<MonitorAddress> monitors_;
  const std::string work_dir_;
  const absl::Duration timeout_, wait_;
  std::unique_ptr<v1::KeyTransparencyLog::Stub> log_;
  std::string origin_;
  json steps_ = json::array();
  json step_;
  bool ok_ = true;
};

std::string Suffix() { return HexEncode(RandomString(2)); }

absl::StatusOr<std::unique_ptr<App>> Story::NewApp(const std::string& who) {
  std::vector<std::string> keys;
  for (const auto& m : monitors_) keys.push_back(m.vkey);
  // Every monitor of the deployment must have cosigned what the app takes;
  // a checkpoint older than 5 minutes is stale (the log seals an epoch at
  // least every max_epoch_age, 1 minute by default).
  return App::Pin(absl::StrCat(work_dir_, "/", who), server_, keys, keys.size(), absl::Minutes(5),
                  timeout_);
}

absl::StatusOr<v1::UpdateResponse> Story::Publish(const std::string& account, KeySet key_set,
                                                  uint64_t expected_version,
                                                  const Ed25519PrivateKey* sign_with) {
  SortDevices(&key_set);
  if (sign_with != nullptr) {
    absl::Status s = SignKeySet(*sign_with, account, expected_version + 1, &key_set);
    if (!s.ok()) return s;
  }
  v1::UpdateRequest req;
  req.set_account(account);
  req.set_expected_version(expected_version);
  FillKeySet(key_set, req.mutable_key_set());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout_));
  ctx.AddMetadata("authorization", "Bearer " + token_);
  v1::UpdateResponse resp;
  absl::Status s = FromGrpcStatus(log_->Update(&ctx, req, &resp), "Update");
  if (!s.ok()) return s;
  return resp;
}

// Looks `account` up until the answer shows at least `version` (the log
// publishes an update once both monitors cosigned its epoch). Stops at the
// first answer that does not verify or raises an alert.
absl::StatusOr<Outcome> Story::LookupUntil(App& app, const std::string& account, uint64_t version) {
  const absl::Time end = absl::Now() + wait_;
  while (true) {
    auto o = app.Lookup(account);
    if (!o.ok()) return o.status();
    if (!o->result.status.ok() || !o->alerts.empty()) return o;
    if (o->result.account && o->result.account->version >= version) return o;
    if (absl::Now() > end) {
      return absl::DeadlineExceededError(absl::StrCat(
          "version ", version, " of ", account, " was not published with every cosignature within ",
          absl::FormatDuration(wait_), " (are the monitors running?)"));
    }
    absl::SleepFor(absl::Milliseconds(250));
  }
}

// The checkpoint note the log serves now (GetCheckpoint, within timeout_).
absl::StatusOr<std::string> Story::ServedCheckpoint() {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout_));
  v1::GetCheckpointResponse resp;
  absl::Status s = FromGrpcStatus(log_->GetCheckpoint(&ctx, {}, &resp), "GetCheckpoint");
  if (!s.ok()) return s;
  return std::move(*resp.mutable_checkpoint());
}

// Waits until the log serves (with every cosignature) a checkpoint of at
// least `tree_size` entries.
absl::Status Story::WaitServed(uint64_t tree_size) {
  const absl::Time end = absl::Now() + wait_;
  while (true) {
    absl::StatusOr<std::string> served = ServedCheckpoint();
    if (!served.ok()) return served.status();
    auto n = note::ParseNote(*served);
    auto cp =
        n.ok() ? note::ParseCheckpoint(n->text) : absl::StatusOr<note::Checkpoint>(n.status());
    if (cp.ok() && cp->size >= tree_size) return absl::OkStatus();
    if (absl::Now() > end) {
      return absl::DeadlineExceededError(absl::StrCat("the log did not serve a checkpoint of size ",
                                                      tree_size, " within ",
                                                      absl::FormatDuration(wait_)));
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
}

// Waits until the log serves a checkpoint every monitor cosigned (a
// deployment just started has none yet).
absl::Status Story::WaitCosigned() {
  std::vector<note::CosignatureVerifier> keys;
  for (const MonitorAddress& m : monitors_) {
    auto k = note::ParseCosignatureVerifierKey(m.vkey);
    if (!k.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("demo: --monitors: ", k.status().message()));
    }
    keys.push_back(*std::move(k));
  }
  const absl::Time end = absl::Now() + wait_;
  while (true) {
    absl::StatusOr<std::string> served = ServedCheckpoint();
    if (!served.ok()) return served.status();
    size_t cosigned = 0;
    for (const auto& k : keys) {
      const note::NoteVerifier* v[] = {&k};
      if (note::OpenNote(*served, v).ok()) ++cosigned;
    }
    if (cosigned == keys.size()) return absl::OkStatus();
    if (absl::Now() > end) {
      return absl::DeadlineExceededError(absl::StrCat(
          "the log serves no checkpoint cosigned by all ", keys.size(), " monitors after ",
          absl::FormatDuration(wait_), " (", cosigned, " cosigned the one it serves)"));
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
}

std::string DeviceList(const KeySet& ks) {
  std::vector<std::string> names;
  for (const Device& d : ks.devices) names.push_back(d.device_id);
  return absl::StrJoin(names, ", ");
}

absl::Status Story::Enroll(Person& p, const std::vector<std::string>& device_names) {
  Begin(absl::StrCat(p.name, " enrolls ", absl::StrJoin(device_names, " and "),
                     " under an account key"));
  auto app = NewApp(absl::AsciiStrToLower(p.name));
  if (!app.ok()) return End(app.status());
  p.app = *std::move(app);
  p.account_key = Ed25519PrivateKey::Generate();
  absl::Status s = p.app->SetOwnAccount(p.account);
  if (s.ok()) {
    s = p.app->SetOwnAccountKey(std::string(p.account_key->public_key().bytes()));
  }
  for (const std::string& d : device_names) {
    std::string key = RandomString(32);
    p.devices.devices.push_back(Device{d, key});
    if (s.ok()) s = p.app->EnrollDevice(d, key);
  }
  if (!s.ok()) return End(s);
  Say(absl::StrCat(p.name, "'s app (", work_dir_, "/", absl::AsciiStrToLower(p.name),
                   ") pins the log and its ", monitors_.size(), " monitors; account \"", p.account,
                   "\", account key ", HexEncode(p.account_key->public_key().bytes()).substr(0, 16),
                   "..."));
  auto resp = Publish(p.account, p.devices, 0, &*p.account_key);
  if (!resp.ok()) return End(resp.status());
  Say(absl::StrCat("the log accepted version ", resp->version(), " (", DeviceList(p.devices),
                   ", signed by the account key) in epoch ", resp->epoch()));
  auto o = LookupUntil(*p.app, p.account, resp->version());
  if (!o.ok()) return End(o.status());
  Alerts(p.name, *o);
  if (!o->result.status.ok()) return End(o->result.status);
  if (!o->alerts.empty()) return End(absl::AbortedError("an alert where none was expected"));
  Say(absl::StrCat(p.name, "'s app checks its own account: version ", o->result.account->version,
                   ", exactly the devices ", p.name, " enrolled"));
  return End(absl::OkStatus());
}

absl::Status Story::LookUp(Person& who, Person& whom) {
  Begin(absl::StrCat(who.name, " looks ", whom.name, " up (and ", whom.name, " ", who.name, ")"));
  for (auto [a, b] : {std::pair<Person*, Person*>{&who, &whom}, {&whom, &who}}) {
    auto o = LookupUntil(*a->app, b->account, 1);
    if (!o.ok()) return End(o.status());
    Alerts(a->name, *o);
    if (!o->result.status.ok()) return End(o->result.status);
    if (!o->alerts.empty()) return End(absl::AbortedError("an alert where none was expected"));
    const verifier::VerifiedAccount& acc = *o->result.account;
    Say(absl::StrCat(a->name, " sees ", b->name, ": version ", acc.version, ", devices ",
                     DeviceList(acc.key_set), ", signed by account key ",
                     HexEncode(acc.key_set.account_key.value_or("")).substr(0, 16), "..."));
    step_[a == &who ? "looked_up" : "looked_up_back"] = AccountJson(acc);
  }
  Say(absl::StrCat("verified: the log's signature, ", monitors_.size(), " of ", monitors_.size(),
                   " monitor cosignatures, the VRF proof of the account's index, the map "
                   "inclusion proof and the version chain, at checkpoint ",
                   who.app->verifier().last_verified_size()));
  return End(absl::OkStatus());
}

absl::Status Story::Codes(Person& a, Person& b) {
  Begin(absl::StrCat(a.name, " and ", b.name, " compare verification codes"));
  auto ca = a.app->verifier().ContactCode(b.account);
  if (!ca.ok()) return End(ca.status());
  auto cb = b.app->verifier().ContactCode(a.account);
  if (!cb.ok()) return End(cb.status());
  Say(absl::StrCat(a.name, "'s phone shows ", FormatVerificationCode(*ca)));
  Say(absl::StrCat(b.name, "'s phone shows   ", FormatVerificationCode(*cb)));
  step_["codes"] = {{a.name, *ca}, {b.name, *cb}};
  if (*ca != *cb) return End(absl::AbortedError("the codes differ"));
  absl::Status s = a.app->MarkVerified(b.account, *ca);
  if (s.ok()) s = b.app->MarkVerified(a.account, *cb);
  if (!s.ok()) return End(s);
  Say("they match: each marks the other verified");
  return End(absl::OkStatus());
}

absl::Status Story::RogueDevice(Person& alice) {
  Begin(absl::StrCat("Whoever controls the server slips a device into ", alice.name, "'s account"));
  // The server has the write token but not Alice's account key. The log
  // refuses a key set whose signature does not verify, so it publishes one
  // without the account key (and so without a signature).
  KeySet rogue = alice.devices;
  rogue.devices.push_back(Device{"tablet", RandomString(32)});
  auto resp = Publish(alice.account, rogue, 1, nullptr);
  if (!resp.ok()) return End(resp.status());
  Say(absl::StrCat("with the write token and no account-key signature: version ", resp->version(),
                   " = ", DeviceList(rogue), " (epoch ", resp->epoch(), ")"));
  absl::Status s = WaitServed(resp->tree_size());
  if (!s.ok()) return End(s);
  Say(absl::StrCat("the log published it (checkpoint size ", resp->tree_size(),
                   ", cosigned by the monitors: nothing in the log's rules forbids it)"));
  return End(absl::OkStatus());
}

absl::Status Story::ExpectAlert(Person& who, Person& whom, std::vector<verifier::AlertKind> kinds) {
  Begin(&who == &whom ? absl::StrCat(who.name, "'s phone checks her own account")
                      : absl::StrCat(who.name, "'s next lookup of ", whom.name));
  auto o = who.app->Lookup(whom.account);
  if (!o.ok()) return End(o.status());
  Alerts(who.name, *o);
  step_["verified"] = o->result.status.ok();
  for (const SavedAlert& a : o->alerts) {
    if (std::find(kinds.begin(), kinds.end(), a.alert.kind) != kinds.end() &&
        a.alert.account == whom.account && !a.evidence_file.empty()) {
      Say(absl::StrCat("the evidence is the log's own signed answer: anyone can check it"));
      return End(absl::OkStatus());
    }
  }
  std::vector<std::string> names;
  for (verifier::AlertKind k : kinds) names.emplace_back(verifier::AlertName(k));
  return End(absl::AbortedError(
      absl::StrCat("expected a ", absl::StrJoin(names, " or "), " alert with evidence")));
}

absl::Status Story::Fork() {
  Begin("A monitor is shown a forked checkpoint");
  const MonitorAddress& m = monitors_.front();
  auto signer_text = ReadKeyFile(note_key_);
  if (!signer_text.ok()) return End(signer_text.status());
  auto signer = note::ParseSignerKey(*signer_text);
  if (!signer.ok()) return End(signer.status());
  origin_ = signer->name();
  const std::string path = absl::StrCat("/", HexEncode(HashView(Sha256Of(origin_))), "/checkpoint");
  httplib::Client http(m.url);
  http.set_connection_timeout(5, 0);
  http.set_read_timeout(10, 0);
  auto monitor =
      v1::MonitorService::NewStub(grpc::CreateChannel(m.grpc, grpc::InsecureChannelCredentials()));
  // The witness cosigns the log's newest checkpoint as it goes; a fork of
  // the size it holds is refused outright (409) only if that size moved
  // on between the two requests: then try again.
  std::string answer;
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto got = http.Get(path.c_str());
    if (!got || got->status != 200) {
      return End(absl::UnavailableError(
          absl::StrCat("GET ", m.url, path, ": ",
                       got ? std::to_string(got->status) : httplib::to_string(got.error()))));
    }
    auto n = note::ParseNote(got->body);
    auto cp =
        n.ok() ? note::ParseCheckpoint(n->text) : absl::StatusOr<note::Checkpoint>(n.status());
    if (!cp.ok()) return End(cp.status());
    note::Checkpoint forked = *cp;
    forked.root = Sha256Of(absl::StrCat("a forked tree of ", HashView(cp->root)));
    const note::NoteSigner* signers[] = {&*signer};
    auto forked_note = note::SignNote(note::FormatCheckpoint(forked), signers);
    if (!forked_note.ok()) return End(forked_note.status());
    if (attempt == 0) {
      Say(absl::StrCat("monitor ", m.url, " cosigned size ", cp->size, " with root ",
                       HexEncode(HashView(cp->root)).substr(0, 16), "..."));
      Say(absl::StrCat("the log's key signs another tree of that size: root ",
                       HexEncode(HashView(forked.root)).substr(0, 16), "..."));
    }
    step_["forked_checkpoint"] = *forked_note;
    auto posted =
        http.Post("/add-checkpoint",
                  witness::FormatAddCheckpointRequest(cp->size, {}, *forked_note), "text/plain");
    if (!posted) {
      return End(absl::UnavailableError(
          absl::StrCat("POST ", m.url, "/add-checkpoint: ", httplib::to_string(posted.error()))));
    }
    answer = absl::StrCat(posted->status, " ", absl::StripAsciiWhitespace(posted->body));
    Say(absl::StrCat("POST /add-checkpoint: the monitor answers ", answer));
    if (posted->status == 409) {
      auto size = witness::ParseTlogSize(posted->body);
      if (size.ok() && *size != cp->size) continue;  // it moved on: fork the new size
    }
    break;
  }
  // The monitor flags the log: MISBEHAVING, with evidence.
  const absl::Time end = absl::Now() + wait_;
  while (true) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout_));
    v1::GetStatusResponse status;
    absl::Status s = FromGrpcStatus(monitor->GetStatus(&ctx, {}, &status), "GetStatus");
    if (!s.ok()) return End(s);
    for (const v1::LogStatus& l : status.logs()) {
      if (l.origin() != origin_ || l.state() != v1::LogStatus::MISBEHAVING) continue;
      for (const v1::EvidenceInfo& e : l.evidence()) {
        auto decoded = evidence::DecodeEvidence(e.evidence());
        if (!decoded.ok() || decoded->kind != evidence::EvidenceKind::kSplitView) continue;
        auto finding = evidence::VerifyEvidence(*decoded);
        if (!finding.ok()) return End(finding.status());
        const std::string file = work_dir_ + "/fork-evidence.bin";
        s = WriteFileDurably(file, e.evidence(), 0644);
        if (!s.ok()) return End(s);
        Say(absl::StrCat("the monitor now reports the log MISBEHAVING and stops cosigning it"));
        Say(absl::StrCat("its evidence (", e.file(), ", copied to ", file,
                         "): ", finding->summary));
        Say(absl::StrCat("check it yourself: keytrail evidence verify ", file));
        step_["evidence_file"] = file;
        step_["monitor_evidence_file"] = e.file();
        step_["finding"] = finding->summary;
        return End(absl::OkStatus());
      }
    }
    if (absl::Now() > end) {
      return End(absl::AbortedError(absl::StrCat(
          "the monitor did not flag the log within ", absl::FormatDuration(wait_), " (it answered ",
          answer, "); a same-size fork must become split-view evidence")));
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
}

absl::Status Story::Run() {
  const std::string suffix = Suffix();
  Person alice{"Alice", "alice." + suffix, nullptr, std::nullopt, {}};
  Person bob{"Bob", "bob." + suffix, nullptr, std::nullopt, {}};
  if (!JsonOutput()) {
    std::printf("The rogue-device story, told against the log at %s\n", server_.c_str());
  }
  absl::Status s = WaitCosigned();
  if (!s.ok()) {
    return absl::Status(s.code(), absl::StrCat("the deployment is not ready: ", s.message()));
  }
  s = Enroll(alice, {"phone", "laptop"});
  if (s.ok()) s = Enroll(bob, {"phone"});
  if (s.ok()) s = LookUp(bob, alice);
  if (s.ok()) s = Codes(alice, bob);
  if (s.ok()) s = RogueDevice(alice);
  if (s.ok()) s = ExpectAlert(alice, alice, {verifier::AlertKind::kUnenrolledDevice});
  if (s.ok())
    s = ExpectAlert(bob, alice,
                    // The key set lost the account key Bob verified:
                    // identity-changed (unsigned-key-set if it kept it).
                    {verifier::AlertKind::kIdentityChanged, verifier::AlertKind::kUnsignedKeySet});
  if (s.ok()) s = Fork();
  if (!s.ok()) {
    return absl::AbortedError(absl::StrCat("step ", steps_.size(), " (",
                                           steps_.back()["title"].get<std::string>(),
                                           ") did not go as the story says: ", s.message()));
  }
  if (!JsonOutput()) {
    std::printf(
        "\nThe end: the server could add a device, but not without Alice, Bob and the\n"
        "monitors noticing, each with evidence anyone can check.\n");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<MonitorAddress>> ParseMonitors(const std::vector<std::string>& specs) {
  std::vector<MonitorAddress> out;
  for (const std::string& spec : specs) {
    std::vector<std::string> parts = absl::StrSplit(spec, absl::MaxSplits('=', 2));
    if (parts.size() != 3 || parts[0].empty() || !absl::StartsWith(parts[1], "http://") ||
        parts[2].empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "demo: --monitors entries are GRPC_ADDRESS=http://HOST:PORT=COSIGNER_VKEY, got \"", spec,
          "\""));
    }
    std::string url = parts[1];
    while (absl::EndsWith(url, "/")) url.pop_back();
    out.push_back(MonitorAddress{parts[0], url, parts[2]});
  }
  if (out.empty()) return absl::InvalidArgumentError("demo: --monitors is required");
  return out;
}

}  // namespace

absl::Status RunDemo(int argc, char** argv) {
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() != 2) return absl::InvalidArgumentError("demo: unexpected arguments");
  auto monitors = ParseMonitors(absl::GetFlag(FLAGS_monitors));
  if (!monitors.ok()) return monitors.status();
  if (absl::GetFlag(FLAGS_token_file).empty() || absl::GetFlag(FLAGS_note_key).empty()) {
    return absl::InvalidArgumentError("demo: --token_file and --note_key are required");
  }
  absl::Status mode = CheckSecretFileMode(absl::GetFlag(FLAGS_token_file),
                                          absl::GetFlag(FLAGS_allow_insecure_key_permissions));
  if (!mode.ok()) return mode;
  auto token = ReadKeyFile(absl::GetFlag(FLAGS_token_file));
  if (!token.ok()) return token.status();
  std::string work_dir = absl::GetFlag(FLAGS_work_dir);
  if (work_dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = absl::StrCat(tmp && *tmp ? tmp : "/tmp", "/keytrail-demo.XXXXXX");
    if (::mkdtemp(pattern.data()) == nullptr) {
      return absl::UnavailableError("demo: can't create a work directory under $TMPDIR");
    }
    work_dir = pattern;
  } else if (::mkdir(work_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::UnavailableError(absl::StrCat("demo: can't create ", work_dir));
  }
  Story story(absl::GetFlag(FLAGS_server), std::string(absl::StripAsciiWhitespace(*token)),
              absl::GetFlag(FLAGS_note_key), *std::move(monitors), work_dir);
  absl::Status s = story.Run();
  if (JsonOutput()) PrintJson(story.Json());
  return s;
}

}  // namespace keytrail::cli
