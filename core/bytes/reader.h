// ByteReader and ByteWriter: the one bounds-checked way keytrail reads and
// writes binary encodings (in the spirit of BoringSSL's CBS/CBB).
//
// Every byte that arrives from the network or from disk is parsed with a
// ByteReader. Integers are big-endian and fixed-width; variable-length fields
// carry an explicit length prefix. A decoder built on ByteReader must:
//   - check every Read*() result (they are [[nodiscard]]),
//   - end with Finish() so trailing bytes are rejected,
//   - reject any encoding that is not the one canonical form of its value.
//
// Owned byte strings are std::string (as protobuf and RocksDB use them);
// views are absl::string_view. Neither class is thread-safe; a ByteReader
// only views the caller's buffer, which must outlive it.
#ifndef KEYTRAIL_CORE_BYTES_READER_H_
#define KEYTRAIL_CORE_BYTES_READER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace keytrail {

class ByteReader {
 public:
  explicit ByteReader(absl::string_view data) : data_(data) {}

  size_t remaining() const { return data_.size(); }
  bool empty() const { return data_.empty(); }

  // Each Read*() consumes the value and returns true, or returns false and
  // consumes nothing when fewer bytes remain than the value needs.
  [[nodiscard]] bool ReadU8(uint8_t* out);
  [[nodiscard]] bool ReadU16(uint16_t* out);
  [[nodiscard]] bool ReadU32(uint32_t* out);
  [[nodiscard]] bool ReadU64(uint64_t* out);
  // Reads exactly n bytes. The view points into the reader's buffer.
  [[nodiscard]] bool ReadBytes(size_t n, absl::string_view* out);
  template <size_t N>
  [[nodiscard]] bool ReadArray(std::array<uint8_t, N>* out) {
    absl::string_view v;
    if (!ReadBytes(N, &v)) return false;
    for (size_t i = 0; i < N; ++i) (*out)[i] = static_cast<uint8_t>(v[i]);
    return true;
  }
  // A field preceded by its length as a big-endian u8/u16/u32. On false
  // (prefix or body truncated) nothing is consumed.
  [[nodiscard]] bool ReadU8Prefixed(absl::string_view* out);
  [[nodiscard]] bool ReadU16Prefixed(absl::string_view* out);
  [[nodiscard]] bool ReadU32Prefixed(absl::string_view* out);
  // Reads a u8 that must be 0 or 1.
  [[nodiscard]] bool ReadBool(bool* out);

  // OK when every byte was consumed; otherwise InvalidArgument naming `what`
  // and the number of trailing bytes.
  absl::Status Finish(absl::string_view what) const;

 private:
  absl::string_view data_;
};

// The InvalidArgument status a decoder returns when `field` of `what` is cut
// short: "<what>: truncated at <field>".
absl::Status TruncatedError(absl::string_view what, absl::string_view field);

// Bytes read back from keytrail's own storage that fail to decode mean the
// storage is damaged: re-labels a decoder error as DataLoss, keeping its
// message and naming where the bytes came from. OK stays OK.
absl::Status AsDataLoss(const absl::Status& status, absl::string_view where);

class ByteWriter {
 public:
  ByteWriter() = default;
  // Appends to *out (not owned; must outlive the writer).
  explicit ByteWriter(std::string* out) : out_(out) {}
  ByteWriter(const ByteWriter&) = delete;
  ByteWriter& operator=(const ByteWriter&) = delete;

  void U8(uint8_t v);
  void U16(uint16_t v);
  void U32(uint32_t v);
  void U64(uint64_t v);
  void Bytes(absl::string_view v);
  template <size_t N>
  void Array(const std::array<uint8_t, N>& v) {
    out_->append(reinterpret_cast<const char*>(v.data()), N);
  }
  // Length-prefixed fields. REQUIRES: v fits the prefix (callers validate
  // lengths against protocol limits before encoding; an oversized field is a
  // programming error and aborts).
  void U8Prefixed(absl::string_view v);
  void U16Prefixed(absl::string_view v);
  void U32Prefixed(absl::string_view v);
  void Bool(bool v) { U8(v ? 1 : 0); }

  // The bytes written so far (only for a writer that owns its buffer).
  const std::string& data() const { return *out_; }
  std::string Release() { return std::move(*out_); }

 private:
  std::string own_;
  std::string* out_ = &own_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_BYTES_READER_H_
