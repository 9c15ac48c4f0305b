// Writes the seed corpora of the fuzz targets: valid inputs of every kind,
// made with the fixed keys (fuzz/fixed_keys.h), so fuzzing starts from
// inputs that pass every check and mutates from there.
//
//   bazel run //fuzz:make_seeds -- $PWD/fuzz/corpus
//
// Writes <dir>/<target>/<seed name>, replacing files of the same name. The
// commitments' openings are random, so the lookup and history seeds differ
// from run to run; all of them verify.
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/crypto/ecvrf.h"
#include "core/evidence/evidence.h"
#include "core/keys/keys.h"
#include "core/map/memory_map.h"
#include "core/map/proof.h"
#include "core/merkle/hash_list.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "core/protocol/entry.h"
#include "core/protocol/key_set.h"
#include "core/witness/add_checkpoint.h"
#include "fuzz/add_checkpoint_check.h"
#include "fuzz/fixed_keys.h"
#include "monitor/config.h"
#include "testing/verifier_scenario.h"
#include "verifier/history.h"
#include "verifier/lookup.h"
#include "verifier/verifier.h"

namespace keytrail {
namespace fuzz {
namespace {

std::string g_dir;

void Write(const std::string& target, const std::string& name, const std::string& bytes) {
  const std::string dir = absl::StrCat(g_dir, "/", target);
  ::mkdir(dir.c_str(), 0755);
  std::ofstream out(absl::StrCat(dir, "/", name), std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) {
    std::fprintf(stderr, "make_seeds: cannot write %s/%s\n", dir.c_str(), name.c_str());
    std::exit(1);
  }
}

void Check(const absl::Status& status, absl::string_view what) {
  if (!status.ok()) {
    std::fprintf(stderr, "make_seeds: seed for %s does not verify: %s\n", std::string(what).c_str(),
                 status.ToString().c_str());
    std::exit(1);
  }
}

std::string U16(size_t n) {
  return std::string{static_cast<char>(n >> 8), static_cast<char>(n & 0xff)};
}

std::string U64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) s[i] = static_cast<char>(v & 0xff);
  return s;
}

std::string HashBytes(const Hash& h) { return std::string(h.begin(), h.end()); }

std::vector<Hash> Hashes(const std::string& encoded) {
  return merkle::DecodeHashList(encoded, 65, "seed proof").value();
}

// ---- add_checkpoint_fuzzer: request bodies from the fixed log's proofs ----

void AddCheckpointSeeds() {
  const fakes::FakeLog& log = Log();
  const uint64_t n = log.size();
  const std::pair<uint64_t, uint64_t> sizes[] = {{0, 1}, {0, n}, {1, n}, {3, 6}, {4, n}, {n, n}};
  for (const auto& [old_size, size] : sizes) {
    std::vector<Hash> proof;
    if (old_size != 0 && old_size != size) proof = Hashes(log.ConsistencyProof(old_size, size));
    const std::string body =
        witness::FormatAddCheckpointRequest(old_size, proof, log.SignedCheckpointAt(size));
    auto parsed = witness::ParseAddCheckpointRequest(body);
    Check(parsed.status(), "add_checkpoint parse");
    Check(CheckAgainstFixedLog(*parsed), "add_checkpoint");
    Write("add_checkpoint_fuzzer", absl::StrCat("old_", old_size, "_size_", size), body);
  }
}

// ---- monitor_config_fuzzer: form byte (0 text, 1 binary) || config ----

void MonitorConfigSeeds() {
  const note::Ed25519NoteSigner second =
      note::Ed25519NoteSigner::Create("example.org/second-log",
                                      Ed25519PrivateKey::FromSeed(std::string(32, 6)).value())
          .value();
  const std::string log_block =
      absl::StrCat("logs {\n  origin: \"", LogSigner().name(), "\"\n  note_verifier_key: \"",
                   LogSigner().VerifierKey(), "\"\n  grpc_address: \"localhost:8090\"\n}\n");
  const std::string minimal = absl::StrCat("data_dir: \"/var/lib/keytrail-monitor\"\n", log_block);
  const std::string full = absl::StrCat(
      "# every field\n"
      "data_dir: \"/var/lib/keytrail-monitor\"\n"
      "cosigner_key_file: \"/etc/keytrail/cosigner.key\"\n"
      "grpc_listen: \"localhost:8091\"\n"
      "http_listen: \"[::1]:8092\"\n"
      "logs {\n  origin: \"",
      LogSigner().name(), "\"\n  note_verifier_key: \"", LogSigner().VerifierKey(),
      "\"\n  grpc_address: \"log.example.org:443\"\n  tls_ca_file: \"/etc/keytrail/ca.pem\"\n"
      "  max_epoch_age_ms: 60000\n  poll_interval_ms: 250\n}\n"
      "logs < origin: '",
      second.name(), "' note_verifier_key: '", second.VerifierKey(),
      "' grpc_address: 'localhost:9090' >\n"
      "peers {\n  name: \"peer-monitor\"\n  cosigner_key: \"",
      MonitorSigner().VerifierKey(), "\"\n  url: \"http://localhost:9092\"\n}\n");
  // A log followed from its tiles alone (no grpc_address).
  const std::string tiles =
      absl::StrCat("data_dir: \"/var/lib/keytrail-monitor\"\nlogs {\n  origin: \"",
                   LogSigner().name(), "\"\n  note_verifier_key: \"", LogSigner().VerifierKey(),
                   "\"\n  tiles_url: \"https://tiles.example.org/log/\"\n}\n");
  const std::pair<const char*, std::string> texts[] = {
      {"minimal", minimal}, {"full", full}, {"tiles", tiles}};
  for (const auto& [name, text] : texts) {
    auto config = monitor::ParseMonitorConfig(text);
    Check(config.status(), absl::StrCat("monitor config ", name));
    Write("monitor_config_fuzzer", name, absl::StrCat(std::string(1, '\0'), text));
    Write("monitor_config_fuzzer", absl::StrCat(name, "_binary"),
          absl::StrCat(std::string(1, '\1'), config->SerializeAsString()));
  }
}

// ---- evidence_fuzzer: evidence of the fixed log's forks' misbehaviour ----

evidence::ProvenEntry Proven(const fakes::FakeLog& log, uint64_t index) {
  return evidence::ProvenEntry{index, log.Entry(index),
                               Hashes(log.InclusionProof(index, log.size()))};
}

// Broken-rule evidence: `log`'s latest checkpoint and its entries
// first..last, each with its inclusion proof.
evidence::Evidence RuleEvidence(const fakes::FakeLog& log, evidence::Rule rule, uint64_t first,
                                uint64_t last) {
  evidence::Evidence e;
  e.kind = evidence::EvidenceKind::kBrokenRule;
  e.log_key = LogSigner().VerifierKey();
  e.rule = rule;
  e.checkpoint = log.SignedCheckpoint();
  for (uint64_t i = first; i <= last; ++i) e.entries.push_back(Proven(log, i));
  return e;
}

// The leaves of `accounts` in `before` (the map of the previous epoch),
// each with its proof, sorted by index.
std::vector<evidence::MapWitness> Witnesses(const fakes::FakeLog& log, const map::MemoryMap& before,
                                            const std::vector<const char*>& accounts) {
  std::vector<Hash> indexes;
  for (const char* a : accounts) indexes.push_back(log.Index(a));
  std::sort(indexes.begin(), indexes.end());
  std::vector<evidence::MapWitness> out;
  for (const Hash& index : indexes) {
    evidence::MapWitness w;
    w.prior = before.Get(index).value_or(map::MapLeaf{index, 0, Hash{}});
    w.proof = before.Prove(index);
    out.push_back(w);
  }
  return out;
}

void WriteEvidence(const std::string& name, const evidence::Evidence& e) {
  const std::string bytes = evidence::EncodeEvidence(e);
  auto decoded = evidence::DecodeEvidence(bytes);
  Check(decoded.status(), absl::StrCat("evidence ", name, " decode"));
  Check(evidence::VerifyEvidence(*decoded).status(), absl::StrCat("evidence ", name));
  Write("evidence_fuzzer", name, bytes);
}

void EvidenceSeeds() {
  const uint64_t t = Log().timestamp_ms();
  // Split view at one size: two forks close different epochs.
  fakes::FakeLog a = Log().Fork();
  fakes::FakeLog b = Log().Fork();
  a.Update("dave", fakes::PlainKeySet({"phone"}));
  a.CloseEpoch(t + 1000);
  b.Update("erin", fakes::PlainKeySet({"phone"}));
  b.CloseEpoch(t + 1000);
  evidence::Evidence split;
  split.kind = evidence::EvidenceKind::kSplitView;
  split.log_key = LogSigner().VerifierKey();
  split.checkpoint_a = a.SignedCheckpoint();
  split.checkpoint_b = b.SignedCheckpoint();
  WriteEvidence("split_view_same_size", split);
  // Split view across sizes: b grows on; its tree at a's size is not a's.
  b.Update("frank", fakes::PlainKeySet({"laptop"}));
  b.CloseEpoch(t + 2000);
  split.checkpoint_b = b.SignedCheckpoint();
  split.root_a_in_b = b.CheckpointAt(a.size()).root;
  split.consistency_proof = Hashes(b.ConsistencyProof(a.size(), b.size()));
  WriteEvidence("split_view_growth", split);

  // An epoch entry that miscounts its updates.
  {
    fakes::FakeLog f = Log().Fork();
    const uint64_t prev = f.EpochEntryIndex(f.epoch());
    f.Update("dave", fakes::PlainKeySet({"phone"}));
    fakes::EpochOptions wrong;
    wrong.update_count = 2;
    f.CloseEpoch(t + 1000, wrong);
    WriteEvidence("epoch_wrong_count",
                  RuleEvidence(f, evidence::Rule::kEpochWrongCount, prev, f.size() - 1));
  }
  // An epoch entry whose map root is not the replayed one.
  {
    fakes::FakeLog f = Log().Fork();
    const uint64_t prev = f.EpochEntryIndex(f.epoch());
    const map::MemoryMap before = f.Map();
    f.Update("alice", fakes::PlainKeySet({"evil"}));
    f.Update("dave", fakes::PlainKeySet({"phone"}));
    fakes::EpochOptions wrong;
    wrong.map_root = Hash{};
    f.CloseEpoch(t + 1000, wrong);
    evidence::Evidence e = RuleEvidence(f, evidence::Rule::kMapRootMismatch, prev, f.size() - 1);
    e.witnesses = Witnesses(f, before, {"alice", "dave"});
    WriteEvidence("map_root_mismatch", e);
  }
  // An entry that does not decode.
  {
    fakes::FakeLog f = Log().Fork();
    const uint64_t garbage = f.size();
    f.AppendRawEntry(std::string("\x01\x07garbage", 9));
    f.CloseEpoch(t + 1000);
    WriteEvidence("entry_encoding",
                  RuleEvidence(f, evidence::Rule::kEntryEncoding, garbage, garbage));
  }
  // Time going back from one epoch to the next.
  {
    fakes::FakeLog f = Log().Fork();
    const uint64_t prev = f.EpochEntryIndex(f.epoch());
    f.CloseEpoch(t - 500);
    WriteEvidence("timestamp_backwards",
                  RuleEvidence(f, evidence::Rule::kTimestampBackwards, prev, f.size() - 1));
  }
  // An epoch stamped far ahead of the finder's clock.
  {
    const uint64_t last = Log().EpochEntryIndex(Log().epoch());
    evidence::Evidence e = RuleEvidence(Log(), evidence::Rule::kTimestampInFuture, last, last);
    e.observed_ms = t - evidence::kFutureToleranceMs - 1;
    WriteEvidence("timestamp_in_future", e);
  }
}

// ---- verifier_state_fuzzer: SaveState at several stages of an app ----

void CheckResult(const verifier::Result& r, absl::string_view what) {
  Check(r.status, what);
  if (!r.alerts.empty()) Check(absl::InternalError("unexpected alert"), what);
}

verifier::Result Lookup(verifier::Verifier& v, const std::string& account, uint64_t now) {
  v1::LookupRequest req;
  if (!req.ParseFromString(v.LookupRequest(account))) std::abort();
  return v.HandleLookup(account,
                        Log().Lookup(account, req.last_verified_size()).SerializeAsString(), now);
}

verifier::Result History(verifier::Verifier& v, const std::string& account, uint64_t now) {
  v1::HistoryRequest req;
  if (!req.ParseFromString(v.HistoryRequest(account))) std::abort();
  return v.HandleHistory(
      account,
      Log().History(account, req.since_version(), req.last_verified_size()).SerializeAsString(),
      now);
}

void VerifierStateSeeds() {
  const uint64_t now = Log().timestamp_ms() + 1000;
  auto v = verifier::Verifier::Create(FixedPolicy(), "");
  Check(v.status(), "verifier");
  Write("verifier_state_fuzzer", "fresh", (*v)->SaveState());
  Check((*v)->SetOwnAccount("alice"), "own account");
  Check((*v)->EnrollDevice("laptop", "key of laptop"), "enroll");
  Check((*v)->EnrollDevice("phone", "key of phone"), "enroll");
  Write("verifier_state_fuzzer", "own_account", (*v)->SaveState());
  CheckResult(History(**v, "alice", now), "history alice");
  Write("verifier_state_fuzzer", "own_verified", (*v)->SaveState());
  for (const char* contact : {"bob", "carol", "dave"}) {
    CheckResult(Lookup(**v, contact, now), contact);
  }
  auto code = (*v)->ContactCode("bob");
  Check(code.status(), "contact code");
  Check((*v)->MarkVerified("bob", *code), "mark verified");
  const std::string saved = (*v)->SaveState();
  Check(verifier::Verifier::Create(FixedPolicy(), saved).status(), "state reload");
  Write("verifier_state_fuzzer", "contacts", saved);
}

void Main() {
  const fakes::FakeLog& log = Log();

  // bytes_reader: op count, ops, data.
  Write("bytes_reader_fuzzer", "all_ops",
        std::string("\x0a\x00\x01\x02\x03\x2e\x05\x06\x07\x08\x09", 11) + std::string(40, '\x01'));
  Write("bytes_reader_fuzzer", "prefixed",
        std::string("\x03\x05\x06\x07\x02"
                    "ab\x00\x01z\x00\x00\x00\x00",
                    14));

  // entry: every entry of the log.
  for (uint64_t i = 0; i < log.size(); ++i)
    Write("entry_fuzzer", absl::StrCat("entry_", i), log.Entry(i));

  // key_set: plain, signed (for alice), empty.
  const Ed25519PrivateKey alice_key = Ed25519PrivateKey::FromSeed(std::string(32, 5)).value();
  Write("key_set_fuzzer", "plain", EncodeKeySet(fakes::PlainKeySet({"laptop", "phone"})).value());
  const KeySet signed_set = fakes::SignedKeySet(alice_key, "alice", 1, {"a", "b", "c"});
  Check(VerifyKeySetSignature("alice", 1, signed_set), "key_set signed");
  Write("key_set_fuzzer", "signed", EncodeKeySet(signed_set).value());
  Write("key_set_fuzzer", "empty", EncodeKeySet(KeySet{}).value());

  // map_proof: index || version || head || proof, membership and absence.
  for (const char* account : {"alice", "bob", "carol", "dave", "erin", "frank"}) {
    const v1::LookupResponse r = log.Lookup(account);
    const uint64_t version = log.CurrentVersion(account);
    Write("map_proof_fuzzer", account,
          absl::StrCat(HashBytes(log.Index(account)), U64(version),
                       HashBytes(log.Head(account, version)), r.map_proof()));
  }

  // note and checkpoint.
  const std::string signed_checkpoint = log.SignedCheckpoint();
  Write("note_fuzzer", "checkpoint", signed_checkpoint);
  Write("note_fuzzer", "text", log.SignText("hello\n\nworld\n"));
  const note::Note parsed = note::ParseNote(signed_checkpoint).value();
  Write("checkpoint_fuzzer", "checkpoint", parsed.text);
  note::Checkpoint with_extension = note::ParseCheckpoint(parsed.text).value();
  with_extension.extensions.push_back("extension line");
  Write("checkpoint_fuzzer", "extension", note::FormatCheckpoint(with_extension));

  // cosignature: u16 text length || text || signature bytes.
  Write("cosignature_fuzzer", "cosignature",
        absl::StrCat(U16(parsed.text.size()), parsed.text,
                     MonitorSigner().Sign(parsed.text, 1700000003)));

  // key strings: parser selector byte || key string; key files.
  const std::string vrf_private = FormatVrfPrivateKeyString("example.org/fuzz-log", LogVrf());
  const std::string vrf_public =
      FormatVrfPublicKeyString("example.org/fuzz-log", LogVrf().public_key());
  const std::vector<std::string> keys = {LogSigner().VerifierKey(),
                                         LogSigner().PrivateKeyString(),
                                         MonitorSigner().VerifierKey(),
                                         MonitorSigner().PrivateKeyString(),
                                         vrf_public,
                                         vrf_private};
  for (size_t i = 0; i < keys.size(); ++i) {
    Write("key_string_fuzzer", absl::StrCat("key_", i),
          absl::StrCat(std::string(1, static_cast<char>(i)), keys[i]));
    Write("key_file_fuzzer", absl::StrCat("key_", i), absl::StrCat(keys[i], "\n"));
  }

  // lookup and history: account selector byte || serialized response. Each
  // must verify as the targets check it, or fuzzing would never get past
  // the first failing check.
  const uint64_t now = fakes::FakeLog::kGenesisTimeMs + 10000;
  const char* const accounts[] = {"alice", "bob", "carol", "dave"};
  for (int a = 0; a < 4; ++a) {
    const v1::LookupResponse lookup = log.Lookup(accounts[a]);
    Check(verifier::VerifyLookup(Trust(), accounts[a], lookup, {}, now).status(), accounts[a]);
    Write("lookup_fuzzer", accounts[a],
          absl::StrCat(std::string(1, static_cast<char>(a)), lookup.SerializeAsString()));
    const uint64_t current = log.CurrentVersion(accounts[a]);
    for (uint64_t since = 1; since <= current + 1 && since <= 3; ++since) {
      const char selector = static_cast<char>(a | ((since - 1) << 2));
      const v1::HistoryResponse history = log.History(accounts[a], since);
      Check(verifier::VerifyHistory(Trust(), accounts[a], since, std::nullopt, history, {}, now)
                .status(),
            accounts[a]);
      Write("history_fuzzer", absl::StrCat(accounts[a], "_since_", since),
            absl::StrCat(std::string(1, selector), history.SerializeAsString()));
    }
  }

  // batch lookups: count byte || selector byte || BatchLookupResponse, for
  // a fresh verifier (last_verified_size 0). Each must verify in full.
  const std::vector<std::vector<int>> batches = {{0}, {0, 1}, {1, 3, 2}, {0, 1, 2, 3}, {2, 2}};
  for (const std::vector<int>& picks : batches) {
    v1::BatchLookupRequest request;
    std::vector<std::string> names;
    int selector = 0;
    std::string name = "batch";
    for (size_t i = 0; i < picks.size(); ++i) {
      names.push_back(accounts[picks[i]]);
      request.add_accounts(accounts[picks[i]]);
      selector |= picks[i] << (2 * i);
      absl::StrAppend(&name, "_", accounts[picks[i]]);
    }
    const std::string answer = verifier::BatchLookupAnswer(log, request.SerializeAsString());
    auto v = verifier::Verifier::Create(FixedPolicy(), "");
    Check(v.status(), "batch verifier");
    const verifier::BatchResult b = (*v)->HandleBatchLookup(names, answer, now);
    Check(b.status, name);
    for (const verifier::Result& r : b.results) Check(r.status, name);
    Write("batch_lookup_fuzzer", name,
          absl::StrCat(std::string(1, static_cast<char>(picks.size() - 1)),
                       std::string(1, static_cast<char>(selector)), answer));
  }

  AddCheckpointSeeds();
  MonitorConfigSeeds();
  EvidenceSeeds();
  VerifierStateSeeds();
}

}  // namespace
}  // namespace fuzz
}  // namespace keytrail

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds <corpus directory>\n");
    return 2;
  }
  keytrail::fuzz::g_dir = argv[1];
  ::mkdir(argv[1], 0755);
  keytrail::fuzz::Main();
  return 0;
}
