#include "core/map/proof.h"

#include <string>
#include <vector>

#include "core/bytes/encoding.h"
#include "core/map/hasher.h"
#include "core/map/reference.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace map {
namespace {

using Terminal = MapProof::Terminal;

Hash H(absl::string_view s) { return Sha256Of(s); }

MapLeaf NamedLeaf(absl::string_view name, uint64_t version) {
  return MapLeaf{H(name), version, H(std::string("head ") + std::string(name))};
}

// An index with only the given bit set.
Hash OneBit(int i) {
  Hash h{};
  h[i / 8] = static_cast<uint8_t>(0x80 >> (i % 8));
  return h;
}

std::string Hex(absl::string_view s) { return HexEncode(s); }

void ExpectInvalid(const absl::Status& s, absl::string_view substr) {
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find(substr), absl::string_view::npos) << s;
}

// ---------------------------------------------------------------- encoding

TEST(EncodeMapProofTest, LayoutWithBitmap) {
  // depth 3, sibling 2 empty: bitmap 0b0100'0000.
  MapProof p;
  p.terminal = Terminal::kLeaf;
  p.siblings = {H("s1"), EmptyMapHash(), H("s3")};
  std::string enc = EncodeMapProof(p);
  EXPECT_EQ(Hex(enc.substr(0, 5)), "0101000340");
  EXPECT_EQ(enc.substr(5), HashString(H("s1")) + HashString(H("s3")));
}

TEST(EncodeMapProofTest, OtherLeafFollowsTheHeader) {
  MapProof p;
  p.terminal = Terminal::kOtherLeaf;
  p.other_leaf = NamedLeaf("z", 7);
  p.siblings = {H("s1")};
  std::string enc = EncodeMapProof(p);
  EXPECT_EQ(enc, std::string("\x01\x02\x00\x01", 4) + EncodeMapLeaf(p.other_leaf) +
                     std::string(1, '\0') + HashString(H("s1")));
}

TEST(EncodeMapProofTest, EmptyMapProofIsFourBytes) {
  MapProof p;
  EXPECT_EQ(Hex(EncodeMapProof(p)), "01000000");
}

TEST(EncodeMapProofTest, Depth256) {
  MapProof p;
  p.terminal = Terminal::kLeaf;
  p.siblings.assign(256, EmptyMapHash());
  p.siblings[255] = H("x");
  std::string enc = EncodeMapProof(p);
  ASSERT_EQ(enc.size(), 4u + 32 + 32);
  EXPECT_EQ(Hex(enc.substr(0, 4)), "01010100");
  EXPECT_EQ(enc.substr(4, 31), std::string(31, '\xff'));
  EXPECT_EQ(enc[35], '\xfe');
  absl::StatusOr<MapProof> got = DecodeMapProof(enc);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, p);
}

TEST(EncodeMapProofTest, InvalidStructAborts) {
  MapProof p;
  p.terminal = static_cast<Terminal>(3);
  EXPECT_DEATH(EncodeMapProof(p), "");
  p.terminal = Terminal::kLeaf;
  p.siblings.assign(257, H("x"));
  EXPECT_DEATH(EncodeMapProof(p), "");
}

// Proofs of every kind, from a map that holds "a".."e".
std::vector<MapLeaf> FiveLeaves() {
  std::vector<MapLeaf> leaves;
  for (const char* n : {"a", "b", "c", "d", "e"}) {
    leaves.push_back(NamedLeaf(n, leaves.size() + 1));
  }
  return leaves;
}

std::vector<MapProof> SampleProofs() {
  std::vector<MapLeaf> leaves = FiveLeaves();
  std::vector<MapProof> out;
  for (const MapLeaf& l : leaves) out.push_back(ReferenceMapProof(leaves, l.index));
  for (const char* n : {"f", "m"}) {  // other leaf, empty (see map_golden.py)
    out.push_back(ReferenceMapProof(leaves, H(n)));
  }
  out.push_back(ReferenceMapProof({}, H("a")));
  return out;
}

TEST(DecodeMapProofTest, RoundTrips) {
  for (const MapProof& p : SampleProofs()) {
    std::string enc = EncodeMapProof(p);
    absl::StatusOr<MapProof> got = DecodeMapProof(enc);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, p);
    EXPECT_EQ(EncodeMapProof(*got), enc);
  }
}

