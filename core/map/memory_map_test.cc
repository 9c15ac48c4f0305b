#include "core/map/memory_map.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/bytes/encoding.h"
#include "core/map/hasher.h"
#include "core/map/proof.h"
#include "core/map/reference.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace map {
namespace {

using Terminal = MapProof::Terminal;

Hash OneBit(int i) {
  Hash h{};
  h[i / 8] = static_cast<uint8_t>(0x80 >> (i % 8));
  return h;
}

void FlipBit(Hash* h, int i) { (*h)[i / 8] ^= static_cast<uint8_t>(0x80 >> (i % 8)); }

MapLeaf LeafFor(const Hash& index, uint64_t version) {
  MapLeaf leaf{index, version, Sha256Of(HashString(index) + "head")};
  return leaf;
}

MemoryMap MapOf(const std::vector<MapLeaf>& leaves) {
  MemoryMap m;
  for (const MapLeaf& l : leaves) m.Set(l);
  return m;
}

TEST(MemoryMapTest, EmptyMap) {
  MemoryMap m;
  EXPECT_EQ(m.size(), 0u);
  EXPECT_EQ(m.Root(), EmptyMapHash());
  EXPECT_FALSE(m.Get(Hash{}).has_value());
  MapProof p = m.Prove(Hash{});
  EXPECT_EQ(p.terminal, Terminal::kEmpty);
  EXPECT_TRUE(p.siblings.empty());
  EXPECT_TRUE(VerifyMapNonMembership(EmptyMapHash(), Hash{}, p).ok());
}

TEST(MemoryMapTest, OneLeafRootIsItsLeafHash) {
  MapLeaf x = LeafFor(Sha256Of("x"), 3);
  MemoryMap m = MapOf({x});
  EXPECT_EQ(m.Root(), MapLeafHash(x));
  MapProof p = m.Prove(x.index);
  EXPECT_EQ(p.terminal, Terminal::kLeaf);
  EXPECT_TRUE(p.siblings.empty());
  EXPECT_TRUE(VerifyMapMembership(m.Root(), x, p).ok());
  p = m.Prove(Sha256Of("y"));
  EXPECT_EQ(p.terminal, Terminal::kOtherLeaf);
  EXPECT_EQ(p.other_leaf, x);
  EXPECT_TRUE(VerifyMapNonMembership(m.Root(), Sha256Of("y"), p).ok());
}

TEST(MemoryMapTest, SetReplacesByIndex) {
  MapLeaf x = LeafFor(Sha256Of("x"), 1);
  MemoryMap m = MapOf({x, LeafFor(Sha256Of("y"), 1)});
  Hash before = m.Root();
  MapLeaf x2 = x;
  x2.version = 2;
  x2.head = Sha256Of("new head");
  m.Set(x2);
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(m.Get(x.index), x2);
  EXPECT_NE(m.Root(), before);
  EXPECT_EQ(m.Root(), ReferenceMapRoot({x2, LeafFor(Sha256Of("y"), 1)}));
  EXPECT_TRUE(VerifyMapMembership(m.Root(), x2, m.Prove(x.index)).ok());
  EXPECT_FALSE(VerifyMapMembership(m.Root(), x, m.Prove(x.index)).ok());
}

TEST(MemoryMapTest, TwoLeavesDifferingAtBitZero) {
  MapLeaf a = LeafFor(Hash{}, 1), b = LeafFor(OneBit(0), 1);
  MemoryMap m = MapOf({b, a});
  EXPECT_EQ(m.Root(), MapNodeHash(MapLeafHash(a), MapLeafHash(b)));
}

TEST(MemoryMapTest, TwoLeavesDifferingAtBit255) {
  MapLeaf a = LeafFor(Hash{}, 1), b = LeafFor(OneBit(255), 1);
  MemoryMap m = MapOf({a, b});
  Hash want = MapNodeHash(MapLeafHash(a), MapLeafHash(b));
  for (int i = 0; i < 255; ++i) want = MapNodeHash(want, EmptyMapHash());
  EXPECT_EQ(m.Root(), want);
  for (const MapLeaf& l : {a, b}) {
    MapProof p = m.Prove(l.index);
    ASSERT_EQ(p.siblings.size(), 256u);
    EXPECT_EQ(p.siblings[255], MapLeafHash(l == a ? b : a));
    EXPECT_TRUE(VerifyMapMembership(want, l, p).ok());
    absl::StatusOr<MapProof> decoded = DecodeMapProof(EncodeMapProof(p));
    ASSERT_TRUE(decoded.ok());
    EXPECT_TRUE(VerifyMapMembership(want, l, *decoded).ok());
  }
}

// ------------------------------------------------- against the reference

struct Stats {
  int proofs[3] = {0, 0, 0};  // by terminal
  int depth256 = 0;
};

// Checks one proof from `m` against the reference and the verifier, and its
// encoding round trip.
void CheckProof(const MemoryMap& m, const std::vector<MapLeaf>& leaves, const Hash& root,
                const Hash& index, Stats* stats) {
  MapProof p = m.Prove(index);
  ASSERT_EQ(p, ReferenceMapProof(leaves, index)) << HashHex(index);
  std::optional<MapLeaf> leaf = m.Get(index);
  auto verify = [&](const MapProof& proof) {
    return leaf ? VerifyMapMembership(root, *leaf, proof)
                : VerifyMapNonMembership(root, index, proof);
  };
  EXPECT_EQ(p.terminal == Terminal::kLeaf, leaf.has_value());
  EXPECT_TRUE(verify(p).ok()) << verify(p) << " " << HashHex(index);
  std::string enc = EncodeMapProof(p);
  absl::StatusOr<MapProof> decoded = DecodeMapProof(enc);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, p);
  EXPECT_EQ(EncodeMapProof(*decoded), enc);
  EXPECT_TRUE(verify(*decoded).ok());
  stats->proofs[static_cast<int>(p.terminal)]++;
  if (p.siblings.size() == 256) stats->depth256++;
}

