#include "core/merkle/compact_range.h"

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>
#include <set>
#include <vector>

#include "core/merkle/hasher.h"
#include "core/merkle/proof_nodes.h"
#include "core/merkle/reference.h"
#include "core/merkle/test_util.h"
#include "gtest/gtest.h"

// Counts heap allocations so a test can check that appends make none.
namespace {
std::atomic<long> g_allocations{0};
}  // namespace
void* operator new(size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace keytrail {
namespace merkle {
namespace {

using test::LeafData;
using test::MemoryHashSource;
using test::TestTree;

absl::Span<const std::string> Prefix(const std::vector<std::string>& v, uint64_t n) {
  return absl::MakeConstSpan(v).subspan(0, n);
}

TEST(CompactRangeTest, RootsMatchGoSumdbTlog) {
  absl::StatusOr<test::TestVectors> v = test::LoadTestVectors();
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_EQ(v->roots.size(), 38u);  // sizes 0..37
  CompactRange range;
  for (uint64_t size = 0; size <= 37; ++size) {
    EXPECT_EQ(range.size(), size);
    EXPECT_EQ(range.Root(), v->roots.at(size)) << "size " << size;
    if (size < 37) {
      ASSERT_EQ(v->leaves[size], LeafData(size));
      range.Append(HashLeaf(v->leaves[size]));
    }
  }
}

TEST(CompactRangeTest, EmptyRange) {
  CompactRange range;
  EXPECT_EQ(range.size(), 0u);
  EXPECT_TRUE(range.hashes().empty());
  EXPECT_EQ(range.Root(), EmptyRoot());
}

// Every complete node is reported exactly once, leaf first, parents after,
// with the hash the RFC gives the subtree's leaves; and the nodes reported
// by the end are exactly the complete nodes of the final tree.
TEST(CompactRangeTest, CallbackReportsEveryCompleteNodeOnce) {
  const uint64_t n = 300;
  std::vector<std::string> leaves;
  std::vector<NodeId> reported;
  std::vector<Hash> hashes;
  CompactRange range;
  for (uint64_t i = 0; i < n; ++i) {
    leaves.push_back(LeafData(i));
    const size_t before = reported.size();
    range.Append(HashLeaf(leaves.back()), [&](NodeId id, const Hash& h) {
      reported.push_back(id);
      hashes.push_back(h);
    });
    // One node per level from the leaf up to the top of the merged subtree:
    // 1 + the number of trailing one bits of i.
    ASSERT_EQ(reported.size() - before, 1u + static_cast<size_t>(__builtin_ctzll(~i)));
    EXPECT_EQ(reported[before], (NodeId{0, i}));
    for (size_t k = before + 1; k < reported.size(); ++k) {
      EXPECT_EQ(reported[k].level, reported[k - 1].level + 1);
    }
  }
  std::set<NodeId> unique(reported.begin(), reported.end());
  EXPECT_EQ(unique.size(), reported.size());
  size_t complete = 0;
  for (int level = 0; level < 64; ++level) complete += n >> level;
  EXPECT_EQ(reported.size(), complete);
  for (size_t k = 0; k < reported.size(); ++k) {
    const NodeId id = reported[k];
    ASSERT_TRUE(id.CompleteIn(n)) << id;
    EXPECT_EQ(hashes[k], reference::MTH(absl::MakeConstSpan(leaves).subspan(id.begin(),
                                                                            id.end() - id.begin())))
        << id;
  }
}

TEST(CompactRangeTest, RootAndFrontierMatchReference) {
  TestTree tree(0);
  std::mt19937_64 rng(6962);
  for (uint64_t size = 1; size <= 2500; ++size) {
    tree.leaves.push_back(LeafData(size - 1));
    tree.range.Append(HashLeaf(tree.leaves.back()), tree.source.Recorder());
    // Every size up to 300, then a random sample (the reference is O(n)).
    if (size > 300 && rng() % 50 != 0) continue;
    SCOPED_TRACE(testing::Message() << "size " << size);
    EXPECT_EQ(tree.range.Root(), reference::MTH(tree.leaves));
    // The frontier is the stored hashes of FrontierNodes(size).
    const std::vector<NodeId> ids = FrontierNodes(size);
    ASSERT_EQ(tree.range.hashes().size(), ids.size());
    for (size_t k = 0; k < ids.size(); ++k) {
      EXPECT_EQ(tree.range.hashes()[k], tree.source.nodes().at(ids[k]));
    }
  }
}

TEST(CompactRangeTest, FromHashesRestores) {
  TestTree tree(37);
  absl::StatusOr<CompactRange> restored = CompactRange::FromHashes(37, tree.range.hashes());
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ(restored->size(), 37u);
  EXPECT_EQ(restored->Root(), tree.range.Root());
  // Appending after a restore continues the same tree.
  std::vector<std::string> leaves = tree.leaves;
  for (uint64_t i = 37; i < 100; ++i) {
    leaves.push_back(LeafData(i));
    restored->Append(HashLeaf(leaves.back()));
  }
  EXPECT_EQ(restored->Root(), reference::MTH(leaves));

  absl::StatusOr<CompactRange> empty = CompactRange::FromHashes(0, {});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->Root(), EmptyRoot());
}

TEST(CompactRangeTest, FromHashesRejectsWrongCount) {
  TestTree tree(37);  // 37 = 100101b: three hashes
  std::vector<Hash> hashes = tree.range.hashes();
  ASSERT_EQ(hashes.size(), 3u);
  EXPECT_EQ(CompactRange::FromHashes(36, hashes).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CompactRange::FromHashes(0, hashes).status().code(),
            absl::StatusCode::kInvalidArgument);
  hashes.pop_back();
  EXPECT_EQ(CompactRange::FromHashes(37, hashes).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CompactRange::FromHashes(1, {}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CompactRangeTest, LoadFromSource) {
  TestTree tree(1000);
  for (uint64_t size :
       {uint64_t{1}, uint64_t{2}, uint64_t{37}, uint64_t{512}, uint64_t{999}, uint64_t{1000}}) {
    absl::StatusOr<CompactRange> range = CompactRange::Load(size, tree.source);
    ASSERT_TRUE(range.ok()) << range.status();
    EXPECT_EQ(range->size(), size);
    EXPECT_EQ(range->Root(), reference::MTH(Prefix(tree.leaves, size)));
  }
}

TEST(CompactRangeTest, LoadPassesSourceErrorsThrough) {
  TestTree tree(10);
  // A size beyond what the source holds: its NotFound comes back as is.
  EXPECT_EQ(CompactRange::Load(11, tree.source).status().code(), absl::StatusCode::kNotFound);
  tree.source.fail_with = absl::UnavailableError("disk busy");
  const int calls = tree.source.calls();
  absl::StatusOr<CompactRange> failed = CompactRange::Load(7, tree.source);
  EXPECT_EQ(failed.status(), absl::UnavailableError("disk busy"));
  // The empty range needs no nodes, so the source is not asked.
  absl::StatusOr<CompactRange> empty = CompactRange::Load(0, tree.source);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->Root(), EmptyRoot());
  EXPECT_EQ(tree.source.calls(), calls + 1);
}

TEST(CompactRangeTest, LoadRejectsWrongHashCount) {
  class ShortSource : public HashSource {
   public:
    absl::StatusOr<std::vector<Hash>> GetNodes(absl::Span<const NodeId> ids) override {
      return std::vector<Hash>(ids.size() - 1);
    }
  } source;
  EXPECT_EQ(CompactRange::Load(3, source).status().code(), absl::StatusCode::kInternal);
}

TEST(CompactRangeTest, CopiesAreIndependent) {
  TestTree tree(5);
  CompactRange copy = tree.range;
  copy.Append(HashLeaf(LeafData(5)));
  EXPECT_EQ(tree.range.size(), 5u);
  EXPECT_EQ(tree.range.Root(), reference::MTH(tree.leaves));
  EXPECT_NE(copy.Root(), tree.range.Root());
}

TEST(CompactRangeTest, AppendAllocatesNothing) {
  CompactRange range;
  const Hash leaf = HashLeaf("x");
  uint64_t seen = 0;
  const CompactRange::NodeCallback count = [&seen](NodeId, const Hash&) { ++seen; };
  range.Append(leaf, count);
  CompactRange copy = range;
  const long before = g_allocations.load();
  for (int i = 0; i < 10000; ++i) {
    range.Append(leaf);
    range.Append(leaf, count);
    copy.Append(leaf);
  }
  EXPECT_EQ(g_allocations.load(), before);
  EXPECT_EQ(range.size(), 20001u);
  EXPECT_EQ(copy.size(), 10001u);
  // Each append reports the leaf and the parents it completes.
  EXPECT_GT(seen, 10000u);
}

}  // namespace
}  // namespace merkle
}  // namespace keytrail
