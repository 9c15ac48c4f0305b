#include "core/map/hasher.h"

#include <string>

#include "core/bytes/encoding.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace map {
namespace {

Hash Filled(uint8_t first, uint8_t rest) {
  Hash h;
  h.fill(rest);
  h[0] = first;
  return h;
}

MapLeaf SampleLeaf() {
  return MapLeaf{Filled(0xa1, 0x11), 0x0102030405060708ull, Filled(0xb2, 0x22)};
}

TEST(MapLeafTest, EncodingLayout) {
  MapLeaf leaf = SampleLeaf();
  std::string enc = EncodeMapLeaf(leaf);
  ASSERT_EQ(enc.size(), kMapLeafSize);
  EXPECT_EQ(enc.substr(0, 32), HashString(leaf.index));
  EXPECT_EQ(enc.substr(32, 8), std::string("\x01\x02\x03\x04\x05\x06\x07\x08"));
  EXPECT_EQ(enc.substr(40, 32), HashString(leaf.head));
}

TEST(MapLeafTest, RoundTrips) {
  MapLeaf leaf = SampleLeaf();
  absl::StatusOr<MapLeaf> got = DecodeMapLeaf(EncodeMapLeaf(leaf));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, leaf);
}

TEST(MapLeafTest, WrongLengthIsInvalidArgument) {
  std::string enc = EncodeMapLeaf(SampleLeaf());
  for (size_t n = 0; n < enc.size(); ++n) {
    EXPECT_EQ(DecodeMapLeaf(enc.substr(0, n)).status().code(), absl::StatusCode::kInvalidArgument)
        << "prefix " << n;
  }
  absl::Status s = DecodeMapLeaf(enc + "x").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "map leaf: length 73, want 72");
}

TEST(MapLeafTest, EqualityComparesEveryField) {
  MapLeaf a = SampleLeaf(), b = a;
  EXPECT_EQ(a, b);
  b.version++;
  EXPECT_NE(a, b);
  b = a;
  b.head[31] ^= 1;
  EXPECT_NE(a, b);
  b = a;
  b.index[31] ^= 1;
  EXPECT_NE(a, b);
}

// The domain bytes, checked against SHA-256 over bytes assembled by hand.
TEST(MapHashTest, LeafHashIsPrefix10OverMapLeaf) {
  MapLeaf leaf = SampleLeaf();
  std::string msg = "\x10" + HashString(leaf.index) +
                    std::string("\x01\x02\x03\x04\x05\x06\x07\x08") + HashString(leaf.head);
  ASSERT_EQ(msg.size(), 73u);
  EXPECT_EQ(MapLeafHash(leaf), Sha256Of(msg));
}

TEST(MapHashTest, NodeHashIsPrefix11OverChildren) {
  Hash l = Filled(1, 2), r = Filled(3, 4);
  std::string msg = "\x11" + HashString(l) + HashString(r);
  EXPECT_EQ(MapNodeHash(l, r), Sha256Of(msg));
  EXPECT_NE(MapNodeHash(l, r), MapNodeHash(r, l));
}

// Pins the hashes to fixed bytes, so a change to the hashing code that the
// hand-assembled tests above would share cannot pass unnoticed. Values from
// Python: hashlib.sha256(bytes([0x10]) + bytes(72)).hexdigest() and
// hashlib.sha256(bytes([0x11]) + bytes(64)).hexdigest().
TEST(MapHashTest, KnownAnswers) {
  EXPECT_EQ(HexEncode(HashView(MapLeafHash(MapLeaf{}))),
            "b89c2e762872604890346ebefee04ccf1370f22036f64abe7c0fa19f6077aa9b");
  EXPECT_EQ(HexEncode(HashView(MapNodeHash(Hash{}, Hash{}))),
            "3abddd594d884ff661d24666372d9fe669a1ec9e616401db6bd2edeb3c397143");
}

TEST(MapHashTest, EmptyIsZeros) {
  Hash zero;
  zero.fill(0);
  EXPECT_EQ(EmptyMapHash(), zero);
}

TEST(IndexBitTest, BitZeroIsMostSignificantOfFirstByte) {
  Hash h{};
  h[0] = 0x80;
  h[1] = 0x01;
  h[31] = 0x01;
  for (int i = 0; i < kIndexBits; ++i) {
    bool want = i == 0 || i == 15 || i == 255;
    EXPECT_EQ(IndexBit(h, i), want) << "bit " << i;
  }
}

TEST(IndexBitTest, OutOfRangeAborts) {
  Hash h{};
  EXPECT_DEATH(IndexBit(h, 256), "");
  EXPECT_DEATH(IndexBit(h, -1), "");
}

TEST(CommonPrefixBitsTest, CountsLeadingSharedBits) {
  Hash a{};
  EXPECT_EQ(CommonPrefixBits(a, a), 256);
  for (int i = 0; i < kIndexBits; ++i) {
    Hash b = a;
    b[i / 8] ^= static_cast<uint8_t>(0x80 >> (i % 8));
    EXPECT_EQ(CommonPrefixBits(a, b), i);
    EXPECT_EQ(CommonPrefixBits(b, a), i);
    // Later differences do not matter.
    b[31] ^= 0x01;
    EXPECT_EQ(CommonPrefixBits(a, b), i == 255 ? 256 : i);
  }
}

}  // namespace
}  // namespace map
}  // namespace keytrail
