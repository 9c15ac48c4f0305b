// Fuzzes the verifier library's saved state (verifier/verifier.h: the bytes
// SaveState returns and Create loads; verifier/state.h decodes them) for
// the fixed log's policy (fuzz/fixed_keys.h). Properties:
//  - loading never crashes; a blob that does not load is DataLoss (damaged)
//    or FailedPrecondition (another format version or another log), never
//    another code;
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
#include "absl/strings/string_view.h"
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view in(reinterpret_cast<const char*>(data), size);
  static const verifier::Policy policy = fuzz::FixedPolicy();
  static const verifier::LogTrust trust = verifier::TrustFromPolicy(policy).value();

  absl::StatusOr<verifier::LoadedState> decoded = verifier::DecodeState(in, trust);
  if (!decoded.ok()) {
    FUZZ_CHECK(CleanRefusal(decoded.status()));
    // Create decodes with DecodeState after parsing the policy, which is
    // most of its cost (each key is checked to be a valid curve point), so
    // for the many inputs DecodeState refuses, Create runs on one in 16
    // (chosen by the bytes, so a run is reproducible): it must refuse with
    // the same code.
    if (std::hash<std::string_view>{}(std::string_view(in.data(), in.size())) % 16 == 0) {
      absl::StatusOr<std::unique_ptr<verifier::Verifier>> refused =
          verifier::Verifier::Create(policy, in);
      FUZZ_CHECK(!refused.ok() && refused.status().code() == decoded.status().code());
    }
    return 0;
  }
  absl::StatusOr<std::unique_ptr<verifier::Verifier>> loaded =
      verifier::Verifier::Create(policy, in);
  if (!loaded.ok()) {
    // DecodeState loaded it; Create may still find the stored checkpoint
    // damaged (it opens it once more), and must say so the same way.
    FUZZ_CHECK(CleanRefusal(loaded.status()));
    return 0;
  }
  const verifier::Verifier& v = **loaded;
  FUZZ_CHECK(v.last_verified_size() == decoded->checkpoint.size);

  const std::string saved = v.SaveState();
  absl::StatusOr<verifier::LoadedState> decoded_saved = verifier::DecodeState(saved, trust);
  FUZZ_CHECK(decoded_saved.ok());
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(
      KnownFields(decoded->state), KnownFields(decoded_saved->state)));
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
  return 0;
}
