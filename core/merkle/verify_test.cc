#include "core/merkle/verify.h"

#include <random>
#include <vector>

#include "core/merkle/hasher.h"
#include "core/merkle/reference.h"
#include "core/merkle/test_util.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace merkle {
namespace {

using test::LeafData;
constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

Hash Flip(Hash h, int bit) {
  h[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  return h;
}

class VerifyVectorsTest : public testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<test::TestVectors> v = test::LoadTestVectors();
    ASSERT_TRUE(v.ok()) << v.status();
    v_ = *std::move(v);
    ASSERT_EQ(v_.inclusion.size(), 703u);
    ASSERT_EQ(v_.consistency.size(), 703u);
  }
  Hash Leaf(uint64_t i) const { return HashLeaf(v_.leaves.at(i)); }
  const Hash& Root(uint64_t size) const { return v_.roots.at(size); }
  test::TestVectors v_;
};

TEST_F(VerifyVectorsTest, InclusionProofsVerify) {
  for (const test::InclusionVector& t : v_.inclusion) {
    SCOPED_TRACE(testing::Message() << t.index << " in " << t.size);
    absl::StatusOr<Hash> root = RootFromInclusionProof(t.index, t.size, Leaf(t.index), t.proof);
    ASSERT_TRUE(root.ok()) << root.status();
    EXPECT_EQ(*root, Root(t.size));
    EXPECT_TRUE(VerifyInclusion(t.index, t.size, Leaf(t.index), t.proof, Root(t.size)).ok());
  }
}

TEST_F(VerifyVectorsTest, ConsistencyProofsVerify) {
  for (const test::ConsistencyVector& t : v_.consistency) {
    EXPECT_TRUE(VerifyConsistency(t.size1, t.size2, t.proof, Root(t.size1), Root(t.size2)).ok())
        << t.size1 << " -> " << t.size2;
  }
}

// Every vector, broken one way at a time: each proof hash with one bit
// flipped, the leaf hash, the root, the proof one hash short and one long,
// and the proof offered for the next leaf.
TEST_F(VerifyVectorsTest, BrokenInclusionProofsFail) {
  for (const test::InclusionVector& t : v_.inclusion) {
    SCOPED_TRACE(testing::Message() << t.index << " in " << t.size);
    const Hash leaf = Leaf(t.index);
    const Hash& root = Root(t.size);
    for (size_t k = 0; k < t.proof.size(); ++k) {
      std::vector<Hash> bad = t.proof;
      bad[k] = Flip(bad[k], static_cast<int>((k * 97 + t.index) % 256));
      EXPECT_EQ(VerifyInclusion(t.index, t.size, leaf, bad, root).code(), kInvalid);
    }
    const int bit = static_cast<int>((t.size * 31 + t.index) % 256);
    EXPECT_EQ(VerifyInclusion(t.index, t.size, Flip(leaf, bit), t.proof, root).code(), kInvalid);
    EXPECT_EQ(VerifyInclusion(t.index, t.size, leaf, t.proof, Flip(root, bit)).code(), kInvalid);
    if (!t.proof.empty()) {
      std::vector<Hash> shorter(t.proof.begin(), t.proof.end() - 1);
      EXPECT_EQ(VerifyInclusion(t.index, t.size, leaf, shorter, root).code(), kInvalid);
    }
    std::vector<Hash> longer = t.proof;
    longer.push_back(root);
    EXPECT_EQ(VerifyInclusion(t.index, t.size, leaf, longer, root).code(), kInvalid);
    if (t.index + 1 < t.size) {
      EXPECT_EQ(VerifyInclusion(t.index + 1, t.size, leaf, t.proof, root).code(), kInvalid);
    }
  }
}

TEST_F(VerifyVectorsTest, BrokenConsistencyProofsFail) {
  for (const test::ConsistencyVector& t : v_.consistency) {
    SCOPED_TRACE(testing::Message() << t.size1 << " -> " << t.size2);
    const Hash& root1 = Root(t.size1);
    const Hash& root2 = Root(t.size2);
    for (size_t k = 0; k < t.proof.size(); ++k) {
      std::vector<Hash> bad = t.proof;
      bad[k] = Flip(bad[k], static_cast<int>((k * 89 + t.size1) % 256));
      EXPECT_EQ(VerifyConsistency(t.size1, t.size2, bad, root1, root2).code(), kInvalid);
    }
    const int bit = static_cast<int>((t.size2 * 29 + t.size1) % 256);
    EXPECT_EQ(VerifyConsistency(t.size1, t.size2, t.proof, Flip(root1, bit), root2).code(),
              kInvalid);
    EXPECT_EQ(VerifyConsistency(t.size1, t.size2, t.proof, root1, Flip(root2, bit)).code(),
              kInvalid);
    if (!t.proof.empty()) {
      std::vector<Hash> shorter(t.proof.begin(), t.proof.end() - 1);
      EXPECT_EQ(VerifyConsistency(t.size1, t.size2, shorter, root1, root2).code(), kInvalid);
    }
    std::vector<Hash> longer = t.proof;
    longer.push_back(root2);
    EXPECT_EQ(VerifyConsistency(t.size1, t.size2, longer, root1, root2).code(), kInvalid);
  }
}

