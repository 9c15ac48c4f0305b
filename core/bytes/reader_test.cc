#include "core/bytes/reader.h"

#include <string>

#include "gtest/gtest.h"

namespace keytrail {
namespace {

std::string Encoded() {
  ByteWriter w;
  w.U8(0x01);
  w.U16(0x0203);
  w.U32(0x04050607);
  w.U64(0x08090a0b0c0d0e0full);
  w.U8Prefixed("ab");
  w.U16Prefixed("cde");
  w.U32Prefixed("");
  w.Bool(true);
  std::array<uint8_t, 3> arr = {7, 8, 9};
  w.Array(arr);
  return w.Release();
}

// Decodes Encoded(); returns false at the first short read.
bool DecodeAll(absl::string_view data, std::string* fields) {
  ByteReader r(data);
  uint8_t a;
  uint16_t b;
  uint32_t c;
  uint64_t d;
  absl::string_view e, f, g;
  bool h;
  std::array<uint8_t, 3> arr;
  if (!r.ReadU8(&a) || !r.ReadU16(&b) || !r.ReadU32(&c) || !r.ReadU64(&d) ||
      !r.ReadU8Prefixed(&e) || !r.ReadU16Prefixed(&f) || !r.ReadU32Prefixed(&g) ||
      !r.ReadBool(&h) || !r.ReadArray(&arr)) {
    return false;
  }
  if (!r.Finish("test").ok()) return false;
  *fields = std::to_string(a) + "," + std::to_string(b) + "," + std::to_string(c) + "," +
            std::to_string(d) + "," + std::string(e) + "," + std::string(f) + "," + std::string(g) +
            "," + (h ? "t" : "f") + "," + std::to_string(arr[2]);
  return true;
}

TEST(ByteReaderTest, RoundTripsBigEndian) {
  std::string data = Encoded();
  EXPECT_EQ(data.substr(0, 7), std::string("\x01\x02\x03\x04\x05\x06\x07", 7));
  std::string fields;
  ASSERT_TRUE(DecodeAll(data, &fields));
  EXPECT_EQ(fields, "1,515,67438087,579005069656919567,ab,cde,,t,9");
}

TEST(ByteReaderTest, EveryTruncatedPrefixFails) {
  std::string data = Encoded();
  for (size_t n = 0; n < data.size(); ++n) {
    std::string fields;
    EXPECT_FALSE(DecodeAll(data.substr(0, n), &fields)) << "prefix " << n;
  }
}

TEST(ByteReaderTest, TrailingBytesAreRejected) {
  ByteReader r("\x05\x06");
  uint8_t v;
  ASSERT_TRUE(r.ReadU8(&v));
  absl::Status s = r.Finish("thing");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "thing: 1 trailing bytes");
  ASSERT_TRUE(r.ReadU8(&v));
  EXPECT_TRUE(r.Finish("thing").ok());
}

TEST(ByteReaderTest, FailedReadConsumesNothing) {
  // Length prefix says 5, only 2 bytes follow.
  ByteReader r(absl::string_view("\x05xy", 3));
  absl::string_view out;
  EXPECT_FALSE(r.ReadU8Prefixed(&out));
  EXPECT_EQ(r.remaining(), 3u);
  uint32_t u32;
  EXPECT_FALSE(r.ReadU32(&u32));
  EXPECT_EQ(r.remaining(), 3u);
}

TEST(ByteReaderTest, BoolIsCanonical) {
  for (int v = 2; v < 256; ++v) {
    std::string byte(1, static_cast<char>(v));
    ByteReader r(byte);
    bool b;
    EXPECT_FALSE(r.ReadBool(&b)) << v;
  }
  ByteReader r(absl::string_view("\x00", 1));
  bool b = true;
  ASSERT_TRUE(r.ReadBool(&b));
  EXPECT_FALSE(b);
}

TEST(ByteReaderTest, StatusHelpers) {
  absl::Status t = TruncatedError("update entry", "version");
  EXPECT_EQ(t.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.message(), "update entry: truncated at version");
  absl::Status d = AsDataLoss(t, "entry 7");
  EXPECT_EQ(d.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(d.message(), "corrupt entry 7: update entry: truncated at version");
  EXPECT_TRUE(AsDataLoss(absl::OkStatus(), "x").ok());
}

TEST(ByteWriterDeathTest, OversizedPrefixedFieldAborts) {
  EXPECT_DEATH(
      {
        ByteWriter w;
        w.U8Prefixed(std::string(256, 'x'));
      },
      "");
}

}  // namespace
}  // namespace keytrail
