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

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/crypto/ecvrf.h"
#include "core/keys/keys.h"
#include "core/map/proof.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "core/protocol/entry.h"
#include "core/protocol/key_set.h"
#include "fuzz/fixed_keys.h"
#include "verifier/history.h"
#include "verifier/lookup.h"

namespace keytrail {
namespace fuzz {
namespace {

std::string g_dir;

void Write(const std::string& target, const std::string& name,
           const std::string& bytes) {
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
    std::fprintf(stderr, "make_seeds: seed for %s does not verify: %s\n",
                 std::string(what).c_str(), status.ToString().c_str());
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

void Main() {
  const fakes::FakeLog& log = Log();

  // bytes_reader: op count, ops, data.
  Write("bytes_reader_fuzzer", "all_ops", std::string("\x0a\x00\x01\x02\x03\x2e\x05\x06\x07\x08\x09", 11) +
                                              std::string(40, '\x01'));
  Write("bytes_reader_fuzzer", "prefixed", std::string("\x03\x05\x06\x07\x02" "ab\x00\x01z\x00\x00\x00\x00", 14));

  // entry: every entry of the log.
  for (uint64_t i = 0; i < log.size(); ++i) Write("entry_fuzzer", absl::StrCat("entry_", i), log.Entry(i));

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
  const std::vector<std::string> keys = {
      LogSigner().VerifierKey(),   LogSigner().PrivateKeyString(),
      MonitorSigner().VerifierKey(), MonitorSigner().PrivateKeyString(),
      vrf_public,                  vrf_private};
  for (size_t i = 0; i < keys.size(); ++i) {
    Write("key_string_fuzzer", absl::StrCat("key_", i), absl::StrCat(std::string(1, static_cast<char>(i)), keys[i]));
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
