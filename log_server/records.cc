#include "log_server/records.h"

#include "absl/strings/str_cat.h"
#include "core/bytes/reader.h"

namespace keytrail {
namespace {

constexpr uint8_t kFormat = 1;

// The parsers below report malformed bytes as ByteReader does
// (InvalidArgument); the Decode* functions relabel that as DataLoss, since
// these bytes come from the log's own storage.
template <typename T>
absl::StatusOr<T> FromStorage(absl::StatusOr<T> parsed) {
  if (!parsed.ok()) return AsDataLoss(parsed.status(), "stored record");
  return parsed;
}

absl::Status ReadFormat(ByteReader& r, absl::string_view what) {
  uint8_t format;
  if (!r.ReadU8(&format)) return TruncatedError(what, "format");
  if (format != kFormat) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": unknown format ", format));
  }
  return absl::OkStatus();
}

absl::StatusOr<LogConfig> ParseLogConfig(absl::string_view bytes) {
  constexpr absl::string_view kWhat = "log config";
  ByteReader r(bytes);
  if (absl::Status s = ReadFormat(r, kWhat); !s.ok()) return s;
  absl::string_view origin, vkey, vrf;
  if (!r.ReadU16Prefixed(&origin)) return TruncatedError(kWhat, "origin");
  if (!r.ReadU16Prefixed(&vkey)) return TruncatedError(kWhat, "note verifier key");
  if (!r.ReadU8Prefixed(&vrf)) return TruncatedError(kWhat, "VRF public key");
  if (absl::Status s = r.Finish(kWhat); !s.ok()) return s;
  return LogConfig{std::string(origin), std::string(vkey), std::string(vrf)};
}

absl::StatusOr<LogState> ParseLogState(absl::string_view bytes) {
  constexpr absl::string_view kWhat = "log state";
  ByteReader r(bytes);
  if (absl::Status s = ReadFormat(r, kWhat); !s.ok()) return s;
  LogState state;
  uint8_t n;
  if (!r.ReadU64(&state.epoch)) return TruncatedError(kWhat, "epoch");
  if (!r.ReadU64(&state.tree_size)) return TruncatedError(kWhat, "tree size");
  if (!r.ReadU64(&state.timestamp_ms)) return TruncatedError(kWhat, "timestamp");
  if (!r.ReadU8(&n)) return TruncatedError(kWhat, "frontier size");
  state.frontier.resize(n);
  for (Hash& h : state.frontier) {
    if (!r.ReadArray(&h)) return TruncatedError(kWhat, "frontier");
  }
  if (absl::Status s = r.Finish(kWhat); !s.ok()) return s;
  return state;
}

absl::StatusOr<AccountRecord> ParseAccountRecord(absl::string_view bytes) {
  constexpr absl::string_view kWhat = "account record";
  ByteReader r(bytes);
  if (absl::Status s = ReadFormat(r, kWhat); !s.ok()) return s;
  AccountRecord rec;
  absl::string_view proof;
  if (!r.ReadArray(&rec.index)) return TruncatedError(kWhat, "index");
  if (!r.ReadU8Prefixed(&proof)) return TruncatedError(kWhat, "VRF proof");
  if (absl::Status s = r.Finish(kWhat); !s.ok()) return s;
  rec.vrf_proof = std::string(proof);
  return rec;
}

absl::StatusOr<AccountIdRecord> ParseAccountIdRecord(absl::string_view bytes) {
  constexpr absl::string_view kWhat = "account id record";
  ByteReader r(bytes);
  if (absl::Status s = ReadFormat(r, kWhat); !s.ok()) return s;
  absl::string_view account;
  if (!r.ReadU16Prefixed(&account)) return TruncatedError(kWhat, "account");
  if (account.empty()) return absl::InvalidArgumentError("account id record: empty account");
  if (absl::Status s = r.Finish(kWhat); !s.ok()) return s;
  return AccountIdRecord{std::string(account)};
}

absl::StatusOr<VersionRecord> ParseVersionRecord(absl::string_view bytes) {
  constexpr absl::string_view kWhat = "version record";
  ByteReader r(bytes);
  if (absl::Status s = ReadFormat(r, kWhat); !s.ok()) return s;
  VersionRecord rec;
  absl::string_view opening, key_set;
  if (!r.ReadU64(&rec.epoch)) return TruncatedError(kWhat, "epoch");
  if (!r.ReadU64(&rec.log_index)) return TruncatedError(kWhat, "log index");
  if (!r.ReadArray(&rec.previous_head)) return TruncatedError(kWhat, "previous head");
  if (!r.ReadU8Prefixed(&opening)) return TruncatedError(kWhat, "opening");
  if (!r.ReadU32Prefixed(&key_set)) return TruncatedError(kWhat, "key set");
  if (absl::Status s = r.Finish(kWhat); !s.ok()) return s;
  rec.opening = std::string(opening);
  rec.key_set = std::string(key_set);
  return rec;
}

