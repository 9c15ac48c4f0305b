#include "core/merkle/proof_builder.h"

#include <random>
#include <vector>

#include "core/merkle/hasher.h"
#include "core/merkle/reference.h"
#include "core/merkle/test_util.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace merkle {
namespace {

using test::TestTree;

absl::Span<const std::string> Prefix(const std::vector<std::string>& v, uint64_t n) {
  return absl::MakeConstSpan(v).subspan(0, n);
}

class ProofBuilderVectorsTest : public testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<test::TestVectors> v = test::LoadTestVectors();
    ASSERT_TRUE(v.ok()) << v.status();
    vectors_ = *std::move(v);
    ASSERT_EQ(vectors_.leaves, tree_.leaves);  // "leaf <i>"
  }
  test::TestVectors vectors_;
  TestTree tree_{37};
};

TEST_F(ProofBuilderVectorsTest, Roots) {
  ASSERT_EQ(vectors_.roots.size(), 38u);
  for (const auto& [size, root] : vectors_.roots) {
    absl::StatusOr<Hash> got = RootAt(size, tree_.source);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, root) << "size " << size;
  }
}

TEST_F(ProofBuilderVectorsTest, InclusionProofs) {
  ASSERT_EQ(vectors_.inclusion.size(), 703u);  // every (index, size <= 37)
  for (const test::InclusionVector& v : vectors_.inclusion) {
    absl::StatusOr<std::vector<Hash>> proof = BuildInclusionProof(v.index, v.size, tree_.source);
    ASSERT_TRUE(proof.ok()) << proof.status();
    EXPECT_EQ(*proof, v.proof) << "index " << v.index << " size " << v.size;
  }
}

TEST_F(ProofBuilderVectorsTest, ConsistencyProofs) {
  ASSERT_EQ(vectors_.consistency.size(), 703u);  // every 1 <= size1 <= size2
  for (const test::ConsistencyVector& v : vectors_.consistency) {
    absl::StatusOr<std::vector<Hash>> proof = BuildConsistencyProof(v.size1, v.size2, tree_.source);
    ASSERT_TRUE(proof.ok()) << proof.status();
    EXPECT_EQ(*proof, v.proof) << v.size1 << " -> " << v.size2;
  }
}

// All proofs in trees up to 64 leaves, then random ones up to 3000 leaves,
// against the RFC's own recursion. Complete nodes never change, so one source
// filled up to the largest size serves every smaller tree too.
TEST(ProofBuilderTest, MatchesReference) {
  TestTree tree(3000);
  for (uint64_t size = 1; size <= 64; ++size) {
    const auto d = Prefix(tree.leaves, size);
    for (uint64_t m = 0; m < size; ++m) {
      absl::StatusOr<std::vector<Hash>> proof = BuildInclusionProof(m, size, tree.source);
      ASSERT_TRUE(proof.ok()) << proof.status();
      EXPECT_EQ(*proof, reference::PATH(m, d)) << m << " in " << size;
      absl::StatusOr<std::vector<Hash>> consistency =
          BuildConsistencyProof(m + 1, size, tree.source);
      ASSERT_TRUE(consistency.ok()) << consistency.status();
      EXPECT_EQ(*consistency, reference::PROOF(m + 1, d)) << m + 1 << " -> " << size;
    }
  }
  std::mt19937_64 rng(9162);
  for (int i = 0; i < 300; ++i) {
    const uint64_t size = 1 + rng() % 3000;
    const uint64_t m = rng() % size;
    const auto d = Prefix(tree.leaves, size);
    absl::StatusOr<std::vector<Hash>> proof = BuildInclusionProof(m, size, tree.source);
    ASSERT_TRUE(proof.ok()) << proof.status();
    EXPECT_EQ(*proof, reference::PATH(m, d)) << m << " in " << size;
    absl::StatusOr<std::vector<Hash>> consistency = BuildConsistencyProof(m + 1, size, tree.source);
    ASSERT_TRUE(consistency.ok()) << consistency.status();
    EXPECT_EQ(*consistency, reference::PROOF(m + 1, d)) << m + 1 << " -> " << size;
    absl::StatusOr<Hash> root = RootAt(size, tree.source);
    ASSERT_TRUE(root.ok()) << root.status();
    EXPECT_EQ(*root, reference::MTH(d)) << "size " << size;
  }
}

