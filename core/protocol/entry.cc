#include "core/protocol/entry.h"

#include "absl/strings/str_cat.h"
#include "core/bytes/reader.h"

namespace keytrail {
namespace {

constexpr absl::string_view kWhat = "entry";
constexpr absl::string_view kUpdateWhat = "update entry";
constexpr absl::string_view kEpochWhat = "epoch entry";

const char* KindName(uint8_t kind) {
  return kind == kUpdateEntryKind ? "update entry" : "epoch entry";
}

// The body length is checked up front, so one message covers truncation and
// trailing bytes; the reads below cannot then fail.
absl::Status CheckBodySize(absl::string_view what, size_t want, size_t got) {
  if (want == got) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(what, ": body must be ", want, " bytes, got ", got));
}

absl::StatusOr<UpdateEntry> DecodeUpdateBody(ByteReader* r) {
  absl::Status status = CheckBodySize(kUpdateWhat, kUpdateEntrySize - 2, r->remaining());
  if (!status.ok()) return status;
  UpdateEntry e;
  if (!r->ReadArray(&e.index) || !r->ReadU64(&e.version) || !r->ReadU64(&e.epoch) ||
      !r->ReadArray(&e.commitment)) {
    return TruncatedError(kUpdateWhat, "body");  // unreachable: size checked
  }
  status = r->Finish(kUpdateWhat);
  if (!status.ok()) return status;
  if (e.version == 0) {
    return absl::InvalidArgumentError("update entry: version must be >= 1, got 0");
  }
  return e;
}

absl::StatusOr<EpochEntry> DecodeEpochBody(ByteReader* r) {
  absl::Status status = CheckBodySize(kEpochWhat, kEpochEntrySize - 2, r->remaining());
  if (!status.ok()) return status;
  EpochEntry e;
  if (!r->ReadU64(&e.epoch) || !r->ReadU64(&e.timestamp_ms) || !r->ReadArray(&e.map_root) ||
      !r->ReadU64(&e.update_count)) {
    return TruncatedError(kEpochWhat, "body");  // unreachable: size checked
  }
  status = r->Finish(kEpochWhat);
  if (!status.ok()) return status;
  return e;
}

// Reads format and kind; on success *r is at the body.
absl::Status ReadHeader(ByteReader* r, uint8_t* kind) {
  uint8_t format;
  if (!r->ReadU8(&format)) return TruncatedError(kWhat, "format");
  if (format != kEntryFormat) {
    return absl::InvalidArgumentError(absl::StrCat("entry: unknown format ", format));
  }
  if (!r->ReadU8(kind)) return TruncatedError(kWhat, "kind");
  if (*kind != kUpdateEntryKind && *kind != kEpochEntryKind) {
    return absl::InvalidArgumentError(absl::StrCat("entry: unknown kind ", *kind));
  }
  return absl::OkStatus();
}

absl::Status WrongKind(uint8_t got, uint8_t want) {
  return absl::InvalidArgumentError(absl::StrCat("entry: kind ", got, " (", KindName(got),
                                                 "), want kind ", want, " (", KindName(want), ")"));
}

}  // namespace

bool operator==(const UpdateEntry& a, const UpdateEntry& b) {
  return a.index == b.index && a.version == b.version && a.epoch == b.epoch &&
         a.commitment == b.commitment;
}

bool operator==(const EpochEntry& a, const EpochEntry& b) {
  return a.epoch == b.epoch && a.timestamp_ms == b.timestamp_ms && a.map_root == b.map_root &&
         a.update_count == b.update_count;
}

std::string EncodeEntry(const UpdateEntry& entry) {
  std::string out;
  out.reserve(kUpdateEntrySize);
  ByteWriter w(&out);
  w.U8(kEntryFormat);
  w.U8(kUpdateEntryKind);
  w.Array(entry.index);
  w.U64(entry.version);
  w.U64(entry.epoch);
  w.Array(entry.commitment);
  return out;
}

std::string EncodeEntry(const EpochEntry& entry) {
  std::string out;
  out.reserve(kEpochEntrySize);
  ByteWriter w(&out);
  w.U8(kEntryFormat);
  w.U8(kEpochEntryKind);
  w.U64(entry.epoch);
  w.U64(entry.timestamp_ms);
  w.Array(entry.map_root);
  w.U64(entry.update_count);
  return out;
}

absl::StatusOr<Entry> DecodeEntry(absl::string_view encoded) {
  ByteReader r(encoded);
  uint8_t kind;
  absl::Status status = ReadHeader(&r, &kind);
  if (!status.ok()) return status;
  if (kind == kUpdateEntryKind) {
    absl::StatusOr<UpdateEntry> e = DecodeUpdateBody(&r);
    if (!e.ok()) return e.status();
    return Entry(*e);
  }
  absl::StatusOr<EpochEntry> e = DecodeEpochBody(&r);
  if (!e.ok()) return e.status();
  return Entry(*e);
}

absl::StatusOr<UpdateEntry> DecodeUpdateEntry(absl::string_view encoded) {
  ByteReader r(encoded);
  uint8_t kind;
  absl::Status status = ReadHeader(&r, &kind);
  if (!status.ok()) return status;
  if (kind != kUpdateEntryKind) return WrongKind(kind, kUpdateEntryKind);
  return DecodeUpdateBody(&r);
}

absl::StatusOr<EpochEntry> DecodeEpochEntry(absl::string_view encoded) {
  ByteReader r(encoded);
  uint8_t kind;
  absl::Status status = ReadHeader(&r, &kind);
  if (!status.ok()) return status;
  if (kind != kEpochEntryKind) return WrongKind(kind, kEpochEntryKind);
  return DecodeEpochBody(&r);
}

Hash EntryLeafHash(absl::string_view encoded_entry) {
  return Sha256().UpdateU8(0x00).Update(encoded_entry).Finish();
}

}  // namespace keytrail