TEST(DecodeMapProofTest, EveryTruncatedPrefixFails) {
  for (const MapProof& p : SampleProofs()) {
    std::string enc = EncodeMapProof(p);
    for (size_t n = 0; n < enc.size(); ++n) {
      absl::Status s = DecodeMapProof(enc.substr(0, n)).status();
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument)
          << "prefix " << n << " of " << Hex(enc);
    }
  }
}

TEST(DecodeMapProofTest, TrailingByteFails) {
  for (const MapProof& p : SampleProofs()) {
    ExpectInvalid(DecodeMapProof(EncodeMapProof(p) + '\0').status(), "1 trailing bytes");
  }
}

TEST(DecodeMapProofTest, BadHeaderFields) {
  ExpectInvalid(DecodeMapProof(std::string("\x00\x00\x00\x00", 4)).status(), "unknown format 0");
  ExpectInvalid(DecodeMapProof(std::string("\x02\x00\x00\x00", 4)).status(), "unknown format 2");
  ExpectInvalid(DecodeMapProof(std::string("\x01\x03\x00\x00", 4)).status(), "unknown terminal 3");
  ExpectInvalid(DecodeMapProof(std::string("\x01\xff\x00\x00", 4)).status(),
                "unknown terminal 255");
  // Depth 257, followed by everything a depth-257 proof would need.
  std::string enc("\x01\x00\x01\x01", 4);
  enc += std::string(33, '\xff');
  enc[4 + 32] = '\x80';
  ExpectInvalid(DecodeMapProof(enc).status(), "depth 257 exceeds 256");
  ExpectInvalid(DecodeMapProof(std::string("\x01\x00\xff\xff", 4)).status(),
                "depth 65535 exceeds 256");
}

TEST(DecodeMapProofTest, NonzeroBitmapPaddingFails) {
  // depth 3: bits 3..7 of the bitmap byte are padding.
  MapProof p;
  p.terminal = Terminal::kLeaf;
  p.siblings = {H("s1"), H("s2"), H("s3")};
  std::string enc = EncodeMapProof(p);
  ASSERT_TRUE(DecodeMapProof(enc).ok());
  for (int bit = 3; bit < 8; ++bit) {
    std::string bad = enc;
    bad[4] = static_cast<char>(0x80 >> bit);
    ExpectInvalid(DecodeMapProof(bad).status(), "nonzero bitmap padding");
  }
}

TEST(DecodeMapProofTest, ListedZeroSiblingFails) {
  // The same siblings as {s1, empty}, but with the empty one listed as 32
  // zero bytes instead of flagged: a second spelling.
  MapProof p;
  p.terminal = Terminal::kLeaf;
  p.siblings = {H("s1"), H("s2")};
  std::string enc = EncodeMapProof(p);
  std::string bad = enc.substr(0, 5 + 32) + std::string(32, '\0');
  ExpectInvalid(DecodeMapProof(bad).status(),
                "sibling at depth 2 is 32 zero bytes but not marked empty");
}

// ------------------------------------------------------------ verification

class VerifyTest : public testing::Test {
 protected:
  std::vector<MapLeaf> leaves_ = FiveLeaves();
  Hash root_ = ReferenceMapRoot(leaves_);
};

TEST_F(VerifyTest, MembershipOfEveryLeaf) {
  for (const MapLeaf& l : leaves_) {
    MapProof p = ReferenceMapProof(leaves_, l.index);
    ASSERT_EQ(p.terminal, Terminal::kLeaf);
    EXPECT_TRUE(VerifyMapMembership(root_, l, p).ok());
    absl::StatusOr<Hash> r = MapRootFromProof(l.index, &l, p);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, root_);
  }
}

TEST_F(VerifyTest, NonMembershipBothKinds) {
  MapProof other = ReferenceMapProof(leaves_, H("f"));
  MapProof empty = ReferenceMapProof(leaves_, H("m"));
  ASSERT_EQ(other.terminal, Terminal::kOtherLeaf);
  ASSERT_EQ(empty.terminal, Terminal::kEmpty);
  EXPECT_TRUE(VerifyMapNonMembership(root_, H("f"), other).ok());
  EXPECT_TRUE(VerifyMapNonMembership(root_, H("m"), empty).ok());
}

TEST_F(VerifyTest, WrongLeafFails) {
  const MapLeaf& l = leaves_[1];
  MapProof p = ReferenceMapProof(leaves_, l.index);
  MapLeaf bad = l;
  bad.version++;
  ExpectInvalid(VerifyMapMembership(root_, bad, p), "root mismatch");
  bad = l;
  bad.head[0] ^= 0x01;
  ExpectInvalid(VerifyMapMembership(root_, bad, p), "root mismatch");
  // A leaf the map does not hold, with another leaf's proof.
  for (const MapLeaf& other : leaves_) {
    if (other == l) continue;
    ExpectInvalid(VerifyMapMembership(root_, other, p), "root mismatch");
  }
}

