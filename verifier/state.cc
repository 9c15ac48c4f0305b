#include "verifier/state.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "core/protocol/chain.h"
#include "core/protocol/key_set.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace keytrail {
namespace verifier {
namespace {

absl::Status Damaged(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("state: ", what));
}

// A stored version and head: the head is 32 bytes, and version 0 is the
// genesis head with no key set.
absl::Status CheckVersion(absl::string_view who, uint64_t version, const std::string& head,
                          const std::string& key_set) {
  if (head.size() != kHashSize) {
    return Damaged(absl::StrCat(who, ": head must be 32 bytes, got ", head.size()));
  }
  if (version == 0) {
    if (head != std::string(HashView(GenesisHead()))) {
      return Damaged(absl::StrCat(who, ": version 0 must have the genesis head"));
    }
    if (!key_set.empty()) return Damaged(absl::StrCat(who, ": version 0 with a key set"));
    return absl::OkStatus();
  }
  auto decoded = DecodeKeySet(key_set);
  if (!decoded.ok()) {
    return Damaged(absl::StrCat(who, ": ", decoded.status().message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<TrustedCheckpoint> CheckCheckpoint(const std::string& message,
                                                  const LogTrust& trust) {
  if (message.empty()) return TrustedCheckpoint{};
  const note::NoteVerifier* keys[] = {&trust.log_key};
  auto opened = note::OpenNote(message, keys);
  if (!opened.ok()) return Damaged(absl::StrCat("checkpoint_note: ", opened.status().message()));
  auto cp = note::ParseCheckpoint(opened->text);
  if (!cp.ok()) return Damaged(absl::StrCat("checkpoint_note: ", cp.status().message()));
  if (cp->origin != trust.origin || cp->size == 0) {
    return Damaged("checkpoint_note: not a checkpoint of this log");
  }
  return TrustedCheckpoint{cp->size, cp->root};
}

}  // namespace

absl::StatusOr<LoadedState> DecodeState(absl::string_view bytes, const LogTrust& trust) {
  LoadedState out;
  out.state.set_format_version(kStateFormatVersion);
  out.state.set_origin(trust.origin);
  if (bytes.empty()) return out;
  if (!out.state.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Damaged("does not parse as a VerifierState message");
  }
  vstate::VerifierState& s = out.state;
  if (s.format_version() != kStateFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "state: format version ", s.format_version(), " is not supported (this library reads ",
        kStateFormatVersion, ")"));
  }
  if (s.origin() != trust.origin) {
    return absl::FailedPreconditionError(absl::StrCat(
        "state: belongs to the log \"", s.origin(), "\", the policy is for \"", trust.origin,
        "\""));
  }
  auto cp = CheckCheckpoint(s.checkpoint_note(), trust);
  if (!cp.ok()) return cp.status();
  out.checkpoint = *cp;

  if (s.has_own()) {
    const vstate::OwnAccount& own = s.own();
    if (own.account().empty()) return Damaged("own account: empty account id");
    absl::Status st = CheckVersion("own account", own.version(), own.head(), own.key_set());
    if (!st.ok()) return st;
    for (int i = 0; i < own.enrolled_size(); ++i) {
      if (own.enrolled(i).device_id().empty() || own.enrolled(i).device_key().empty()) {
        return Damaged(absl::StrCat("own account: enrolled device ", i, " is empty"));
      }
    }
  }
  for (int i = 0; i < s.contacts_size(); ++i) {
    const vstate::Contact& c = s.contacts(i);
    const std::string who = absl::StrCat("contact ", i);
    if (c.account().empty()) return Damaged(absl::StrCat(who, ": empty account id"));
    if (i > 0 && !(s.contacts(i - 1).account() < c.account())) {
      return Damaged(absl::StrCat(who, ": contacts not sorted or repeated"));
    }
    absl::Status st = CheckVersion(who, c.version(), c.head(), c.key_set());
    if (!st.ok()) return st;
    if (c.verified() && c.code().empty()) {
      return Damaged(absl::StrCat(who, ": verified without a code"));
    }
  }
  return out;
}

std::string EncodeState(vstate::VerifierState state) {
  state.set_format_version(kStateFormatVersion);
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    state.SerializeToCodedStream(&coded);
  }
  return out;
}

}  // namespace verifier
}  // namespace keytrail
