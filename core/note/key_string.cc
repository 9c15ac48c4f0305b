#include "core/note/key_string.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/bytes/encoding.h"
#include "core/bytes/reader.h"
#include "core/crypto/sha256.h"
#include "core/note/text.h"
#include "core/util/wipe.h"

namespace keytrail {
namespace note {
namespace {

constexpr absl::string_view kPrivatePrefix = "PRIVATE+KEY+";

// Splits s at the first '+': Go's chop. False when there is no '+'.
bool Chop(absl::string_view* s, absl::string_view* before) {
  const size_t i = s->find('+');
  if (i == absl::string_view::npos) return false;
  *before = s->substr(0, i);
  s->remove_prefix(i + 1);
  return true;
}

// Wipes a string holding a secret when it goes out of scope.
struct SecretGuard {
  std::string* s;
  ~SecretGuard() { WipeString(s); }
};

bool IsLowerHex(absl::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Parses "<name>+<hash>+<base64(type || key)>" (the part after PRIVATE+KEY+
// for private keys). Checks everything except the key hash.
absl::StatusOr<ParsedKey> ParseFields(absl::string_view s, uint8_t want_type, size_t want_size,
                                      absl::string_view what) {
  absl::string_view name, hash_hex;
  if (!Chop(&s, &name) || !Chop(&s, &hash_hex)) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": not of the form <name>+<hash>+<key>"));
  }
  absl::Status name_ok = CheckKeyName(name, what);
  if (!name_ok.ok()) return name_ok;
  if (hash_hex.size() != 8 || !IsLowerHex(hash_hex)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": key hash is not 8 lowercase hex digits"));
  }
  ParsedKey out;
  {
    // Cannot fail: 8 checked hex digits.
    std::string raw_hash = HexDecode(hash_hex).value();
    ByteReader r(raw_hash);
    if (!r.ReadU32(&out.key_hash)) return absl::InternalError("key hash");
  }
  auto decoded = Base64Decode(s, absl::StrCat(what, ": key"));
  if (!decoded.ok()) return decoded.status();
  std::string typed = *std::move(decoded);
  SecretGuard guard{&typed};
  ByteReader r(typed);
  absl::string_view material;
  if (!r.ReadU8(&out.type)) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": empty key"));
  }
  if (out.type != want_type) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: key type 0x%02x, want 0x%02x", what, out.type, want_type));
  }
  if (r.remaining() != want_size || !r.ReadBytes(want_size, &material)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": key is ", r.remaining(), " bytes, want ", want_size));
  }
  absl::Status finished = r.Finish(what);
  if (!finished.ok()) return finished;
  out.name = std::string(name);
  out.key = std::string(material);
  return out;
}

}  // namespace

ParsedKey::~ParsedKey() { WipeString(&key); }

uint32_t KeyHash(absl::string_view name, uint8_t type, absl::string_view public_key) {
  Hash h = Sha256().Update(name).UpdateU8('\n').UpdateU8(type).Update(public_key).Finish();
  ByteReader r(HashView(h));
  uint32_t v = 0;
  if (!r.ReadU32(&v)) return 0;  // unreachable: a hash has 32 bytes
  return v;
}

std::string FormatVerifierKey(absl::string_view name, uint8_t type, absl::string_view public_key) {
  std::string typed(1, static_cast<char>(type));
  typed.append(public_key.data(), public_key.size());
  return absl::StrFormat("%s+%08x+%s", name, KeyHash(name, type, public_key), Base64Encode(typed));
}

std::string FormatPrivateKey(absl::string_view name, uint32_t key_hash, uint8_t type,
                             absl::string_view secret) {
  std::string typed(1, static_cast<char>(type));
  typed.append(secret.data(), secret.size());
  std::string out =
      absl::StrFormat("%s%s+%08x+%s", kPrivatePrefix, name, key_hash, Base64Encode(typed));
  WipeString(&typed);
  return out;
}

absl::StatusOr<ParsedKey> ParseVerifierKeyString(absl::string_view vkey, uint8_t want_type,
                                                 size_t want_key_size, absl::string_view what) {
  if (absl::StartsWith(vkey, kPrivatePrefix)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": this is a private key, not a verifier key"));
  }
  auto parsed = ParseFields(vkey, want_type, want_key_size, what);
  if (!parsed.ok()) return parsed.status();
  if (parsed->key_hash != KeyHash(parsed->name, parsed->type, parsed->key)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": key hash does not match the name and key"));
  }
  return parsed;
}

absl::StatusOr<ParsedKey> ParsePrivateKeyString(absl::string_view skey, uint8_t want_type,
                                                size_t want_secret_size, absl::string_view what) {
  if (!absl::StartsWith(skey, kPrivatePrefix)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": does not start with PRIVATE+KEY+ (a verifier key?)"));
  }
  skey.remove_prefix(kPrivatePrefix.size());
  return ParseFields(skey, want_type, want_secret_size, what);
}

}  // namespace note
}  // namespace keytrail
