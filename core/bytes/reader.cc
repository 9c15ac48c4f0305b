#include "core/bytes/reader.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace keytrail {
namespace {

template <typename T>
bool ReadBigEndian(absl::string_view* data, T* out) {
  if (data->size() < sizeof(T)) return false;
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    v = static_cast<T>((v << 8) | static_cast<uint8_t>((*data)[i]));
  }
  data->remove_prefix(sizeof(T));
  *out = v;
  return true;
}

template <typename T>
void WriteBigEndian(std::string* out, T v) {
  for (size_t i = sizeof(T); i > 0; --i) {
    out->push_back(static_cast<char>((v >> (8 * (i - 1))) & 0xff));
  }
}

}  // namespace

bool ByteReader::ReadU8(uint8_t* out) { return ReadBigEndian(&data_, out); }
bool ByteReader::ReadU16(uint16_t* out) { return ReadBigEndian(&data_, out); }
bool ByteReader::ReadU32(uint32_t* out) { return ReadBigEndian(&data_, out); }
bool ByteReader::ReadU64(uint64_t* out) { return ReadBigEndian(&data_, out); }

bool ByteReader::ReadBytes(size_t n, absl::string_view* out) {
  if (data_.size() < n) return false;
  *out = data_.substr(0, n);
  data_.remove_prefix(n);
  return true;
}

bool ByteReader::ReadU8Prefixed(absl::string_view* out) {
  ByteReader copy = *this;
  uint8_t n;
  if (!copy.ReadU8(&n) || !copy.ReadBytes(n, out)) return false;
  *this = copy;
  return true;
}

bool ByteReader::ReadU16Prefixed(absl::string_view* out) {
  ByteReader copy = *this;
  uint16_t n;
  if (!copy.ReadU16(&n) || !copy.ReadBytes(n, out)) return false;
  *this = copy;
  return true;
}

bool ByteReader::ReadU32Prefixed(absl::string_view* out) {
  ByteReader copy = *this;
  uint32_t n;
  if (!copy.ReadU32(&n) || !copy.ReadBytes(n, out)) return false;
  *this = copy;
  return true;
}

bool ByteReader::ReadBool(bool* out) {
  if (data_.empty()) return false;
  uint8_t v = static_cast<uint8_t>(data_[0]);
  if (v > 1) return false;
  data_.remove_prefix(1);
  *out = v == 1;
  return true;
}

absl::Status ByteReader::Finish(absl::string_view what) const {
  if (data_.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", data_.size(), " trailing bytes"));
}

absl::Status TruncatedError(absl::string_view what, absl::string_view field) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": truncated at ", field));
}

absl::Status AsDataLoss(const absl::Status& status, absl::string_view where) {
  if (status.ok()) return status;
  return absl::DataLossError(absl::StrCat("corrupt ", where, ": ", status.message()));
}

void ByteWriter::U8(uint8_t v) { WriteBigEndian(out_, v); }
void ByteWriter::U16(uint16_t v) { WriteBigEndian(out_, v); }
void ByteWriter::U32(uint32_t v) { WriteBigEndian(out_, v); }
void ByteWriter::U64(uint64_t v) { WriteBigEndian(out_, v); }
void ByteWriter::Bytes(absl::string_view v) { out_->append(v.data(), v.size()); }

void ByteWriter::U8Prefixed(absl::string_view v) {
  if (v.size() > 0xff) std::abort();
  U8(static_cast<uint8_t>(v.size()));
  Bytes(v);
}

void ByteWriter::U16Prefixed(absl::string_view v) {
  if (v.size() > 0xffff) std::abort();
  U16(static_cast<uint16_t>(v.size()));
  Bytes(v);
}

void ByteWriter::U32Prefixed(absl::string_view v) {
  if (v.size() > 0xffffffffu) std::abort();
  U32(static_cast<uint32_t>(v.size()));
  Bytes(v);
}

}  // namespace keytrail