// Builds the map in a shuffled order and checks root, every leaf's proof and
// proofs for absent indexes near and far from the leaves.
void CheckAgainstReference(std::vector<Hash> indexes, std::mt19937_64* rng, Stats* stats) {
  std::sort(indexes.begin(), indexes.end());
  indexes.erase(std::unique(indexes.begin(), indexes.end()), indexes.end());
  std::vector<MapLeaf> leaves;
  for (const Hash& i : indexes) leaves.push_back(LeafFor(i, (*rng)() % 100 + 1));
  std::shuffle(leaves.begin(), leaves.end(), *rng);
  MemoryMap m = MapOf(leaves);
  ASSERT_EQ(m.size(), leaves.size());
  Hash root = m.Root();
  ASSERT_EQ(root, ReferenceMapRoot(leaves)) << leaves.size() << " leaves";

  std::set<Hash> present(indexes.begin(), indexes.end());
  std::vector<Hash> absent;
  for (const MapLeaf& l : leaves) {
    CheckProof(m, leaves, root, l.index, stats);
    Hash near = l.index;  // shares a random-length prefix with a leaf
    FlipBit(&near, static_cast<int>((*rng)() % 256));
    absent.push_back(near);
  }
  for (int i = 0; i < 5; ++i) {
    Hash far;
    for (uint8_t& b : far) b = static_cast<uint8_t>((*rng)());
    absent.push_back(far);
  }
  for (const Hash& y : absent) {
    if (present.count(y) == 0) CheckProof(m, leaves, root, y, stats);
  }
}

std::vector<Hash> RandomIndexes(size_t n, std::mt19937_64* rng) {
  std::vector<Hash> out(n);
  for (Hash& h : out) {
    for (uint8_t& b : h) b = static_cast<uint8_t>((*rng)());
  }
  return out;
}

// Indexes in a few clusters, each sharing a long prefix (up to all but the
// last bit), so paths run deep and most siblings are empty.
std::vector<Hash> ClusteredIndexes(size_t n, std::mt19937_64* rng) {
  std::vector<Hash> bases = RandomIndexes(1 + (*rng)() % 4, rng);
  std::vector<Hash> out;
  for (size_t i = 0; i < n; ++i) {
    Hash h = bases[(*rng)() % bases.size()];
    // Keep the first `keep` bits, flip the next, randomize a few after it.
    int keep = 180 + static_cast<int>((*rng)() % 76);  // 180..255
    FlipBit(&h, keep);
    for (int b = keep + 1; b < 256 && b < keep + 4; ++b) {
      if ((*rng)() & 1) FlipBit(&h, b);
    }
    out.push_back(h);
  }
  return out;
}

std::vector<size_t> Sizes() {
  std::vector<size_t> sizes;
  for (size_t n = 0; n <= 40; ++n) sizes.push_back(n);
  for (size_t n : {64, 100, 150, 300}) sizes.push_back(n);
  return sizes;
}

