#include "cli/client_commands.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "cli/output.h"
#include "core/bytes/encoding.h"
#include "core/grpc/status_convert.h"
#include "core/keys/key_file.h"
#include "core/keys/keys.h"
#include "core/protocol/entry.h"
#include "core/protocol/key_set.h"
#include "core/protocol/key_set_message.h"
#include "core/util/file.h"
#include "grpcpp/grpcpp.h"
#include "proto/log_service.grpc.pb.h"
#include "verifier/history.h"
#include "verifier/log_trust.h"
#include "verifier/lookup.h"

ABSL_FLAG(std::string, server, "localhost:8090", "log server address host:port");
ABSL_FLAG(std::string, token_file, "", "write token file (update)");
ABSL_FLAG(std::string, account, "", "account id");
ABSL_FLAG(std::vector<std::string>, device, {},
          "device as ID=HEXKEY; repeat it, or comma-separate, for several (update)");
ABSL_FLAG(std::string, account_key, "",
          "account private key file (keygen account): sign the key set with it, as the "
          "version after the current one (update)");
ABSL_FLAG(int64_t, expected_version, -1,
          "apply the update only if the account is at this version (update; with "
          "--account_key, default: the version a verified lookup finds)");
ABSL_FLAG(std::string, state_dir, "",
          "where lookup/history pin the log's keys and remember the last verified "
          "checkpoint (empty: trust what the server says this once)");
ABSL_FLAG(int64_t, since, 1, "first version to fetch (history)");
ABSL_FLAG(int64_t, start, 0, "first entry (entries)");
ABSL_FLAG(int64_t, count, 10, "how many entries (entries)");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(30), "deadline of each call");
ABSL_FLAG(bool, allow_insecure_key_permissions, false,
          "use --token_file and --account_key files that group or others can read, with a "
          "warning, instead of refusing them (update)");

namespace keytrail::cli {
namespace {

using v1::KeyTransparencyLog;

std::unique_ptr<KeyTransparencyLog::Stub> Connect() {
  return KeyTransparencyLog::NewStub(
      grpc::CreateChannel(absl::GetFlag(FLAGS_server), grpc::InsecureChannelCredentials()));
}

void SetDeadline(grpc::ClientContext* ctx) {
  ctx->set_deadline(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(absl::GetFlag(FLAGS_timeout)));
}

// The state files (pinned log info, last checkpoint) are well under 1 KiB.
constexpr size_t kMaxStateFileSize = 64 * 1024;

absl::StatusOr<std::string> ReadWhole(const std::string& path) {
  return ReadFileToString(path, kMaxStateFileSize);
}

// Synced: the pinned checkpoint is what detects a rollback after a crash.
absl::Status WriteWhole(const std::string& path, const std::string& data) {
  return WriteFileDurably(path, data, 0644);
}

// ---- The client's trust state (--state_dir) ----

struct ClientState {
  std::optional<verifier::LogTrust> trust;  // set by LoadState
  verifier::TrustedCheckpoint last;
  std::string dir;
};

absl::StatusOr<ClientState> LoadState(KeyTransparencyLog::Stub& stub) {
  ClientState state;
  state.dir = absl::GetFlag(FLAGS_state_dir);
  if (!state.dir.empty() && ::mkdir(state.dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::UnavailableError(absl::StrCat("can't create --state_dir ", state.dir));
  }
  v1::GetLogInfoResponse info;
  std::string info_path = state.dir + "/log_info.pb";
  auto pinned = state.dir.empty() ? absl::StatusOr<std::string>(absl::NotFoundError(""))
                                  : ReadWhole(info_path);
  if (!pinned.ok() && !absl::IsNotFound(pinned.status())) {
    // An unreadable pin must not be silently replaced by whatever the log says.
    return pinned.status();
  }
  if (pinned.ok()) {
    if (!info.ParseFromString(*pinned)) {
      return absl::DataLossError(absl::StrCat(info_path, " is damaged"));
    }
  } else {
    grpc::ClientContext ctx;
    SetDeadline(&ctx);
    absl::Status s =
        FromGrpcStatus(stub.GetLogInfo(&ctx, v1::GetLogInfoRequest(), &info), "GetLogInfo");
    if (!s.ok()) return s;
    if (!state.dir.empty()) {
      s = WriteWhole(info_path, info.SerializeAsString());
      if (!s.ok()) return s;
      std::fprintf(stderr, "keytrail: pinned log %s (%s) in %s\n", info.origin().c_str(),
                   info.note_verifier_key().c_str(), info_path.c_str());
    }
  }
  auto trust = verifier::LogTrust::FromLogInfo(info);
  if (!trust.ok()) return trust.status();
  state.trust.emplace(*std::move(trust));
  if (!state.dir.empty()) {
    auto text = ReadWhole(state.dir + "/checkpoint");
    if (!text.ok() && !absl::IsNotFound(text.status())) return text.status();
    if (text.ok()) {
      std::vector<std::string> parts = absl::StrSplit(absl::StripAsciiWhitespace(*text), ' ');
      auto root = parts.size() == 2 ? HexDecode(parts[1]) : absl::StatusOr<std::string>("");
      if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &state.last.size) || !root.ok() ||
          !HashFromBytes(*root, &state.last.root)) {
        return absl::DataLossError(absl::StrCat(state.dir, "/checkpoint is damaged"));
      }
    }
  }
  return state;
}

absl::Status SaveCheckpoint(const ClientState& state, const note::Checkpoint& checkpoint) {
  if (state.dir.empty()) return absl::OkStatus();
  return WriteWhole(state.dir + "/checkpoint",
                    absl::StrCat(checkpoint.size, " ", HexEncode(HashView(checkpoint.root)), "\n"));
}

uint64_t NowMs() { return static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())); }

