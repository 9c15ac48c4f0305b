#include "core/replica/private_bundle.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/bytes/encoding.h"
#include "core/bytes/reader.h"
#include "core/crypto/aes_gcm.h"
#include "core/crypto/constant_time.h"
#include "core/crypto/ecvrf.h"
#include "core/crypto/hmac.h"
#include "core/crypto/random.h"
#include "core/crypto/sha256.h"
#include "core/keys/key_file.h"
#include "core/protocol/limits.h"
#include "core/util/wipe.h"

namespace keytrail {
namespace replica {
namespace {

constexpr char kWhat[] = "private bundle part";
constexpr char kAadContext[] = "keytrail private bundle v1";
constexpr char kEncryptionLabel[] = "keytrail private bundle v1 encryption";
constexpr char kNonceLabel[] = "keytrail private bundle v1 nonce";

bool InRange(size_t n, size_t lo, size_t hi) { return n >= lo && n <= hi; }

absl::Status Bad(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(kWhat, ": ", why));
}

std::string DeriveNonce(const ReplicaKey& key, absl::string_view aad, absl::string_view plaintext) {
  HmacSha256Key mac(key.nonce_key());
  Sha256 inner = mac.Begin();
  inner.Update(aad);
  inner.Update(plaintext);
  const Hash h = mac.FinishMac(std::move(inner));
  return std::string(reinterpret_cast<const char*>(h.data()), kAesGcmNonceSize);
}

}  // namespace

bool operator==(const PrivateUpdate& a, const PrivateUpdate& b) {
  return a.account == b.account && a.opening == b.opening && a.key_set == b.key_set &&
         a.vrf_proof == b.vrf_proof;
}

uint64_t PrivatePartCount(uint64_t update_count) {
  return update_count / kPrivatePartUpdates + (update_count % kPrivatePartUpdates != 0 ? 1 : 0);
}

std::string EncodePrivatePart(const PrivatePart& part) {
  if (!InRange(part.updates.size(), 1, kPrivatePartUpdates)) std::abort();
  ByteWriter w;
  w.U8(kPrivatePartFormat);
  w.U64(part.epoch);
  w.U32(part.part);
  w.U64(part.first_log_index);
  w.U16(static_cast<uint16_t>(part.updates.size()));
  for (const PrivateUpdate& u : part.updates) {
    if (!InRange(u.account.size(), 1, kMaxAccountIdSize) ||
        !InRange(u.opening.size(), kMinOpeningSize, kMaxOpeningSize) ||
        !InRange(u.key_set.size(), 1, kMaxKeySetSize) ||
        (u.vrf_proof.has_value() && u.vrf_proof->size() != kVrfProofSize)) {
      std::abort();
    }
    w.U16Prefixed(u.account);
    w.U8Prefixed(u.opening);
    w.U32Prefixed(u.key_set);
    w.Bool(u.vrf_proof.has_value());
    if (u.vrf_proof.has_value()) w.Bytes(*u.vrf_proof);
  }
  return w.Release();
}

absl::StatusOr<PrivatePart> DecodePrivatePart(absl::string_view bytes) {
  ByteReader r(bytes);
  PrivatePart part;
  uint8_t format;
  if (!r.ReadU8(&format)) return TruncatedError(kWhat, "format");
  if (format != kPrivatePartFormat) return Bad(absl::StrCat("unknown format ", format));
  if (!r.ReadU64(&part.epoch)) return TruncatedError(kWhat, "epoch");
  if (!r.ReadU32(&part.part)) return TruncatedError(kWhat, "part");
  if (!r.ReadU64(&part.first_log_index)) return TruncatedError(kWhat, "first_log_index");
  uint16_t count;
  if (!r.ReadU16(&count)) return TruncatedError(kWhat, "count");
  if (!InRange(count, 1, kPrivatePartUpdates)) {
    return Bad(absl::StrCat("count ", count, " is not 1..", kPrivatePartUpdates));
  }
  part.updates.resize(count);
  for (PrivateUpdate& u : part.updates) {
    absl::string_view v;
    if (!r.ReadU16Prefixed(&v)) return TruncatedError(kWhat, "account");
    if (!InRange(v.size(), 1, kMaxAccountIdSize)) return Bad("account: not 1..256 bytes");
    u.account = std::string(v);
    if (!r.ReadU8Prefixed(&v)) return TruncatedError(kWhat, "opening");
    if (!InRange(v.size(), kMinOpeningSize, kMaxOpeningSize)) {
      return Bad("opening: not 16..64 bytes");
    }
    u.opening = std::string(v);
    if (!r.ReadU32Prefixed(&v)) return TruncatedError(kWhat, "key_set");
    if (!InRange(v.size(), 1, kMaxKeySetSize)) return Bad("key_set: not 1..65536 bytes");
    u.key_set = std::string(v);
    bool has_proof;
    uint8_t flag;
    if (!r.ReadU8(&flag)) return TruncatedError(kWhat, "has_vrf_proof");
    if (flag > 1) return Bad("has_vrf_proof: not 0 or 1");
    has_proof = flag == 1;
    if (has_proof) {
      if (!r.ReadBytes(kVrfProofSize, &v)) return TruncatedError(kWhat, "vrf_proof");
      u.vrf_proof = std::string(v);
    }
  }
  absl::Status done = r.Finish(kWhat);
  if (!done.ok()) return done;
  return part;
}

ReplicaKey::~ReplicaKey() {
  WipeString(&encryption_key_);
  WipeString(&nonce_key_);
}

absl::StatusOr<ReplicaKey> ReplicaKey::FromBytes(absl::string_view key) {
  if (key.size() != kReplicaKeySize) {
    return absl::InvalidArgumentError("replica key: not 32 bytes");
  }
  ReplicaKey k;
  const Hash enc = HmacSha256(key, kEncryptionLabel);
  const Hash nonce = HmacSha256(key, kNonceLabel);
  k.encryption_key_.assign(reinterpret_cast<const char*>(enc.data()), enc.size());
  k.nonce_key_.assign(reinterpret_cast<const char*>(nonce.data()), nonce.size());
  return k;
}

absl::StatusOr<ReplicaKey> ReplicaKey::FromFile(const std::string& path, bool allow_insecure) {
  absl::Status mode = CheckSecretFileMode(path, allow_insecure);
  if (!mode.ok()) return mode;
  auto line = ReadKeyFile(path);
  if (!line.ok()) return line.status();
  auto bad = [&path] {
    return absl::InvalidArgumentError(
        absl::StrCat("replica key file ", path, ": not 64 lowercase hex digits"));
  };
  bool lower_hex = line->size() == 2 * kReplicaKeySize;
  for (char c : *line) lower_hex = lower_hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!lower_hex) {
    WipeString(&*line);
    return bad();
  }
  auto key = HexDecode(*line, "replica key");
  WipeString(&*line);
  if (!key.ok()) return bad();
  auto out = FromBytes(*key);
  WipeString(&*key);
  return out;
}

