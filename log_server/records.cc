#include "log_server/records.h"

#include "absl/strings/str_cat.h"
#include "core/bytes/reader.h"

namespace keytrail {
namespace {

constexpr uint8_t kFormat = 1;

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("corrupt ", what, " record"));
}

// Reads the format byte; false unless it is kFormat.
bool ReadFormat(ByteReader& r) {
  uint8_t f;
  return r.ReadU8(&f) && f == kFormat;
}

}  // namespace

std::vector<std::string> LogColumnFamilyNames() {
  return {"meta", "entries", "log_tiles", "accounts", "versions",
          "map_leaves", "map_tiles", "epochs"};
}

std::string EncodeLogConfig(const LogConfig& c) {
  ByteWriter w;
  w.U8(kFormat);
  w.U16Prefixed(c.origin);
  w.U16Prefixed(c.note_verifier_key);
  w.U8Prefixed(c.vrf_public_key);
  return w.Release();
}

absl::StatusOr<LogConfig> DecodeLogConfig(absl::string_view bytes) {
  ByteReader r(bytes);
  absl::string_view origin, vkey, vrf;
  if (!ReadFormat(r) || !r.ReadU16Prefixed(&origin) || !r.ReadU16Prefixed(&vkey) ||
      !r.ReadU8Prefixed(&vrf) || !r.empty()) {
    return Corrupt("log config");
  }
  return LogConfig{std::string(origin), std::string(vkey), std::string(vrf)};
}

std::string EncodeLogState(const LogState& s) {
  ByteWriter w;
  w.U8(kFormat);
  w.U64(s.epoch);
  w.U64(s.tree_size);
  w.U64(s.timestamp_ms);
  w.U8(static_cast<uint8_t>(s.frontier.size()));
  for (const Hash& h : s.frontier) w.Array(h);
  return w.Release();
}

absl::StatusOr<LogState> DecodeLogState(absl::string_view bytes) {
  ByteReader r(bytes);
  LogState s;
  uint8_t n;
  if (!ReadFormat(r) || !r.ReadU64(&s.epoch) || !r.ReadU64(&s.tree_size) ||
      !r.ReadU64(&s.timestamp_ms) || !r.ReadU8(&n)) {
    return Corrupt("log state");
  }
  s.frontier.resize(n);
  for (Hash& h : s.frontier) {
    if (!r.ReadArray(&h)) return Corrupt("log state");
  }
  if (!r.empty()) return Corrupt("log state");
  return s;
}

std::string EncodeAccountRecord(const AccountRecord& rec) {
  ByteWriter w;
  w.U8(kFormat);
  w.Array(rec.index);
  w.U8Prefixed(rec.vrf_proof);
  return w.Release();
}

absl::StatusOr<AccountRecord> DecodeAccountRecord(absl::string_view bytes) {
  ByteReader r(bytes);
  AccountRecord rec;
  absl::string_view proof;
  if (!ReadFormat(r) || !r.ReadArray(&rec.index) || !r.ReadU8Prefixed(&proof) ||
      !r.empty()) {
    return Corrupt("account");
  }
  rec.vrf_proof = std::string(proof);
  return rec;
}

std::string EncodeVersionRecord(const VersionRecord& rec) {
  ByteWriter w;
  w.U8(kFormat);
  w.U64(rec.epoch);
  w.U64(rec.log_index);
  w.Array(rec.previous_head);
  w.U8Prefixed(rec.opening);
  w.U32Prefixed(rec.key_set);
  return w.Release();
}

absl::StatusOr<VersionRecord> DecodeVersionRecord(absl::string_view bytes) {
  ByteReader r(bytes);
  VersionRecord rec;
  absl::string_view opening, key_set;
  if (!ReadFormat(r) || !r.ReadU64(&rec.epoch) || !r.ReadU64(&rec.log_index) ||
      !r.ReadArray(&rec.previous_head) || !r.ReadU8Prefixed(&opening) ||
      !r.ReadU32Prefixed(&key_set) || !r.empty()) {
    return Corrupt("version");
  }
  rec.opening = std::string(opening);
  rec.key_set = std::string(key_set);
  return rec;
}

std::string EncodeEpochRecord(const EpochRecord& rec) {
  ByteWriter w;
  w.U8(kFormat);
  w.U64(rec.tree_size);
  w.U32Prefixed(rec.checkpoint);
  return w.Release();
}

absl::StatusOr<EpochRecord> DecodeEpochRecord(absl::string_view bytes) {
  ByteReader r(bytes);
  EpochRecord rec;
  absl::string_view checkpoint;
  if (!ReadFormat(r) || !r.ReadU64(&rec.tree_size) ||
      !r.ReadU32Prefixed(&checkpoint) || !r.empty()) {
    return Corrupt("epoch");
  }
  rec.checkpoint = std::string(checkpoint);
  return rec;
}

std::string U64Key(uint64_t v) {
  ByteWriter w;
  w.U64(v);
  return w.Release();
}

std::string VersionKey(const Hash& index, uint64_t version) {
  ByteWriter w;
  w.Array(index);
  w.U64(version);
  return w.Release();
}

}  // namespace keytrail
