// Fuzzes the verifier library's saved state (verifier/verifier.h: the bytes
// SaveState returns and Create loads; verifier/state.h decodes them) for
// the fixed log's policy (fuzz/fixed_keys.h). Each input is tried twice: as
// a whole blob, and as the message inside an intact format-2 envelope (its
// hash recomputed here, independently of state.cc), so that mutations reach
// the field checks behind the integrity hash, which a mutated blob almost
// never passes. Properties, for both:
//  - loading never crashes; a blob that does not load is DataLoss (damaged)
//    or FailedPrecondition, and FailedPrecondition only for a format-1 blob
//    (starting 08 01) or an intact envelope (a newer format, another log);
//  - what loads is empty or an intact format-2 envelope, and one byte of it
//    flipped (position and mask chosen by the bytes), or the blob cut short,
//    is DataLoss;
//  - what Create loads, DecodeState loads too, and what DecodeState refuses,
//    Create refuses with the same code (checked on one refused input in 16);
//  - what loads saves to bytes that load to the same state (the same
//    known fields: SaveState keeps no unknown top-level fields), with the
//    same stored checkpoint and contacts, and saving that again gives the
//    same bytes.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "core/bytes/reader.h"
#include "core/crypto/sha256.h"
#include "fuzz/fixed_keys.h"
#include "fuzz/fuzz_check.h"
#include "google/protobuf/util/message_differencer.h"
#include "verifier/state.h"
#include "verifier/verifier.h"

using namespace keytrail;

namespace {

bool CleanRefusal(const absl::Status& status) {
  return status.code() == absl::StatusCode::kDataLoss ||
         status.code() == absl::StatusCode::kFailedPrecondition;
}

vstate::VerifierState KnownFields(vstate::VerifierState state) {
  state.DiscardUnknownFields();
  return state;
}

constexpr size_t kEnvelopeOverhead = 4 + 4 + kHashSize;

// "KTVS" || u32 2 || message || SHA-256 of all before.
std::string Envelope(absl::string_view message) {
  std::string out;
  {
    ByteWriter w(&out);
    w.Bytes("KTVS");
    w.U32(2);
    w.Bytes(message);
  }
  const Hash h = Sha256Of(out);
  out.append(reinterpret_cast<const char*>(h.data()), h.size());
  return out;
}

// The magic and a trailing hash that matches (any version).
bool IntactEnvelope(absl::string_view blob) {
  if (blob.size() < kEnvelopeOverhead || !absl::StartsWith(blob, "KTVS")) return false;
  const absl::string_view covered = blob.substr(0, blob.size() - kHashSize);
  return HashView(Sha256Of(covered)) == blob.substr(covered.size());
}

void CheckBlob(absl::string_view in);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view in(reinterpret_cast<const char*>(data), size);
  CheckBlob(in);
  // The message a (mutated) blob carries, or the input itself.
  absl::string_view message = in;
  if (in.size() >= kEnvelopeOverhead && absl::StartsWith(in, "KTVS")) {
    message = in.substr(8, in.size() - kEnvelopeOverhead);
  }
  CheckBlob(Envelope(message));
  return 0;
}

namespace {

void CheckBlob(absl::string_view in) {
  static const verifier::Policy policy = fuzz::FixedPolicy();
  static const verifier::LogTrust trust = verifier::TrustFromPolicy(policy).value();
  const size_t choice = std::hash<std::string_view>{}(std::string_view(in.data(), in.size()));

  absl::StatusOr<verifier::LoadedState> decoded = verifier::DecodeState(in, trust);
  if (!decoded.ok()) {
    FUZZ_CHECK(CleanRefusal(decoded.status()));
    if (decoded.status().code() == absl::StatusCode::kFailedPrecondition) {
      FUZZ_CHECK(absl::StartsWith(in, absl::string_view("\x08\x01", 2)) || IntactEnvelope(in));
    }
    // Create decodes with DecodeState after parsing the policy, which is
    // most of its cost (each key is checked to be a valid curve point), so
    // for the many inputs DecodeState refuses, Create runs on one in 16
    // (chosen by the bytes, so a run is reproducible): it must refuse with
    // the same code.
    if (choice % 16 == 0) {
      absl::StatusOr<std::unique_ptr<verifier::Verifier>> refused =
          verifier::Verifier::Create(policy, in);
      FUZZ_CHECK(!refused.ok() && refused.status().code() == decoded.status().code());
    }
    return;
  }
  // Only an intact format-2 envelope loads, and any damage to it is found.
  if (!in.empty()) {
    FUZZ_CHECK(IntactEnvelope(in));
    FUZZ_CHECK(in.substr(4, 4) == absl::string_view("\0\0\0\x02", 4));
    std::string flipped(in);
    flipped[choice % in.size()] ^= static_cast<char>(1 + (choice >> 16) % 255);
    FUZZ_CHECK(verifier::DecodeState(flipped, trust).status().code() ==
               absl::StatusCode::kDataLoss);
    const size_t cut = 1 + (choice >> 8) % in.size();  // 1..size
    if (cut < in.size()) {
      FUZZ_CHECK(verifier::DecodeState(in.substr(0, cut), trust).status().code() ==
                 absl::StatusCode::kDataLoss);
    }
  }
  absl::StatusOr<std::unique_ptr<verifier::Verifier>> loaded =
      verifier::Verifier::Create(policy, in);
  if (!loaded.ok()) {
    // DecodeState loaded it; Create may still find the stored checkpoint
    // damaged (it opens it once more), and must say so the same way.
    FUZZ_CHECK(CleanRefusal(loaded.status()));
    return;
  }
  const verifier::Verifier& v = **loaded;
  FUZZ_CHECK(v.last_verified_size() == decoded->checkpoint.size);

  const std::string saved = v.SaveState();
  absl::StatusOr<verifier::LoadedState> decoded_saved = verifier::DecodeState(saved, trust);
  FUZZ_CHECK(decoded_saved.ok());
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(KnownFields(decoded->state),
                                                                KnownFields(decoded_saved->state)));
  FUZZ_CHECK(decoded_saved->checkpoint.size == decoded->checkpoint.size);
  FUZZ_CHECK(decoded_saved->checkpoint.root == decoded->checkpoint.root);

  absl::StatusOr<std::unique_ptr<verifier::Verifier>> reloaded =
      verifier::Verifier::Create(policy, saved);
  FUZZ_CHECK(reloaded.ok());
  FUZZ_CHECK((*reloaded)->SaveState() == saved);
  FUZZ_CHECK((*reloaded)->last_verified_size() == v.last_verified_size());
  for (const vstate::Contact& c : decoded->state.contacts()) {
    auto before = v.Contact(c.account());
    auto after = (*reloaded)->Contact(c.account());
    FUZZ_CHECK(before.has_value() && after.has_value());
    FUZZ_CHECK(before->version == after->version);
    FUZZ_CHECK(before->key_set_bytes == after->key_set_bytes);
    FUZZ_CHECK(before->verified == after->verified);
  }
}

}  // namespace