TEST(MemoryMapVsReferenceTest, RandomIndexes) {
  std::mt19937_64 rng(1);
  Stats stats;
  for (size_t n : Sizes()) {
    CheckAgainstReference(RandomIndexes(n, &rng), &rng, &stats);
  }
  EXPECT_GT(stats.proofs[0], 0);
  EXPECT_GT(stats.proofs[1], 0);
  EXPECT_GT(stats.proofs[2], 0);
}

TEST(MemoryMapVsReferenceTest, ClusteredIndexes) {
  std::mt19937_64 rng(2);
  Stats stats;
  for (size_t n : Sizes()) {
    CheckAgainstReference(ClusteredIndexes(n, &rng), &rng, &stats);
  }
  EXPECT_GT(stats.proofs[0], 0);
  EXPECT_GT(stats.proofs[1], 0);
  EXPECT_GT(stats.proofs[2], 0);
  EXPECT_GT(stats.depth256, 0);
}

// Every bit pattern of the last 6 bits: a full subtree at depth 250.
TEST(MemoryMapVsReferenceTest, DenseLastBits) {
  std::mt19937_64 rng(3);
  std::vector<Hash> indexes;
  Hash base = RandomIndexes(1, &rng)[0];
  for (int v = 0; v < 64; v += 1 + (v % 3 == 0)) {
    Hash h = base;
    h[31] = static_cast<uint8_t>((h[31] & 0xc0) | v);
    indexes.push_back(h);
  }
  Stats stats;
  CheckAgainstReference(indexes, &rng, &stats);
  EXPECT_GT(stats.depth256, 0);
}

// ------------------------------------------------------- static helpers

TEST(SubtreeHashTest, MatchesReferenceOnSubranges) {
  std::mt19937_64 rng(4);
  std::vector<Hash> indexes = ClusteredIndexes(200, &rng);
  std::sort(indexes.begin(), indexes.end());
  indexes.erase(std::unique(indexes.begin(), indexes.end()), indexes.end());
  std::vector<MapLeaf> sorted;
  for (const Hash& i : indexes) sorted.push_back(LeafFor(i, 1));
  for (int trial = 0; trial < 200; ++trial) {
    const Hash& pivot = sorted[rng() % sorted.size()].index;
    int depth = static_cast<int>(rng() % 257);
    // The leaves that share the pivot's first `depth` bits: a contiguous run.
    auto first = std::find_if(sorted.begin(), sorted.end(), [&](const MapLeaf& l) {
      return CommonPrefixBits(l.index, pivot) >= depth;
    });
    auto last = std::find_if(first, sorted.end(), [&](const MapLeaf& l) {
      return CommonPrefixBits(l.index, pivot) < depth;
    });
    std::vector<MapLeaf> sub(first, last);
    EXPECT_EQ(MemoryMap::SubtreeHash(sub, depth), ReferenceMapHash(sub, depth)) << depth;
  }
  EXPECT_EQ(MemoryMap::SubtreeHash({}, 17), EmptyMapHash());
  EXPECT_EQ(MemoryMap::SubtreeHash(sorted, 0), ReferenceMapRoot(sorted));
}

TEST(SubtreeHashTest, PreconditionsAreChecked) {
  MapLeaf a = LeafFor(Hash{}, 1), b = LeafFor(OneBit(3), 1);
  std::vector<MapLeaf> unsorted = {b, a}, duplicate = {a, a};
  EXPECT_DEATH(MemoryMap::SubtreeHash(unsorted, 0), "");
  EXPECT_DEATH(MemoryMap::SubtreeHash(duplicate, 0), "");
  EXPECT_DEATH(MemoryMap::SubtreeHash({a, b}, 4), "");  // differ at bit 3
  EXPECT_DEATH(MemoryMap::SubtreeHash({a}, 257), "");
  EXPECT_DEATH(MemoryMap::ProveSorted(unsorted, Hash{}), "");
  EXPECT_FALSE(MemoryMap::IsSortedSubtree(unsorted, 0));
  EXPECT_FALSE(MemoryMap::IsSortedSubtree(duplicate, 0));
  EXPECT_FALSE(MemoryMap::IsSortedSubtree({a, b}, 4));
  EXPECT_FALSE(MemoryMap::IsSortedSubtree({a}, 257));
  EXPECT_FALSE(MemoryMap::IsSortedSubtree({}, -1));
  EXPECT_TRUE(MemoryMap::IsSortedSubtree({a, b}, 3));
  EXPECT_TRUE(MemoryMap::IsSortedSubtree({a}, 256));
  EXPECT_TRUE(MemoryMap::IsSortedSubtree({}, 0));
  EXPECT_EQ(MemoryMap::SubtreeHash({a, b}, 3), ReferenceMapHash({a, b}, 3));
}