TEST_F(VerifyTest, ProofForAnotherIndexFails) {
  // Flipping any one of the first d bits of the index sends the fold down
  // another path.
  for (const char* n : {"f", "m"}) {
    MapProof p = ReferenceMapProof(leaves_, H(n));
    for (size_t i = 0; i < p.siblings.size(); ++i) {
      Hash y = H(n);
      y[i / 8] ^= static_cast<uint8_t>(0x80 >> (i % 8));
      absl::Status s = VerifyMapNonMembership(root_, y, p);
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << n << i;
    }
  }
  MapLeaf moved = leaves_[0];
  moved.index[0] ^= 0x80;
  ExpectInvalid(VerifyMapMembership(root_, moved, ReferenceMapProof(leaves_, leaves_[0].index)),
                "root mismatch");
}

TEST_F(VerifyTest, FlippedSiblingBitFails) {
  for (const MapLeaf& l : leaves_) {
    MapProof good = ReferenceMapProof(leaves_, l.index);
    for (size_t i = 0; i < good.siblings.size(); ++i) {
      for (int bit = 0; bit < 256; ++bit) {
        MapProof p = good;
        p.siblings[i][bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
        EXPECT_EQ(VerifyMapMembership(root_, l, p).code(), absl::StatusCode::kInvalidArgument);
      }
    }
  }
}

// Every single-bit change to an encoded proof makes it fail to decode or to
// verify.
TEST_F(VerifyTest, FlippedEncodedBitFails) {
  struct Case {
    Hash index;
    const MapLeaf* leaf;
  };
  std::vector<Case> cases = {{H("f"), nullptr}, {H("m"), nullptr}};
  for (const MapLeaf& l : leaves_) cases.push_back({l.index, &l});
  for (const Case& c : cases) {
    std::string enc = EncodeMapProof(ReferenceMapProof(leaves_, c.index));
    for (size_t bit = 0; bit < 8 * enc.size(); ++bit) {
      std::string bad = enc;
      bad[bit / 8] ^= static_cast<char>(1 << (bit % 8));
      absl::StatusOr<MapProof> p = DecodeMapProof(bad);
      if (!p.ok()) {
        EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
        continue;
      }
      absl::Status s = c.leaf ? VerifyMapMembership(root_, *c.leaf, *p)
                              : VerifyMapNonMembership(root_, c.index, *p);
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bit;
    }
  }
}

TEST_F(VerifyTest, TerminalMustMatchTheClaim) {
  const MapLeaf& l = leaves_[0];
  MapProof member = ReferenceMapProof(leaves_, l.index);
  ExpectInvalid(VerifyMapNonMembership(root_, l.index, member), "does not prove non-membership");
  MapProof absent = ReferenceMapProof(leaves_, H("m"));
  MapLeaf m{H("m"), 1, H("head m")};
  ExpectInvalid(VerifyMapMembership(root_, m, absent), "terminal 0 does not prove membership");
  absent = ReferenceMapProof(leaves_, H("f"));
  m.index = H("f");
  ExpectInvalid(VerifyMapMembership(root_, m, absent), "terminal 2 does not prove membership");
  // Relabelling a membership proof as empty/other, or vice versa, changes
  // the hash it folds from.
  MapProof relabelled = member;
  relabelled.terminal = Terminal::kEmpty;
  ExpectInvalid(VerifyMapNonMembership(root_, l.index, relabelled), "root mismatch");
}

TEST_F(VerifyTest, LeafArgumentMustMatchTerminal) {
  const MapLeaf& l = leaves_[0];
  MapProof member = ReferenceMapProof(leaves_, l.index);
  ExpectInvalid(MapRootFromProof(l.index, nullptr, member).status(),
                "terminal leaf needs the leaf");
  ExpectInvalid(MapRootFromProof(leaves_[1].index, &l, member).status(), "leaf index differs");
  MapProof absent = ReferenceMapProof(leaves_, H("m"));
  ExpectInvalid(MapRootFromProof(H("m"), &l, absent).status(),
                "a leaf was given for a non-leaf terminal");
}

TEST_F(VerifyTest, OtherLeafMustBeAnotherIndexInTheSubtree) {
  Hash y = H("f");
  MapProof good = ReferenceMapProof(leaves_, y);
  ASSERT_EQ(good.terminal, Terminal::kOtherLeaf);
  ASSERT_GT(good.siblings.size(), 0u);

  MapProof p = good;
  p.other_leaf.index = y;
  ExpectInvalid(VerifyMapNonMembership(root_, y, p), "other leaf has the proven index");

  // Flip bit 0 of z: it no longer shares the first d >= 1 bits with y.
  p = good;
  p.other_leaf.index[0] ^= 0x80;
  ExpectInvalid(VerifyMapNonMembership(root_, y, p), "other leaf shares 0 bits");

  // With a hand-made root, a leaf outside the subtree would otherwise pass:
  // the shape check, not the root, is what rejects it.
  MapProof lone;
  lone.terminal = Terminal::kOtherLeaf;
  lone.other_leaf = NamedLeaf("z", 1);
  lone.other_leaf.index = OneBit(0);  // bit 0 = 1
  lone.siblings = {H("sibling")};
  Hash fake_root = MapNodeHash(MapLeafHash(lone.other_leaf), H("sibling"));
  // y = 0...0 walks left at depth 0; z walks right.
  ExpectInvalid(VerifyMapNonMembership(fake_root, Hash{}, lone),
                "other leaf shares 0 bits with the index, want at least 1");
}

TEST_F(VerifyTest, CanonicalShape) {
  // Last sibling empty: the walk would have stopped a level up.
  const MapLeaf& l = leaves_[0];
  MapProof p = ReferenceMapProof(leaves_, l.index);
  p.siblings.push_back(EmptyMapHash());
  ExpectInvalid(VerifyMapMembership(root_, l, p), "is empty; the walk stops above it");

  // A lone leaf at the root, "proved" one level down: non-canonical.
  MapLeaf x{Hash{}, 1, H("h")};
  MapProof deep;
  deep.terminal = Terminal::kLeaf;
  deep.siblings = {EmptyMapHash()};
  ExpectInvalid(VerifyMapMembership(MapNodeHash(MapLeafHash(x), Hash{}), x, deep),
                "last sibling (depth 1) is empty");

  // Empty terminal at depth 256.
  MapProof empty256;
  empty256.terminal = Terminal::kEmpty;
  empty256.siblings.assign(256, EmptyMapHash());
  empty256.siblings[255] = H("s");
  ExpectInvalid(MapRootFromProof(Hash{}, nullptr, empty256).status(),
                "empty terminal at depth 256");
  ExpectInvalid(VerifyMapNonMembership(root_, Hash{}, empty256), "empty terminal at depth 256");

  // Depth above 256 and unknown terminals, in a struct built by hand.
  MapProof too_deep;
  too_deep.terminal = Terminal::kEmpty;
  too_deep.siblings.assign(257, H("s"));
  ExpectInvalid(MapRootFromProof(Hash{}, nullptr, too_deep).status(), "depth 257 exceeds 256");
  MapProof unknown;
  unknown.terminal = static_cast<Terminal>(3);
  ExpectInvalid(MapRootFromProof(Hash{}, nullptr, unknown).status(), "unknown terminal 3");
}

TEST(VerifyDepth256Test, LeavesDifferingInTheLastBit) {
  MapLeaf a{Hash{}, 1, H("ha")}, b{OneBit(255), 2, H("hb")};
  std::vector<MapLeaf> leaves = {a, b};
  Hash root = ReferenceMapRoot(leaves);
  for (const MapLeaf& l : leaves) {
    MapProof p = ReferenceMapProof(leaves, l.index);
    ASSERT_EQ(p.siblings.size(), 256u);
    EXPECT_TRUE(VerifyMapMembership(root, l, p).ok());
    absl::StatusOr<MapProof> decoded = DecodeMapProof(EncodeMapProof(p));
    ASSERT_TRUE(decoded.ok());
    EXPECT_TRUE(VerifyMapMembership(root, l, *decoded).ok());
  }
  // Absent indexes: one splitting off at bit 200 (empty terminal), and
  // neither leaf's proof works for the other leaf.
  Hash y = OneBit(200);
  MapProof p = ReferenceMapProof(leaves, y);
  EXPECT_EQ(p.terminal, Terminal::kEmpty);
  EXPECT_EQ(p.siblings.size(), 201u);
  EXPECT_TRUE(VerifyMapNonMembership(root, y, p).ok());
  ExpectInvalid(VerifyMapMembership(root, b, ReferenceMapProof(leaves, a.index)), "root mismatch");
}

}  // namespace
}  // namespace map
}  // namespace keytrail