TEST(ProofBuilderTest, RejectsSizesWithNoProof) {
  TestTree tree(10);
  const int calls = tree.source.calls();
  EXPECT_EQ(BuildInclusionProof(10, 10, tree.source).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildInclusionProof(0, 0, tree.source).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildConsistencyProof(6, 5, tree.source).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildConsistencyProof(0, 5, tree.source).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildConsistencyProof(0, 0, tree.source).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(tree.source.calls(), calls);  // shape is checked before fetching
}

TEST(ProofBuilderTest, TrivialCasesDoNotFetch) {
  TestTree tree(10);
  tree.source.fail_with = absl::UnavailableError("must not be called");
  absl::StatusOr<std::vector<Hash>> same = BuildConsistencyProof(7, 7, tree.source);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_TRUE(same->empty());
  absl::StatusOr<std::vector<Hash>> single = BuildInclusionProof(0, 1, tree.source);
  ASSERT_TRUE(single.ok()) << single.status();
  EXPECT_TRUE(single->empty());
  absl::StatusOr<Hash> empty_root = RootAt(0, tree.source);
  ASSERT_TRUE(empty_root.ok()) << empty_root.status();
  EXPECT_EQ(*empty_root, EmptyRoot());
  EXPECT_EQ(tree.source.calls(), 0);
}

TEST(ProofBuilderTest, PassesSourceErrorsThroughUnchanged) {
  TestTree tree(10);
  // Nodes the source does not have (a tree larger than it holds).
  EXPECT_EQ(BuildInclusionProof(3, 20, tree.source).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(RootAt(11, tree.source).status().code(), absl::StatusCode::kNotFound);
  for (const absl::Status& error :
       {absl::DataLossError("corrupt node"), absl::UnavailableError("busy"),
        absl::OutOfRangeError("beyond tree")}) {
    tree.source.fail_with = error;
    EXPECT_EQ(BuildInclusionProof(3, 10, tree.source).status(), error);
    EXPECT_EQ(BuildConsistencyProof(3, 10, tree.source).status(), error);
    EXPECT_EQ(RootAt(10, tree.source).status(), error);
  }
}

TEST(ProofBuilderTest, WrongHashCountIsInternal) {
  class LongSource : public HashSource {
   public:
    absl::StatusOr<std::vector<Hash>> GetNodes(absl::Span<const NodeId> ids) override {
      return std::vector<Hash>(ids.size() + 1);
    }
  } source;
  EXPECT_EQ(BuildInclusionProof(3, 10, source).status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(BuildConsistencyProof(3, 10, source).status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(RootAt(10, source).status().code(), absl::StatusCode::kInternal);

  absl::StatusOr<ProofNodes> nodes = InclusionProofNodes(0, 7);
  ASSERT_TRUE(nodes.ok());
  EXPECT_EQ(AssembleProof(*nodes, std::vector<Hash>(2)).status().code(),
            absl::StatusCode::kInternal);
}

TEST(ProofBuilderTest, AssembleProofFoldsEphemeralNode) {
  // Leaf 0 of 7: [b, h, l] with l = HashChildren(i, j) rebuilt from (0,6)
  // and (1,2), listed lowest level first.
  TestTree tree(7);
  absl::StatusOr<ProofNodes> nodes = InclusionProofNodes(0, 7);
  ASSERT_TRUE(nodes.ok());
  absl::StatusOr<std::vector<Hash>> hashes = tree.source.GetNodes(nodes->ids);
  ASSERT_TRUE(hashes.ok());
  absl::StatusOr<std::vector<Hash>> proof = AssembleProof(*nodes, *std::move(hashes));
  ASSERT_TRUE(proof.ok()) << proof.status();
  const auto& n = tree.source.nodes();
  EXPECT_EQ(*proof, (std::vector<Hash>{n.at({0, 1}), n.at({1, 1}),
                                       HashChildren(n.at({1, 2}), n.at({0, 6}))}));
}

}  // namespace
}  // namespace merkle
}  // namespace keytrail