// A verified answer advances the client's trusted checkpoint; a failed
// verification is reported as such.
template <typename Verified>
absl::StatusOr<Verified> Accept(const ClientState& state, absl::StatusOr<Verified> verified) {
  if (!verified.ok()) {
    return absl::Status(verified.status().code(), absl::StrCat("the log's answer does not verify: ",
                                                               verified.status().message()));
  }
  absl::Status s = SaveCheckpoint(state, verified->log.checkpoint);
  if (!s.ok()) return s;
  return verified;
}

nlohmann::json KeySetJson(const KeySet& ks) {
  nlohmann::json devices = nlohmann::json::array();
  for (const Device& d : ks.devices) {
    devices.push_back({{"id", d.device_id}, {"key", HexEncode(d.device_key)}});
  }
  return {{"account_key",
           ks.account_key ? nlohmann::json(HexEncode(*ks.account_key)) : nlohmann::json(nullptr)},
          {"devices", devices}};
}

void PrintKeySet(const KeySet& ks) {
  if (JsonOutput()) return;
  if (ks.devices.empty()) {
    std::printf("  no devices (account deactivated)\n");
    return;
  }
  if (ks.account_key) {
    std::printf("  account key %s (the key set signed by it)\n",
                HexEncode(*ks.account_key).c_str());
  }
  for (const Device& d : ks.devices) {
    std::printf("  device %s: key %s\n", absl::CEscape(d.device_id).c_str(),
                HexEncode(d.device_key).c_str());
  }
}

// ---- Commands ----

absl::Status Info(KeyTransparencyLog::Stub& stub) {
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  v1::GetLogInfoResponse info;
  absl::Status s =
      FromGrpcStatus(stub.GetLogInfo(&ctx, v1::GetLogInfoRequest(), &info), "GetLogInfo");
  if (!s.ok()) return s;
  if (JsonOutput()) {
    PrintJson({{"origin", info.origin()},
               {"note_verifier_key", info.note_verifier_key()},
               {"vrf_public_key", HexEncode(info.vrf_public_key())},
               {"commitment_key", HexEncode(info.commitment_key())},
               {"protocol_version", info.protocol_version()},
               {"epoch_interval_ms", info.epoch_interval_ms()},
               {"max_epoch_age_ms", info.max_epoch_age_ms()}});
    return absl::OkStatus();
  }
  std::printf(
      "origin            %s\nnote key          %s\nVRF key           %s\n"
      "commitment key    %s\nprotocol version  %u\nepoch interval    %llu ms\n"
      "max epoch age     %llu ms\n",
      info.origin().c_str(), info.note_verifier_key().c_str(),
      HexEncode(info.vrf_public_key()).c_str(), HexEncode(info.commitment_key()).c_str(),
      info.protocol_version(), static_cast<unsigned long long>(info.epoch_interval_ms()),
      static_cast<unsigned long long>(info.max_epoch_age_ms()));
  return absl::OkStatus();
}