absl::StatusOr<EpochRecord> ParseEpochRecord(absl::string_view bytes) {
  constexpr absl::string_view kWhat = "epoch record";
  ByteReader r(bytes);
  if (absl::Status s = ReadFormat(r, kWhat); !s.ok()) return s;
  EpochRecord rec;
  absl::string_view checkpoint;
  if (!r.ReadU64(&rec.tree_size)) return TruncatedError(kWhat, "tree size");
  if (!r.ReadU32Prefixed(&checkpoint)) return TruncatedError(kWhat, "checkpoint");
  if (absl::Status s = r.Finish(kWhat); !s.ok()) return s;
  rec.checkpoint = std::string(checkpoint);
  return rec;
}

absl::StatusOr<CosignedRecord> ParseCosignedRecord(absl::string_view bytes) {
  constexpr absl::string_view kWhat = "cosigned record";
  ByteReader r(bytes);
  if (absl::Status s = ReadFormat(r, kWhat); !s.ok()) return s;
  CosignedRecord rec;
  absl::string_view note;
  if (!r.ReadU64(&rec.epoch)) return TruncatedError(kWhat, "epoch");
  if (!r.ReadU32Prefixed(&note)) return TruncatedError(kWhat, "note");
  if (absl::Status s = r.Finish(kWhat); !s.ok()) return s;
  rec.note = std::string(note);
  return rec;
}

absl::StatusOr<TilesPublishedRecord> ParseTilesPublishedRecord(absl::string_view bytes) {
  constexpr absl::string_view kWhat = "tiles published record";
  ByteReader r(bytes);
  if (absl::Status s = ReadFormat(r, kWhat); !s.ok()) return s;
  TilesPublishedRecord rec;
  if (!r.ReadU64(&rec.epoch)) return TruncatedError(kWhat, "epoch");
  if (!r.ReadU64(&rec.tree_size)) return TruncatedError(kWhat, "tree size");
  if (absl::Status s = r.Finish(kWhat); !s.ok()) return s;
  return rec;
}

}  // namespace

std::string EncodeLogConfig(const LogConfig& c) {
  ByteWriter w;
  w.U8(kFormat);
  w.U16Prefixed(c.origin);
  w.U16Prefixed(c.note_verifier_key);
  w.U8Prefixed(c.vrf_public_key);
  return w.Release();
}

absl::StatusOr<LogConfig> DecodeLogConfig(absl::string_view bytes) {
  return FromStorage(ParseLogConfig(bytes));
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
  return FromStorage(ParseLogState(bytes));
}

std::string EncodeAccountRecord(const AccountRecord& rec) {
  ByteWriter w;
  w.U8(kFormat);
  w.Array(rec.index);
  w.U8Prefixed(rec.vrf_proof);
  return w.Release();
}

absl::StatusOr<AccountRecord> DecodeAccountRecord(absl::string_view bytes) {
  return FromStorage(ParseAccountRecord(bytes));
}

std::string EncodeAccountIdRecord(const AccountIdRecord& rec) {
  ByteWriter w;
  w.U8(kFormat);
  w.U16Prefixed(rec.account);
  return w.Release();
}

absl::StatusOr<AccountIdRecord> DecodeAccountIdRecord(absl::string_view bytes) {
  return FromStorage(ParseAccountIdRecord(bytes));
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
  return FromStorage(ParseVersionRecord(bytes));
}

std::string EncodeEpochRecord(const EpochRecord& rec) {
  ByteWriter w;
  w.U8(kFormat);
  w.U64(rec.tree_size);
  w.U32Prefixed(rec.checkpoint);
  return w.Release();
}

absl::StatusOr<EpochRecord> DecodeEpochRecord(absl::string_view bytes) {
  return FromStorage(ParseEpochRecord(bytes));
}

std::string EncodeCosignedRecord(const CosignedRecord& rec) {
  ByteWriter w;
  w.U8(kFormat);
  w.U64(rec.epoch);
  w.U32Prefixed(rec.note);
  return w.Release();
}

absl::StatusOr<CosignedRecord> DecodeCosignedRecord(absl::string_view bytes) {
  return FromStorage(ParseCosignedRecord(bytes));
}

std::string EncodeTilesPublishedRecord(const TilesPublishedRecord& rec) {
  ByteWriter w;
  w.U8(kFormat);
  w.U64(rec.epoch);
  w.U64(rec.tree_size);
  return w.Release();
}

absl::StatusOr<TilesPublishedRecord> DecodeTilesPublishedRecord(absl::string_view bytes) {
  return FromStorage(ParseTilesPublishedRecord(bytes));
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
