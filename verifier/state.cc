#include "verifier/state.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/bytes/reader.h"
#include "core/crypto/ed25519.h"
#include "core/crypto/sha256.h"
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

// Format 1 was a bare VerifierState whose deterministic encoding starts with
// its format_version field: tag 0x08, value 1. Format 2 starts with 'K', so
// no single damaged byte (nor a cut) turns a format-2 blob into this prefix.
constexpr absl::string_view kFormat1Prefix("\x08\x01", 2);

absl::Status Format1(absl::string_view bytes) {
  vstate::VerifierState old;
  if (!old.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
      old.format_version() != 1) {
    return Damaged("not a saved verifier state (neither format 2 nor format 1)");
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "state: format version 1, written by an older version of this library without an "
      "integrity check, is not read by this one (it reads format ",
      kStateFormatVersion,
      "): start from a fresh state; contacts are verified again on their next answer, and "
      "contacts the user had marked verified must be compared again"));
}

// The envelope: checks the magic and the hash over everything, returns the
// format version and the message bytes.
absl::Status OpenEnvelope(absl::string_view bytes, uint32_t* version, absl::string_view* message) {
  constexpr size_t kOverhead = 4 + 4 + kHashSize;
  if (bytes.size() < kOverhead) {
    return Damaged(absl::StrCat(bytes.size(), " bytes, shorter than the ", kOverhead,
                                " of the envelope alone (cut short?)"));
  }
  ByteReader r(bytes);
  absl::string_view magic, covered = bytes.substr(0, bytes.size() - kHashSize);
  Hash stored;
  if (!r.ReadBytes(4, &magic) || !r.ReadU32(version) ||
      !r.ReadBytes(r.remaining() - kHashSize, message) || !r.ReadArray(&stored) ||
      !r.Finish("state").ok()) {
    return Damaged("envelope");  // cannot happen: the size was checked
  }
  if (magic != kStateMagic) return Damaged("not a saved verifier state (no KTVS magic)");
  // Damage detection, not a secret: a plain compare is fine.
  if (Sha256Of(covered) != stored) {
    return Damaged(absl::StrCat("integrity check failed: the ", bytes.size(),
                                " bytes were damaged or cut short"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LoadedState> DecodeState(absl::string_view bytes, const LogTrust& trust) {
  LoadedState out;
  out.state.set_format_version(kStateFormatVersion);
  out.state.set_origin(trust.origin);
  if (bytes.empty()) return out;
  if (absl::StartsWith(bytes, kFormat1Prefix)) return Format1(bytes);
  uint32_t version = 0;
  absl::string_view message;
  absl::Status opened = OpenEnvelope(bytes, &version, &message);
  if (!opened.ok()) return opened;
  // The hash matched, so these bytes are what a library wrote.
  if (version > kStateFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "state: format version ", version, " was written by a newer version of this library (",
        "this one reads format ", kStateFormatVersion, ")"));
  }
  if (version != kStateFormatVersion) {
    return Damaged(absl::StrCat("format version ", version, " in a format-2 envelope"));
  }
  if (!out.state.ParseFromArray(message.data(), static_cast<int>(message.size()))) {
    return Damaged("does not parse as a VerifierState message");
  }
  vstate::VerifierState& s = out.state;
  if (s.format_version() != version) {
    return Damaged(absl::StrCat("the message says format version ", s.format_version(),
                                ", the envelope ", version));
  }
  if (s.origin() != trust.origin) {
    return absl::FailedPreconditionError(absl::StrCat("state: belongs to the log \"", s.origin(),
                                                      "\", the policy is for \"", trust.origin,
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
    if (!own.account_key().empty() && own.account_key().size() != kEd25519PublicKeySize) {
      return Damaged(absl::StrCat("own account: account key must be 32 bytes, got ",
                                  own.account_key().size()));
    }
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
  std::string message;
  {
    google::protobuf::io::StringOutputStream stream(&message);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    state.SerializeToCodedStream(&coded);
  }
  std::string out;
  {
    ByteWriter w(&out);
    w.Bytes(kStateMagic);
    w.U32(kStateFormatVersion);
    w.Bytes(message);
  }
  const Hash hash = Sha256Of(out);
  absl::StrAppend(&out, HashView(hash));
  return out;
}

}  // namespace verifier
}  // namespace keytrail