absl::Status Checkpoint(KeyTransparencyLog::Stub& stub) {
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  v1::GetCheckpointResponse r;
  absl::Status s =
      FromGrpcStatus(stub.GetCheckpoint(&ctx, v1::GetCheckpointRequest(), &r), "GetCheckpoint");
  if (!s.ok()) return s;
  if (JsonOutput()) {
    PrintJson({{"checkpoint", r.checkpoint()}});
    return absl::OkStatus();
  }
  std::fputs(r.checkpoint().c_str(), stdout);
  return absl::OkStatus();
}

// A Lookup of `account`, verified against the client's state (which it
// advances).
absl::StatusOr<verifier::VerifiedLookup> VerifiedLookup(KeyTransparencyLog::Stub& stub,
                                                        const std::string& account) {
  auto state = LoadState(stub);
  if (!state.ok()) return state.status();
  v1::LookupRequest req;
  req.set_account(account);
  req.set_last_verified_size(state->last.size);
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  v1::LookupResponse resp;
  absl::Status s = FromGrpcStatus(stub.Lookup(&ctx, req, &resp), "Lookup");
  if (!s.ok()) return s;
  return Accept(*state,
                verifier::VerifyLookup(*state->trust, req.account(), resp, state->last, NowMs()));
}

// Reads a file holding a secret (the write token, an account key) after the
// permission check the log server and the monitor make (core/keys).
absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  absl::Status mode =
      CheckSecretFileMode(path, absl::GetFlag(FLAGS_allow_insecure_key_permissions));
  if (!mode.ok()) return mode;
  return ReadKeyFile(path);
}

absl::StatusOr<Ed25519PrivateKey> LoadAccountKey(const std::string& path) {
  auto contents = ReadSecretFile(path);
  if (!contents.ok()) return contents.status();
  auto parsed = note::ParsePrivateKeyString(*contents, note::kKeyTypeEd25519, 32, "account key");
  if (!parsed.ok()) return parsed.status();
  return Ed25519PrivateKey::FromSeed(parsed->key);
}

absl::Status Update(KeyTransparencyLog::Stub& stub, const std::vector<std::string>& devices) {
  v1::UpdateRequest req;
  req.set_account(absl::GetFlag(FLAGS_account));
  if (req.account().empty()) return absl::InvalidArgumentError("update: --account is required");
  KeySet key_set;
  for (const std::string& spec : devices) {
    std::pair<std::string, std::string> parts = absl::StrSplit(spec, absl::MaxSplits('=', 1));
    auto key = HexDecode(parts.second, "--device key");
    if (parts.first.empty() || !key.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("update: --device must be ID=HEXKEY, got \"", spec, "\""));
    }
    key_set.devices.push_back(Device{parts.first, *key});
  }
  SortDevices(&key_set);  // the order the signature covers
  if (absl::GetFlag(FLAGS_expected_version) >= 0) {
    req.set_expected_version(static_cast<uint64_t>(absl::GetFlag(FLAGS_expected_version)));
  }
  std::string token_file = absl::GetFlag(FLAGS_token_file);
  if (token_file.empty()) return absl::InvalidArgumentError("update: --token_file is required");
  auto token = ReadSecretFile(token_file);
  if (!token.ok()) return token.status();
  if (!absl::GetFlag(FLAGS_account_key).empty()) {
    auto account_key = LoadAccountKey(absl::GetFlag(FLAGS_account_key));
    if (!account_key.ok()) return account_key.status();
    // The account key signs the key set at the version it will become, so
    // the update must be conditional on the current version: learn it from
    // a verified Lookup unless --expected_version says it. If another update
    // lands first, the server answers ABORTED and nothing is published.
    if (!req.has_expected_version()) {
      auto current = VerifiedLookup(stub, req.account());
      if (!current.ok()) return current.status();
      req.set_expected_version(current->current ? current->current->version : 0);
    }
    if (req.expected_version() == UINT64_MAX) {
      return absl::InvalidArgumentError("update: --expected_version leaves no next version");
    }
    absl::Status s = SignKeySet(*account_key, req.account(), req.expected_version() + 1, &key_set);
    if (!s.ok()) return s;  // sets key_set.account_key and its signature
  }
  FillKeySet(key_set, req.mutable_key_set());
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  ctx.AddMetadata("authorization", "Bearer " + *token);
  v1::UpdateResponse resp;
  absl::Status s = FromGrpcStatus(stub.Update(&ctx, req, &resp), "Update");
  if (!s.ok()) return s;
  if (JsonOutput()) {
    PrintJson({{"account", req.account()},
               {"version", resp.version()},
               {"epoch", resp.epoch()},
               {"log_index", resp.log_index()},
               {"tree_size", resp.tree_size()},
               {"signed", key_set.account_key.has_value()}});
    return absl::OkStatus();
  }
  std::printf("%s is now at version %llu (epoch %llu, log index %llu, checkpoint size %llu)\n",
              absl::CEscape(req.account()).c_str(), static_cast<unsigned long long>(resp.version()),
              static_cast<unsigned long long>(resp.epoch()),
              static_cast<unsigned long long>(resp.log_index()),
              static_cast<unsigned long long>(resp.tree_size()));
  return absl::OkStatus();
}