// A valid proof for one pair of sizes, presented for another pair whose
// proof has the same length (so only the hashing can catch it), with the
// right roots for the pair asked about.
TEST_F(VerifyVectorsTest, ConsistencyProofForOtherSizesFails) {
  int tried = 0;
  for (const test::ConsistencyVector& a : v_.consistency) {
    for (const test::ConsistencyVector& b : v_.consistency) {
      if (a.size1 == b.size1 && a.size2 == b.size2) continue;
      if (b.size1 == b.size2 || a.proof.size() != b.proof.size()) continue;
      if ((a.size1 * 7 + a.size2 * 13 + b.size1 + b.size2) % 11 != 0) continue;
      ++tried;
      EXPECT_EQ(VerifyConsistency(b.size1, b.size2, a.proof, Root(b.size1), Root(b.size2)).code(),
                kInvalid)
          << "proof " << a.size1 << "->" << a.size2 << " used for " << b.size1 << "->" << b.size2;
    }
  }
  EXPECT_GT(tried, 1000);
}

TEST_F(VerifyVectorsTest, EveryBitOfOneProofMatters) {
  const test::InclusionVector& t = v_.inclusion.back();  // 36 in 37
  const test::ConsistencyVector& c = v_.consistency[500];
  ASSERT_FALSE(t.proof.empty());
  ASSERT_FALSE(c.proof.empty());
  for (int bit = 0; bit < 256; ++bit) {
    for (size_t k = 0; k < t.proof.size(); ++k) {
      std::vector<Hash> bad = t.proof;
      bad[k] = Flip(bad[k], bit);
      EXPECT_EQ(VerifyInclusion(t.index, t.size, Leaf(t.index), bad, Root(t.size)).code(),
                kInvalid);
    }
    for (size_t k = 0; k < c.proof.size(); ++k) {
      std::vector<Hash> bad = c.proof;
      bad[k] = Flip(bad[k], bit);
      EXPECT_EQ(VerifyConsistency(c.size1, c.size2, bad, Root(c.size1), Root(c.size2)).code(),
                kInvalid);
    }
  }
}

TEST(VerifyTest, InclusionShapeErrors) {
  const Hash leaf = HashLeaf(LeafData(0));
  const Hash root = leaf;
  // The tree of one leaf: its root is the leaf hash, the proof is empty.
  EXPECT_TRUE(VerifyInclusion(0, 1, leaf, {}, root).ok());
  absl::Status s = VerifyInclusion(1, 1, leaf, {}, root);
  EXPECT_EQ(s.code(), kInvalid);
  EXPECT_EQ(s.message(), "inclusion proof: index 1 is not below tree size 1");
  EXPECT_EQ(VerifyInclusion(0, 0, leaf, {}, EmptyRoot()).code(), kInvalid);
  EXPECT_EQ(RootFromInclusionProof(0, 0, leaf, {}).status().code(), kInvalid);

  const std::vector<Hash> three(3, leaf);
  s = VerifyInclusion(0, 7, leaf, absl::MakeConstSpan(three).subspan(0, 2), root);
  EXPECT_EQ(s.code(), kInvalid);
  EXPECT_EQ(s.message(), "inclusion proof: wrong proof size 2, want 3");
  // A huge tree: the length check comes first, nothing is hashed.
  s = VerifyInclusion(5, ~uint64_t{0}, leaf, three, root);
  EXPECT_EQ(s.message(), "inclusion proof: wrong proof size 3, want 64");
}

TEST(VerifyTest, ConsistencyShapeErrors) {
  const Hash a = HashLeaf("a");
  const Hash b = HashLeaf("b");
  absl::Status s = VerifyConsistency(5, 4, {}, a, b);
  EXPECT_EQ(s.code(), kInvalid);
  EXPECT_EQ(s.message(), "consistency proof: size1 5 is greater than size2 4");
  EXPECT_EQ(VerifyConsistency(0, 4, {}, EmptyRoot(), b).code(), kInvalid);
  EXPECT_EQ(VerifyConsistency(0, 0, {}, EmptyRoot(), EmptyRoot()).code(), kInvalid);
  // Equal sizes: the proof is empty and the roots must be equal.
  EXPECT_TRUE(VerifyConsistency(4, 4, {}, a, a).ok());
  EXPECT_EQ(VerifyConsistency(4, 4, {}, a, b).code(), kInvalid);
  s = VerifyConsistency(4, 4, {a}, a, a);
  EXPECT_EQ(s.code(), kInvalid);
  EXPECT_EQ(s.message(), "consistency proof: wrong proof size 1, want 0");
  s = VerifyConsistency(3, 7, {a, b}, a, b);
  EXPECT_EQ(s.message(), "consistency proof: wrong proof size 2, want 4");
  // 4 -> 8: the old root is the new tree's left half, which the proof
  // omits, so it is one hash (the right half), never zero.
  s = VerifyConsistency(4, 8, {}, a, b);
  EXPECT_EQ(s.message(), "consistency proof: wrong proof size 0, want 1");
}

// Proofs from the RFC's own recursion verify; the verifier shares no code
// with the reference.
TEST(VerifyTest, AcceptsReferenceProofs) {
  std::vector<std::string> leaves;
  for (uint64_t i = 0; i < 3000; ++i) leaves.push_back(LeafData(i));
  std::mt19937_64 rng(2014);
  for (int i = 0; i < 200; ++i) {
    const uint64_t size = 1 + rng() % leaves.size();
    const uint64_t m = rng() % size;
    const auto d = absl::MakeConstSpan(leaves).subspan(0, size);
    SCOPED_TRACE(testing::Message() << m << ", " << size);
    const Hash root = reference::MTH(d);
    EXPECT_TRUE(VerifyInclusion(m, size, HashLeaf(leaves[m]), reference::PATH(m, d), root).ok());
    const auto d1 = d.subspan(0, m + 1);
    EXPECT_TRUE(
        VerifyConsistency(m + 1, size, reference::PROOF(m + 1, d), reference::MTH(d1), root).ok());
  }
}

}  // namespace
}  // namespace merkle
}  // namespace keytrail