std::string ReplicaKey::GenerateFileContents() {
  std::string key = RandomString(kReplicaKeySize);
  std::string out = absl::StrCat(HexEncode(key), "\n");
  WipeString(&key);
  return out;
}

std::string PrivatePartAad(absl::string_view origin, uint64_t epoch, uint32_t part) {
  ByteWriter w;
  w.Bytes(kAadContext);
  w.U8(0);
  w.U16Prefixed(origin);
  w.U64(epoch);
  w.U32(part);
  return w.Release();
}

std::string SealPrivatePart(const ReplicaKey& key, absl::string_view origin,
                            const PrivatePart& part) {
  std::string plaintext = EncodePrivatePart(part);
  const std::string aad = PrivatePartAad(origin, part.epoch, part.part);
  const std::string nonce = DeriveNonce(key, aad, plaintext);
  std::string out;
  out.push_back(static_cast<char>(kSealedPartFormat));
  out += nonce;
  out += Aes256GcmSeal(key.encryption_key(), nonce, plaintext, aad);
  WipeString(&plaintext);
  return out;
}

absl::StatusOr<PrivatePart> OpenPrivatePart(const ReplicaKey& key, absl::string_view origin,
                                            uint64_t epoch, uint32_t part,
                                            absl::string_view sealed) {
  ByteReader r(sealed);
  uint8_t format;
  if (!r.ReadU8(&format)) return TruncatedError("sealed private bundle part", "format");
  if (format != kSealedPartFormat) {
    return absl::InvalidArgumentError(
        absl::StrCat("sealed private bundle part: unknown format ", format));
  }
  absl::string_view nonce;
  if (!r.ReadBytes(kAesGcmNonceSize, &nonce)) {
    return TruncatedError("sealed private bundle part", "nonce");
  }
  absl::string_view body;
  if (!r.ReadBytes(r.remaining(), &body) || body.size() < kAesGcmTagSize) {
    return TruncatedError("sealed private bundle part", "tag");
  }
  const std::string aad = PrivatePartAad(origin, epoch, part);
  auto plaintext = Aes256GcmOpen(key.encryption_key(), nonce, body, aad);
  if (!plaintext.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("sealed private bundle part (epoch ", epoch, ", part ", part,
                     "): does not open under the replica key for this log, epoch and part: ",
                     plaintext.status().message()));
  }
  if (!ConstantTimeEquals(nonce, DeriveNonce(key, aad, *plaintext))) {
    WipeString(&*plaintext);
    return absl::InvalidArgumentError("sealed private bundle part: not the canonical nonce");
  }
  auto decoded = DecodePrivatePart(*plaintext);
  WipeString(&*plaintext);
  if (!decoded.ok()) return decoded.status();
  if (decoded->epoch != epoch || decoded->part != part) {
    return absl::InvalidArgumentError(absl::StrCat("private bundle part: holds epoch ",
                                                   decoded->epoch, " part ", decoded->part,
                                                   ", expected epoch ", epoch, " part ", part));
  }
  return decoded;
}

}  // namespace replica
}  // namespace keytrail