absl::Status Lookup(KeyTransparencyLog::Stub& stub) {
  const std::string account = absl::GetFlag(FLAGS_account);
  auto verified = VerifiedLookup(stub, account);
  if (!verified.ok()) return verified.status();
  if (JsonOutput()) {
    nlohmann::json j = {{"account", account},
                        {"checkpoint_size", verified->log.checkpoint.size},
                        {"epoch", verified->log.epoch.epoch}};
    if (verified->current) {
      j["version"] = verified->current->version;
      j["key_set"] = KeySetJson(verified->current->key_set);
    } else {
      j["version"] = 0;
      j["key_set"] = nullptr;
    }
    PrintJson(j);
    return absl::OkStatus();
  }
  std::printf("verified against checkpoint %llu (epoch %llu)\n",
              static_cast<unsigned long long>(verified->log.checkpoint.size),
              static_cast<unsigned long long>(verified->log.epoch.epoch));
  if (!verified->current) {
    std::printf("%s: no keys in the log (proven absent)\n", absl::CEscape(account).c_str());
    return absl::OkStatus();
  }
  std::printf("%s: version %llu, epoch %llu\n", absl::CEscape(account).c_str(),
              static_cast<unsigned long long>(verified->current->version),
              static_cast<unsigned long long>(verified->current->epoch));
  PrintKeySet(verified->current->key_set);
  return absl::OkStatus();
}

// Versions `keytrail history` holds at most: the pages it follows are
// verified only once the last one arrives, so it keeps them all until then.
constexpr size_t kMaxCliHistoryVersions = 1000000;

absl::Status History(KeyTransparencyLog::Stub& stub) {
  auto state = LoadState(stub);
  if (!state.ok()) return state.status();
  int64_t since = absl::GetFlag(FLAGS_since);
  if (since < 1) return absl::InvalidArgumentError("history: --since must be at least 1");
  const std::string account = absl::GetFlag(FLAGS_account);
  size_t pages = 0;
  bool fetch_failed = false;
  // Each answer is one page (at most max_answer_bytes); follow them all.
  verifier::HistoryPageFetcher fetch =
      [&](uint64_t since_version,
          const verifier::TrustedCheckpoint& last) -> absl::StatusOr<v1::HistoryResponse> {
    v1::HistoryRequest req;
    req.set_account(account);
    req.set_since_version(since_version);
    req.set_last_verified_size(last.size);
    grpc::ClientContext ctx;
    SetDeadline(&ctx);
    v1::HistoryResponse resp;
    absl::Status s = FromGrpcStatus(stub.History(&ctx, req, &resp), "History");
    fetch_failed = !s.ok();
    if (!s.ok()) return s;
    ++pages;
    return resp;
  };
  verifier::TrustedCheckpoint last = state->last;
  auto followed =
      verifier::FollowHistory(*state->trust, account, static_cast<uint64_t>(since), std::nullopt,
                              fetch, &last, NowMs(), kMaxCliHistoryVersions);
  // The log's own error (from a page's call) is not a failed verification.
  if (!followed.ok() && fetch_failed) return followed.status();
  auto verified = Accept(*state, std::move(followed));
  if (!verified.ok()) return verified.status();
  if (JsonOutput()) {
    nlohmann::json versions = nlohmann::json::array();
    for (const auto& v : verified->versions) {
      versions.push_back({{"version", v.version},
                          {"epoch", v.epoch},
                          {"log_index", v.log_index},
                          {"key_set", KeySetJson(v.key_set)}});
    }
    PrintJson({{"account", account},
               {"checkpoint_size", verified->log.checkpoint.size},
               {"since", since},
               {"pages", pages},
               {"versions", versions}});
    return absl::OkStatus();
  }
  std::printf("verified against checkpoint %llu; %zu versions since %lld (%zu pages)\n",
              static_cast<unsigned long long>(verified->log.checkpoint.size),
              verified->versions.size(), static_cast<long long>(since), pages);
  for (const auto& v : verified->versions) {
    std::printf(
        "version %llu (epoch %llu, log index %llu)\n", static_cast<unsigned long long>(v.version),
        static_cast<unsigned long long>(v.epoch), static_cast<unsigned long long>(v.log_index));
    PrintKeySet(v.key_set);
  }
  return absl::OkStatus();
}

