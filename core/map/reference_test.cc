// The reference against trees worked out by hand from the definition.
#include "core/map/reference.h"

#include <vector>

#include "gtest/gtest.h"

namespace keytrail {
namespace map {
namespace {

using Terminal = MapProof::Terminal;

MapLeaf LeafAt(const Hash& index, uint64_t version) {
  return MapLeaf{index, version, Sha256Of(std::string(1, char(version)))};
}

// An index with only the given bit set.
Hash OneBit(int i) {
  Hash h{};
  h[i / 8] = static_cast<uint8_t>(0x80 >> (i % 8));
  return h;
}

TEST(ReferenceTest, EmptyMap) {
  EXPECT_EQ(ReferenceMapRoot({}), EmptyMapHash());
  MapProof p = ReferenceMapProof({}, OneBit(3));
  EXPECT_EQ(p.terminal, Terminal::kEmpty);
  EXPECT_TRUE(p.siblings.empty());
}

TEST(ReferenceTest, OneLeafSitsAtTheRoot) {
  MapLeaf x = LeafAt(OneBit(100), 1);
  EXPECT_EQ(ReferenceMapRoot({x}), MapLeafHash(x));
  MapProof p = ReferenceMapProof({x}, x.index);
  EXPECT_EQ(p.terminal, Terminal::kLeaf);
  EXPECT_TRUE(p.siblings.empty());
  p = ReferenceMapProof({x}, OneBit(0));
  EXPECT_EQ(p.terminal, Terminal::kOtherLeaf);
  EXPECT_TRUE(p.siblings.empty());
  EXPECT_EQ(p.other_leaf, x);
}

TEST(ReferenceTest, TwoLeavesDifferingAtBitZero) {
  MapLeaf zero = LeafAt(Hash{}, 1), one = LeafAt(OneBit(0), 2);
  Hash want = MapNodeHash(MapLeafHash(zero), MapLeafHash(one));
  EXPECT_EQ(ReferenceMapRoot({zero, one}), want);
  EXPECT_EQ(ReferenceMapRoot({one, zero}), want);  // order-free
  MapProof p = ReferenceMapProof({zero, one}, one.index);
  EXPECT_EQ(p.terminal, Terminal::kLeaf);
  EXPECT_EQ(p.siblings, std::vector<Hash>{MapLeafHash(zero)});
}

TEST(ReferenceTest, TwoLeavesDifferingAtBit255) {
  MapLeaf zero = LeafAt(Hash{}, 1), one = LeafAt(OneBit(255), 2);
  Hash want = MapNodeHash(MapLeafHash(zero), MapLeafHash(one));
  for (int i = 0; i < 255; ++i) want = MapNodeHash(want, EmptyMapHash());
  EXPECT_EQ(ReferenceMapRoot({zero, one}), want);

  MapProof p = ReferenceMapProof({zero, one}, zero.index);
  EXPECT_EQ(p.terminal, Terminal::kLeaf);
  ASSERT_EQ(p.siblings.size(), 256u);
  for (int i = 0; i < 255; ++i) EXPECT_EQ(p.siblings[i], EmptyMapHash());
  EXPECT_EQ(p.siblings[255], MapLeafHash(one));

  // An absent index that leaves the shared prefix early ends in an empty
  // subtree just below the fork.
  p = ReferenceMapProof({zero, one}, OneBit(7));
  EXPECT_EQ(p.terminal, Terminal::kEmpty);
  ASSERT_EQ(p.siblings.size(), 8u);
  EXPECT_EQ(p.siblings[7], ReferenceMapHash({zero, one}, 8));
}

TEST(ReferenceTest, ThreeLeaves) {
  // 00..., 010..., 011...: the root's right subtree is empty.
  MapLeaf a = LeafAt(Hash{}, 1), b = LeafAt(OneBit(1), 2);
  Hash c_index = OneBit(1);
  c_index[0] |= 0x20;
  MapLeaf c = LeafAt(c_index, 3);
  Hash want = MapNodeHash(MapNodeHash(MapLeafHash(a), MapNodeHash(MapLeafHash(b), MapLeafHash(c))),
                          EmptyMapHash());
  EXPECT_EQ(ReferenceMapRoot({c, a, b}), want);

  MapProof p = ReferenceMapProof({a, b, c}, OneBit(0));
  EXPECT_EQ(p.terminal, Terminal::kEmpty);
  EXPECT_EQ(p.siblings, std::vector<Hash>{ReferenceMapHash({a, b, c}, 1)});
}

}  // namespace
}  // namespace map
}  // namespace keytrail
