#include "core/note/cosignature.h"

#include <cstdio>
#include <cstdlib>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/bytes/reader.h"
#include "core/note/ed25519_key.h"
#include "core/note/key_string.h"

namespace keytrail {
namespace note {
namespace {

constexpr size_t kTimestampedSize = kCosignatureSize - 4;

absl::Status Error(absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat("cosignature: ", reason));
}

// Splits timestamp || signature (72 bytes).
absl::Status ReadTimestamped(absl::string_view bytes, uint64_t* timestamp,
                             absl::string_view* signature) {
  ByteReader r(bytes);
  if (!r.ReadU64(timestamp) || !r.ReadBytes(kEd25519SignatureSize, signature)) {
    return Error(absl::StrCat("timestamp and signature are ", bytes.size(), " bytes, want ",
                              kTimestampedSize));
  }
  absl::Status done = r.Finish("cosignature timestamp and signature");
  if (!done.ok()) return done;
  if (*timestamp > kMaxCosignatureTimestamp) {
    return Error("timestamp above 2^63 - 1");
  }
  return absl::OkStatus();
}

}  // namespace

std::string CosignatureMessage(absl::string_view checkpoint_text, uint64_t timestamp) {
  return absl::StrCat("cosignature/v1\ntime ", timestamp, "\n", checkpoint_text);
}

absl::StatusOr<CosignatureVerifier> CosignatureVerifier::Create(std::string name,
                                                                Ed25519PublicKey key) {
  auto hash = Ed25519KeyHash(name, kKeyTypeCosignatureV1, key, "cosignature verifier");
  if (!hash.ok()) return hash.status();
  return CosignatureVerifier(std::move(name), *hash, std::move(key));
}

absl::StatusOr<uint64_t> CosignatureVerifier::VerifyTimestamped(absl::string_view text,
                                                                absl::string_view signature) const {
  uint64_t timestamp;
  absl::string_view sig;
  absl::Status ok = ReadTimestamped(signature, &timestamp, &sig);
  if (!ok.ok()) return ok;
  if (!key_.Verify(CosignatureMessage(text, timestamp), sig)) {
    return Error(absl::StrFormat("signature by %s+%08x does not verify", name_, key_hash_));
  }
  return timestamp;
}

absl::StatusOr<uint64_t> CosignatureVerifier::Verify(absl::string_view checkpoint_text,
                                                     absl::string_view signature_bytes) const {
  ByteReader r(signature_bytes);
  uint32_t hash;
  if (signature_bytes.size() != kCosignatureSize || !r.ReadU32(&hash)) {
    return Error(absl::StrCat(signature_bytes.size(), " bytes, want ", kCosignatureSize));
  }
  if (hash != key_hash_) {
    return Error(absl::StrFormat("key hash %08x, want %08x (another key)", hash, key_hash_));
  }
  absl::string_view rest;
  if (!r.ReadBytes(r.remaining(), &rest)) return Error("truncated");
  return VerifyTimestamped(checkpoint_text, rest);
}

bool CosignatureVerifier::VerifyNoteSignature(absl::string_view text,
                                              absl::string_view signature) const {
  return VerifyTimestamped(text, signature).ok();
}

std::string CosignatureVerifier::VerifierKey() const {
  return FormatVerifierKey(name_, kKeyTypeCosignatureV1, key_.bytes());
}

absl::StatusOr<CosignatureSigner> CosignatureSigner::Create(std::string name,
                                                            Ed25519PrivateKey key) {
  auto hash = Ed25519KeyHash(name, kKeyTypeCosignatureV1, key.public_key(), "cosignature signer");
  if (!hash.ok()) return hash.status();
  return CosignatureSigner(std::move(name), *hash, std::move(key));
}

absl::StatusOr<CosignatureSigner> CosignatureSigner::Generate(std::string name) {
  return Create(std::move(name), Ed25519PrivateKey::Generate());
}

std::string CosignatureSigner::Sign(absl::string_view checkpoint_text, uint64_t timestamp) const {
  if (timestamp > kMaxCosignatureTimestamp) {
    // A programming error (no clock reads this); a signature with it would
    // be rejected by every verifier.
    std::fprintf(stderr, "CosignatureSigner::Sign: timestamp above 2^63-1\n");
    std::abort();
  }
  std::string out;
  ByteWriter w(&out);
  w.U32(key_hash_);
  w.U64(timestamp);
  w.Bytes(key_.Sign(CosignatureMessage(checkpoint_text, timestamp)));
  return out;
}

NoteSignature CosignatureSigner::SignAsNoteSignature(absl::string_view checkpoint_text,
                                                     uint64_t timestamp) const {
  return NoteSignature{name_, key_hash_, Sign(checkpoint_text, timestamp).substr(4)};
}

CosignatureVerifier CosignatureSigner::Verifier() const {
  return CosignatureVerifier(name_, key_hash_, key_.public_key());
}

std::string CosignatureSigner::PrivateKeyString() const {
  return FormatPrivateKey(name_, key_hash_, kKeyTypeCosignatureV1, key_.seed());
}

absl::StatusOr<CosignatureVerifier> ParseCosignatureVerifierKey(absl::string_view vkey) {
  return ParseEd25519VerifierKey<CosignatureVerifier>(vkey, kKeyTypeCosignatureV1,
                                                      "cosignature verifier key");
}

absl::StatusOr<CosignatureSigner> ParseCosignatureSignerKey(absl::string_view skey) {
  return ParseEd25519SignerKey<CosignatureSigner>(skey, kKeyTypeCosignatureV1,
                                                  "cosignature signer key");
}

absl::StatusOr<uint64_t> CosignatureTimestamp(absl::string_view signature) {
  uint64_t timestamp;
  absl::string_view sig;
  absl::Status ok = ReadTimestamped(signature, &timestamp, &sig);
  if (!ok.ok()) return ok;
  return timestamp;
}

size_t CountCosignatures(absl::string_view checkpoint_text, const std::vector<NoteSignature>& lines,
                         const std::vector<CosignatureVerifier>& cosigners) {
  std::set<std::string> counted;  // public keys of cosigners that cosigned
  for (const CosignatureVerifier& c : cosigners) {
    if (counted.count(c.public_key().bytes()) != 0) continue;
    for (const NoteSignature& line : lines) {
      if (line.name != c.name() || line.key_hash != c.key_hash()) continue;
      if (c.VerifyNoteSignature(checkpoint_text, line.signature)) {
        counted.insert(c.public_key().bytes());
        break;
      }
    }
  }
  return counted.size();
}

}  // namespace note
}  // namespace keytrail