absl::Status Entries(KeyTransparencyLog::Stub& stub) {
  v1::GetEntriesRequest req;
  if (absl::GetFlag(FLAGS_start) < 0 || absl::GetFlag(FLAGS_count) < 1) {
    return absl::InvalidArgumentError("entries: --start must be >= 0 and --count >= 1");
  }
  req.set_start(static_cast<uint64_t>(absl::GetFlag(FLAGS_start)));
  req.set_count(static_cast<uint64_t>(absl::GetFlag(FLAGS_count)));
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  v1::GetEntriesResponse resp;
  absl::Status s = FromGrpcStatus(stub.GetEntries(&ctx, req, &resp), "GetEntries");
  if (!s.ok()) return s;
  uint64_t index = req.start();
  nlohmann::json entries = nlohmann::json::array();
  for (const std::string& bytes : resp.entries()) {
    auto entry = DecodeEntry(bytes);
    if (!entry.ok()) return entry.status();
    if (JsonOutput()) {
      if (const auto* u = std::get_if<UpdateEntry>(&*entry)) {
        entries.push_back({{"index", index},
                           {"type", "update"},
                           {"account_index", HexEncode(HashView(u->index))},
                           {"version", u->version},
                           {"epoch", u->epoch},
                           {"commitment", HexEncode(HashView(u->commitment))}});
      } else {
        const auto& e = std::get<EpochEntry>(*entry);
        entries.push_back({{"index", index},
                           {"type", "epoch"},
                           {"epoch", e.epoch},
                           {"timestamp_ms", e.timestamp_ms},
                           {"update_count", e.update_count},
                           {"map_root", HexEncode(HashView(e.map_root))}});
      }
      ++index;
      continue;
    }
    if (const auto* u = std::get_if<UpdateEntry>(&*entry)) {
      std::printf("%llu update index=%s version=%llu epoch=%llu commitment=%s\n",
                  static_cast<unsigned long long>(index), HexEncode(HashView(u->index)).c_str(),
                  static_cast<unsigned long long>(u->version),
                  static_cast<unsigned long long>(u->epoch),
                  HexEncode(HashView(u->commitment)).c_str());
    } else {
      const auto& e = std::get<EpochEntry>(*entry);
      std::printf("%llu epoch %llu time_ms=%llu updates=%llu map_root=%s\n",
                  static_cast<unsigned long long>(index), static_cast<unsigned long long>(e.epoch),
                  static_cast<unsigned long long>(e.timestamp_ms),
                  static_cast<unsigned long long>(e.update_count),
                  HexEncode(HashView(e.map_root)).c_str());
    }
    ++index;
  }
  if (JsonOutput()) PrintJson({{"start", req.start()}, {"entries", entries}});
  return absl::OkStatus();
}

// Every --device given. absl keeps only the last occurrence of a repeated
// flag; silently dropping a user's device would publish the wrong key set.
std::vector<std::string> AllDevices(int argc, char** argv) {
  std::vector<std::string> devices;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    absl::string_view value;
    if (absl::ConsumePrefix(&arg, "--device=")) {
      value = arg;
    } else if (arg == "--device" && i + 1 < argc) {
      value = argv[++i];
    } else {
      continue;
    }
    for (absl::string_view part : absl::StrSplit(value, ',', absl::SkipEmpty())) {
      devices.emplace_back(part);
    }
  }
  return devices;
}

}  // namespace

absl::Status RunClientCommand(int argc, char** argv) {
  const std::vector<std::string> devices = AllDevices(argc, argv);
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() != 2) {
    return absl::InvalidArgumentError("expected one command; see `keytrail help`");
  }
  const std::string command = rest[1];
  auto stub = Connect();
  if (command == "info") return Info(*stub);
  if (command == "checkpoint") return Checkpoint(*stub);
  if (command == "update") return Update(*stub, devices);
  if (command == "lookup") return Lookup(*stub);
  if (command == "history") return History(*stub);
  if (command == "entries") return Entries(*stub);
  return absl::InvalidArgumentError(
      absl::StrCat("unknown command \"", command, "\"; see `keytrail help`"));
}

}  // namespace keytrail::cli
