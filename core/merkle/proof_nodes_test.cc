#include "core/merkle/proof_nodes.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace keytrail {
namespace merkle {
namespace {

using Ids = std::vector<NodeId>;
constexpr uint64_t kMax = ~uint64_t{0};

ProofNodes MustInclusion(uint64_t index, uint64_t size) {
  absl::StatusOr<ProofNodes> nodes = InclusionProofNodes(index, size);
  EXPECT_TRUE(nodes.ok()) << nodes.status();
  return nodes.ok() ? *nodes : ProofNodes();
}

ProofNodes MustConsistency(uint64_t size1, uint64_t size2) {
  absl::StatusOr<ProofNodes> nodes = ConsistencyProofNodes(size1, size2);
  EXPECT_TRUE(nodes.ok()) << nodes.status();
  return nodes.ok() ? *nodes : ProofNodes();
}

// True iff the half-open ranges tile [0, end) exactly: no gap, no overlap.
bool Tiles(std::vector<std::pair<uint64_t, uint64_t>> ranges, uint64_t end) {
  std::sort(ranges.begin(), ranges.end());
  uint64_t at = 0;
  for (const auto& r : ranges) {
    if (r.first != at || r.second <= r.first) return false;
    at = r.second;
  }
  return at == end;
}

// Checks what every proof's nodes must satisfy in a tree of `size` leaves:
// all complete, the ephemeral range well formed (adjacent subtrees, lowest
// level first, ending at the tree's right edge), and together with
// `known` (what the verifier already has) tiling the whole tree.
void CheckShape(const ProofNodes& p, uint64_t size, std::pair<uint64_t, uint64_t> known) {
  SCOPED_TRACE(testing::Message() << "size " << size);
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  if (known.second > known.first) ranges.push_back(known);
  for (const NodeId& id : p.ids) {
    ASSERT_TRUE(id.CompleteIn(size)) << id;
    ranges.emplace_back(id.begin(), id.end());
  }
  EXPECT_TRUE(Tiles(ranges, size));
  ASSERT_LE(p.ephemeral_begin, p.ephemeral_end);
  ASSERT_LE(p.ephemeral_end, p.ids.size());
  if (p.ephemeral_end > p.ephemeral_begin) {
    EXPECT_EQ(p.ids[p.ephemeral_begin].end(), size);
    for (size_t k = p.ephemeral_begin + 1; k < p.ephemeral_end; ++k) {
      EXPECT_LT(p.ids[k - 1].level, p.ids[k].level);
      EXPECT_EQ(p.ids[k].end(), p.ids[k - 1].begin());
    }
  }
  EXPECT_LE(p.ProofSize(), 65u);
}

// RFC 6962 section 2.1.3's example tree of 7 leaves d0..d6, whose nodes the
// RFC names a..l: leaves a..g, h = (1,1), g = (1,0) [the RFC reuses g],
// i = (1,2), j = d6, k = (2,0), l = [d4..d6] (ephemeral: i and j).
TEST(InclusionProofNodesTest, Rfc6962Examples) {
  ProofNodes d0 = MustInclusion(0, 7);  // [b, h, l]
  EXPECT_EQ(d0.ids, (Ids{{0, 1}, {1, 1}, {0, 6}, {1, 2}}));
  EXPECT_EQ(d0.ephemeral_begin, 2u);
  EXPECT_EQ(d0.ephemeral_end, 4u);
  EXPECT_EQ(d0.ProofSize(), 3u);

  ProofNodes d3 = MustInclusion(3, 7);  // [c, g, l]
  EXPECT_EQ(d3.ids, (Ids{{0, 2}, {1, 0}, {0, 6}, {1, 2}}));
  EXPECT_EQ(d3.ProofSize(), 3u);

  ProofNodes d4 = MustInclusion(4, 7);  // [f, j, k]; j is complete
  EXPECT_EQ(d4.ids, (Ids{{0, 5}, {0, 6}, {2, 0}}));
  EXPECT_EQ(d4.ProofSize(), 3u);

  ProofNodes d6 = MustInclusion(6, 7);  // [i, k]; d6 is lifted past level 0
  EXPECT_EQ(d6.ids, (Ids{{1, 2}, {2, 0}}));
  EXPECT_EQ(d6.ephemeral_begin, d6.ephemeral_end);
  EXPECT_EQ(d6.ProofSize(), 2u);

  EXPECT_TRUE(MustInclusion(0, 1).ids.empty());
}

TEST(ConsistencyProofNodesTest, Rfc6962Examples) {
  ProofNodes p3 = MustConsistency(3, 7);  // [c, d, g, l]
  EXPECT_EQ(p3.ids, (Ids{{0, 2}, {0, 3}, {1, 0}, {0, 6}, {1, 2}}));
  EXPECT_EQ(p3.ProofSize(), 4u);

  ProofNodes p4 = MustConsistency(4, 7);  // [l]: the old root is omitted
  EXPECT_EQ(p4.ids, (Ids{{0, 6}, {1, 2}}));
  EXPECT_EQ(p4.ProofSize(), 1u);

  ProofNodes p6 = MustConsistency(6, 7);  // [i, j, k]
  EXPECT_EQ(p6.ids, (Ids{{1, 2}, {0, 6}, {2, 0}}));
  EXPECT_EQ(p6.ProofSize(), 3u);
}

TEST(ProofNodesTest, Errors) {
  EXPECT_EQ(InclusionProofNodes(0, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(InclusionProofNodes(7, 7).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(InclusionProofNodes(kMax, kMax).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ConsistencyProofNodes(8, 7).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ConsistencyProofNodes(0, 7).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ConsistencyProofNodes(0, 0).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ConsistencyProofNodesTest, EqualSizesNeedNoNodes) {
  for (uint64_t size : {uint64_t{1}, uint64_t{7}, uint64_t{8}, kMax}) {
    ProofNodes p = MustConsistency(size, size);
    EXPECT_TRUE(p.ids.empty());
    EXPECT_EQ(p.ProofSize(), 0u);
    EXPECT_EQ(ConsistencyProofSize(size, size), 0u);
  }
}

TEST(InclusionProofNodesTest, AllSmallTrees) {
  for (uint64_t size = 1; size <= 300; ++size) {
    for (uint64_t index = 0; index < size; ++index) {
      SCOPED_TRACE(testing::Message() << "index " << index);
      ProofNodes p = MustInclusion(index, size);
      CheckShape(p, size, {index, index + 1});
      EXPECT_EQ(p.ProofSize(), InclusionProofSize(index, size));
    }
  }
}

TEST(ConsistencyProofNodesTest, AllSmallTrees) {
  for (uint64_t size2 = 1; size2 <= 300; ++size2) {
    for (uint64_t size1 = 1; size1 < size2; ++size1) {
      SCOPED_TRACE(testing::Message() << "size1 " << size1);
      ProofNodes p = MustConsistency(size1, size2);
      // A power-of-two size1 omits the old root [0, size1), which the
      // verifier holds; otherwise the proof's nodes alone tile the tree.
      const bool pow2 = (size1 & (size1 - 1)) == 0;
      CheckShape(
          p, size2,
          pow2 ? std::make_pair(uint64_t{0}, size1) : std::make_pair(uint64_t{0}, uint64_t{0}));
      EXPECT_EQ(p.ProofSize(), ConsistencyProofSize(size1, size2));
    }
  }
}

// Sizes near 2^64 must not overflow a shift or a node's range.
TEST(ProofNodesTest, HugeTrees) {
  const std::vector<uint64_t> sizes = {kMax, kMax - 1, uint64_t{1} << 63, (uint64_t{1} << 63) + 1,
                                       0x8000000000000003};
  for (uint64_t size : sizes) {
    for (uint64_t index : {uint64_t{0}, size / 2, size - 2, size - 1}) {
      SCOPED_TRACE(testing::Message() << "index " << index);
      ProofNodes p = MustInclusion(index, size);
      CheckShape(p, size, {index, index + 1});
      EXPECT_EQ(p.ProofSize(), InclusionProofSize(index, size));
    }
    for (uint64_t size1 : {uint64_t{1}, uint64_t{3}, size / 2, size - 1}) {
      SCOPED_TRACE(testing::Message() << "size1 " << size1);
      ProofNodes p = MustConsistency(size1, size);
      for (const NodeId& id : p.ids) EXPECT_TRUE(id.CompleteIn(size)) << id;
      EXPECT_EQ(p.ProofSize(), ConsistencyProofSize(size1, size));
    }
  }
  EXPECT_EQ(InclusionProofSize(0, kMax), 64u);
  EXPECT_EQ(InclusionProofSize(kMax - 1, kMax), 63u);  // lifted at level 0
}

TEST(FrontierNodesTest, OnePerSetBitLargestFirst) {
  EXPECT_TRUE(FrontierNodes(0).empty());
  EXPECT_EQ(FrontierNodes(1), (Ids{{0, 0}}));
  EXPECT_EQ(FrontierNodes(8), (Ids{{3, 0}}));
  EXPECT_EQ(FrontierNodes(13), (Ids{{3, 0}, {2, 2}, {0, 12}}));
  for (uint64_t size : {uint64_t{37}, uint64_t{1000}, kMax}) {
    Ids ids = FrontierNodes(size);
    EXPECT_EQ(ids.size(), static_cast<size_t>(__builtin_popcountll(size)));
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    for (size_t k = 0; k < ids.size(); ++k) {
      EXPECT_TRUE(ids[k].CompleteIn(size));
      if (k > 0) {
        EXPECT_GT(ids[k - 1].level, ids[k].level);
      }
      ranges.emplace_back(ids[k].begin(), ids[k].end());
    }
    EXPECT_TRUE(Tiles(ranges, size));
  }
}

}  // namespace
}  // namespace merkle
}  // namespace keytrail
