#include "core/note/note.h"

#include <map>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "core/bytes/encoding.h"
#include "core/bytes/reader.h"
#include "core/note/text.h"

namespace keytrail {
namespace note {
namespace {

constexpr absl::string_view kSigPrefix = "\xe2\x80\x94 ";  // U+2014, space

std::string KeyId(absl::string_view name, uint32_t hash) {
  return absl::StrFormat("%s+%08x", name, hash);
}

absl::Status LineError(size_t line, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat("note: signature line ", line, ": ", reason));
}

// Parses one signature line without its final newline.
absl::StatusOr<NoteSignature> ParseSignatureLine(absl::string_view line, size_t number) {
  if (!absl::ConsumePrefix(&line, kSigPrefix)) {
    return LineError(number, "does not start with an em dash and a space");
  }
  const size_t space = line.find(' ');
  if (space == absl::string_view::npos) {
    return LineError(number, "no space between key name and signature");
  }
  absl::string_view name = line.substr(0, space);
  absl::string_view b64 = line.substr(space + 1);
  if (!IsValidKeyName(name)) return LineError(number, "invalid key name");
  auto raw = Base64Decode(b64, "signature");
  if (!raw.ok()) return LineError(number, raw.status().message());
  NoteSignature sig;
  sig.name = std::string(name);
  ByteReader r(*raw);
  absl::string_view rest;
  if (!r.ReadU32(&sig.key_hash) || r.empty() || !r.ReadBytes(r.remaining(), &rest)) {
    return LineError(number, "signature shorter than 5 bytes");
  }
  sig.signature = std::string(rest);
  return sig;
}

void AppendSignatureLine(absl::string_view name, uint32_t hash, absl::string_view sig,
                         std::string* out) {
  std::string raw;
  ByteWriter w(&raw);
  w.U32(hash);
  w.Bytes(sig);
  absl::StrAppend(out, kSigPrefix, name, " ", Base64Encode(raw), "\n");
}

}  // namespace

absl::StatusOr<Note> ParseNote(absl::string_view message) {
  absl::Status chars = CheckNoteCharacters(message, "note");
  if (!chars.ok()) return chars;
  const size_t split = message.rfind("\n\n");
  if (split == absl::string_view::npos) {
    return absl::InvalidArgumentError("note: no blank line between text and signatures");
  }
  Note note;
  note.text = std::string(message.substr(0, split + 1));
  absl::string_view block = message.substr(split + 2);
  if (block.empty()) {
    return absl::InvalidArgumentError("note: no signature lines");
  }
  if (block.back() != '\n') {
    return absl::InvalidArgumentError("note: last signature line does not end in a newline");
  }
  for (size_t number = 1; !block.empty(); ++number) {
    if (number > kMaxNoteSignatures) {
      return absl::InvalidArgumentError(
          absl::StrCat("note: more than ", kMaxNoteSignatures, " signatures"));
    }
    const size_t eol = block.find('\n');  // found: the block ends in '\n'
    auto sig = ParseSignatureLine(block.substr(0, eol), number);
    if (!sig.ok()) return sig.status();
    note.signatures.push_back(*std::move(sig));
    block.remove_prefix(eol + 1);
  }
  return note;
}

std::string FormatNote(const Note& note) {
  std::string out = note.text;
  out.push_back('\n');
  for (const NoteSignature& s : note.signatures) {
    AppendSignatureLine(s.name, s.key_hash, s.signature, &out);
  }
  return out;
}

absl::StatusOr<std::string> SignNote(absl::string_view text,
                                     absl::Span<const NoteSigner* const> signers) {
  if (!absl::EndsWith(text, "\n")) {
    return absl::InvalidArgumentError("note text does not end in a newline");
  }
  absl::Status chars = CheckNoteCharacters(text, "note text");
  if (!chars.ok()) return chars;
  if (signers.empty() || signers.size() > kMaxNoteSignatures) {
    return absl::InvalidArgumentError(
        absl::StrCat("note: ", signers.size(), " signers, want 1 to ", kMaxNoteSignatures));
  }
  std::string out(text);
  out.push_back('\n');
  std::set<std::pair<std::string, uint32_t>> seen;
  for (const NoteSigner* s : signers) {
    if (!IsValidKeyName(s->name())) {
      return absl::InvalidArgumentError("note: signer with invalid key name");
    }
    if (!seen.emplace(s->name(), s->key_hash()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("note: two signers are key ", KeyId(s->name(), s->key_hash())));
    }
    const std::string sig = s->Sign(text);
    if (sig.empty()) {
      // The line would not parse; only a broken NoteSigner does this.
      return absl::InternalError(absl::StrCat("note: signer ", KeyId(s->name(), s->key_hash()),
                                              " made an empty signature"));
    }
    AppendSignatureLine(s->name(), s->key_hash(), sig, &out);
  }
  return out;
}

absl::StatusOr<OpenedNote> OpenNote(absl::string_view message,
                                    absl::Span<const NoteVerifier* const> verifiers) {
  std::map<std::pair<std::string, uint32_t>, const NoteVerifier*> known;
  std::vector<std::string> known_ids;
  for (const NoteVerifier* v : verifiers) {
    if (!known.emplace(std::make_pair(v->name(), v->key_hash()), v).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("note: two verifiers are key ", KeyId(v->name(), v->key_hash())));
    }
    known_ids.push_back(KeyId(v->name(), v->key_hash()));
  }

  auto note = ParseNote(message);
  if (!note.ok()) return note.status();
  OpenedNote out;
  out.text = std::move(note->text);
  std::set<const NoteVerifier*> verified;
  std::set<std::pair<std::string, std::string>> unverified_seen;
  for (NoteSignature& sig : note->signatures) {
    auto it = known.find(std::make_pair(sig.name, sig.key_hash));
    if (it == known.end()) {
      if (unverified_seen.emplace(KeyId(sig.name, sig.key_hash), sig.signature).second) {
        out.unverified.push_back(std::move(sig));
      }
      continue;
    }
    const NoteVerifier* v = it->second;
    if (!v->VerifyNoteSignature(out.text, sig.signature)) {
      return absl::InvalidArgumentError(
          absl::StrCat("note: invalid signature by known key ", KeyId(sig.name, sig.key_hash)));
    }
    if (verified.insert(v).second) {
      out.verified.push_back(VerifiedSignature{v, std::move(sig)});
    }
  }
  if (out.verified.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("note: not signed by any known key (known: ",
                     known_ids.empty() ? "none" : absl::StrJoin(known_ids, ", "), "; ",
                     out.unverified.size(), " signature(s) by unknown keys)"));
  }
  return out;
}

}  // namespace note
}  // namespace keytrail