// ------------------------------------------------------------- golden

// The map of core/map/testdata/map_golden.py: leaves "a".."e", leaf i with
// index SHA-256(name), version i+1, head SHA-256("head " + name). The
// expected values are that script's output (python3 map_golden.py), an
// independent transcription of docs/PROTOCOL.md using only hashlib.
std::vector<MapLeaf> GoldenLeaves() {
  std::vector<MapLeaf> leaves;
  for (const char* n : {"a", "b", "c", "d", "e"}) {
    leaves.push_back(MapLeaf{Sha256Of(n), leaves.size() + 1, Sha256Of(std::string("head ") + n)});
  }
  return leaves;
}

TEST(MapGoldenTest, Root) {
  const char kRoot[] = "828cd07944029f47e5d0ae96e27f346b15a5bd39e58b246a4c478f044882e967";
  EXPECT_EQ(HashHex(MapOf(GoldenLeaves()).Root()), kRoot);
  EXPECT_EQ(HashHex(ReferenceMapRoot(GoldenLeaves())), kRoot);
}

TEST(MapGoldenTest, Proofs) {
  const std::map<std::string, std::string> kProofs = {
      {"a",
       "0101000100560996f6230f6658a6a9d7df363be6e63976b8d7e3e9b3644b3d21f474ce"
       "99f9"},
      {"b",
       "010100084eb6f1fe670a2a28264079a3c006802916e114a5597ceaf559a0ebf84501ec"
       "79acf2ade59cd03a17383c3d78c7e47dffc124a2febb39d9136f362e82b5949abdc24a"
       "60aae589c62add2e05f5787e5011e3841ae022d205982aff4a5734557388787e498f1a"
       "1f8a9b9b0a7c2948bf20d0f09f7fade9c5ba5609eb714d45c6b62377"},
      {"c",
       "0101000440b6f1fe670a2a28264079a3c006802916e114a5597ceaf559a0ebf84501ec"
       "79acf2ade59cd03a17383c3d78c7e47dffc124a2febb39d9136f362e82b5949abdc282"
       "bf535109d65059967c651723ee40703aea07a88d56667f63a913578129ad1b"},
      {"d",
       "0101000340b6f1fe670a2a28264079a3c006802916e114a5597ceaf559a0ebf84501ec"
       "79ac754027f51e5a00309d65c7f0303f099850dc82ae2f270478af7ee7d17a2ad80b"},
      {"e",
       "010100084eb6f1fe670a2a28264079a3c006802916e114a5597ceaf559a0ebf84501ec"
       "79acf2ade59cd03a17383c3d78c7e47dffc124a2febb39d9136f362e82b5949abdc24a"
       "60aae589c62add2e05f5787e5011e3841ae022d205982aff4a573455738878031e8b9b"
       "4d9bcccffd0b3b4f045540beef05810c074b921c2916ddceafa4af4b"},
      // Absent: "f" ends at another leaf (terminal 2), "m" in an empty
      // subtree (terminal 0).
      {"f",
       "010200042e7d2c03a9507ae265ecf5b5356885a53393a2029d241394997265a1a25aef"
       "c60000000000000003d489ea8a7a845457f9b07fe2248d0ec126ce4c4819b1562b43c8"
       "898d73001e3c40b6f1fe670a2a28264079a3c006802916e114a5597ceaf559a0ebf845"
       "01ec79acf2ade59cd03a17383c3d78c7e47dffc124a2febb39d9136f362e82b5949abd"
       "c282bf535109d65059967c651723ee40703aea07a88d56667f63a913578129ad1b"},
      {"m",
       "0100000200b6f1fe670a2a28264079a3c006802916e114a5597ceaf559a0ebf84501ec"
       "79acc16256a50870e1e01d1170f8bd36829662c310c5de0b64b79a72860c720fbd63"},
  };
  MemoryMap m = MapOf(GoldenLeaves());
  for (const auto& [name, hex] : kProofs) {
    std::string enc = EncodeMapProof(m.Prove(Sha256Of(name)));
    EXPECT_EQ(HexEncode(enc), hex) << name;
  }
}

}  // namespace
}  // namespace map
}  // namespace keytrail
