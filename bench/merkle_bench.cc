// Throughput of the Merkle log library (core/merkle): hashing, appends, and
// building and verifying proofs in a tree of about a million leaves.
//   bazel run -c opt //bench:merkle_bench
// Each benchmark reports items/s: hashes, appends or proofs per second.
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "core/merkle/compact_range.h"
#include "core/merkle/hasher.h"
#include "core/merkle/proof_builder.h"
#include "core/merkle/verify.h"

namespace keytrail {
namespace merkle {
namespace {

// Not a power of two, so proofs include ephemeral (rehashed) nodes.
constexpr uint64_t kTreeSize = 1000000;
// Proofs are built/verified for this many random (index, size) pairs in turn,
// so the benchmark is not one cached path.
constexpr size_t kQueries = 4096;

// Every complete node of a tree, one vector per level (node (l, i) is
// levels[l][i]): the layout a CompactRange callback fills in order.
class LevelSource : public HashSource {
 public:
  void Put(NodeId id, const Hash& h) {
    if (levels_.size() <= id.level) levels_.resize(id.level + 1);
    levels_[id.level].push_back(h);  // appends arrive in index order
  }
  absl::StatusOr<std::vector<Hash>> GetNodes(absl::Span<const NodeId> ids) override {
    std::vector<Hash> out;
    out.reserve(ids.size());
    for (const NodeId& id : ids) {
      if (id.level >= levels_.size() || id.index >= levels_[id.level].size()) {
        return absl::NotFoundError(absl::StrCat("no node ", id.ToString()));
      }
      out.push_back(levels_[id.level][id.index]);
    }
    return out;
  }

 private:
  std::vector<std::vector<Hash>> levels_;
};

struct Tree {
  LevelSource source;
  std::vector<Hash> leaf_hashes;
};

std::string LeafData(uint64_t i) { return absl::StrCat("leaf ", i); }

// Built once, on first use (not timed). Read-only afterwards.
Tree& BigTree() {
  static Tree* tree = [] {
    auto* t = new Tree;
    CompactRange range;
    t->leaf_hashes.reserve(kTreeSize);
    for (uint64_t i = 0; i < kTreeSize; ++i) {
      t->leaf_hashes.push_back(HashLeaf(LeafData(i)));
      range.Append(t->leaf_hashes.back(), [t](NodeId id, const Hash& h) { t->source.Put(id, h); });
    }
    return t;
  }();
  return *tree;
}

Hash MustRoot(uint64_t size) {
  absl::StatusOr<Hash> root = RootAt(size, BigTree().source);
  if (!root.ok()) std::abort();
  return *root;
}

struct Query {
  uint64_t a;  // leaf index, or size1
  uint64_t b;  // tree size, or size2
};

// Random leaf indices in trees of random sizes up to kTreeSize.
std::vector<Query> InclusionQueries() {
  std::mt19937_64 rng(1);
  std::vector<Query> q(kQueries);
  for (Query& x : q) {
    x.b = kTreeSize - rng() % 1000;  // near the top, sizes of all shapes
    x.a = rng() % x.b;
  }
  return q;
}

// Random size1 in [1, size2] with size2 near kTreeSize.
std::vector<Query> ConsistencyQueries() {
  std::mt19937_64 rng(2);
  std::vector<Query> q(kQueries);
  for (Query& x : q) {
    x.b = kTreeSize - rng() % 1000;
    x.a = 1 + rng() % (x.b - 1);
  }
  return q;
}

void BM_HashLeaf(benchmark::State& state) {
  // Leaves of state.range(0) bytes (32, 64, 256).
  std::string leaf(static_cast<size_t>(state.range(0)), 'x');
  for (auto _ : state) {
    Hash h = HashLeaf(leaf);
    leaf[0] = static_cast<char>(h[0]);  // depend on the previous result
    benchmark::DoNotOptimize(h);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_HashLeaf)->Arg(32)->Arg(64)->Arg(256);

void BM_HashChildren(benchmark::State& state) {
  Hash l = HashLeaf("l");
  const Hash r = HashLeaf("r");
  for (auto _ : state) {
    l = HashChildren(l, r);
    benchmark::DoNotOptimize(l);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_HashChildren);

// Appends of precomputed leaf hashes: about one node hash per append.
void BM_CompactRangeAppend(benchmark::State& state) {
  const std::vector<Hash>& leaves = BigTree().leaf_hashes;
  CompactRange range;
  size_t i = 0;
  for (auto _ : state) {
    range.Append(leaves[i]);
    if (++i == leaves.size()) i = 0;
  }
  benchmark::DoNotOptimize(range.Root());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_CompactRangeAppend);

// The same, with a callback that counts completed nodes (as storage would
// see them, without the storage cost).
void BM_CompactRangeAppendWithCallback(benchmark::State& state) {
  const std::vector<Hash>& leaves = BigTree().leaf_hashes;
  CompactRange range;
  uint64_t nodes = 0;
  const CompactRange::NodeCallback count = [&nodes](NodeId, const Hash& h) { nodes += h[0] | 1; };
  size_t i = 0;
  for (auto _ : state) {
    range.Append(leaves[i], count);
    if (++i == leaves.size()) i = 0;
  }
  benchmark::DoNotOptimize(nodes);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_CompactRangeAppendWithCallback);

void BM_RootAt(benchmark::State& state) {
  LevelSource& source = BigTree().source;
  const std::vector<Query> q = InclusionQueries();
  size_t i = 0;
  for (auto _ : state) {
    absl::StatusOr<Hash> root = RootAt(q[i].b, source);
    if (!root.ok()) state.SkipWithError("RootAt failed");
    benchmark::DoNotOptimize(root);
    if (++i == q.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_RootAt);

void BM_BuildInclusionProof(benchmark::State& state) {
  LevelSource& source = BigTree().source;
  const std::vector<Query> q = InclusionQueries();
  size_t i = 0;
  for (auto _ : state) {
    absl::StatusOr<std::vector<Hash>> proof = BuildInclusionProof(q[i].a, q[i].b, source);
    if (!proof.ok()) state.SkipWithError("BuildInclusionProof failed");
    benchmark::DoNotOptimize(proof);
    if (++i == q.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_BuildInclusionProof);

void BM_BuildConsistencyProof(benchmark::State& state) {
  LevelSource& source = BigTree().source;
  const std::vector<Query> q = ConsistencyQueries();
  size_t i = 0;
  for (auto _ : state) {
    absl::StatusOr<std::vector<Hash>> proof = BuildConsistencyProof(q[i].a, q[i].b, source);
    if (!proof.ok()) state.SkipWithError("BuildConsistencyProof failed");
    benchmark::DoNotOptimize(proof);
    if (++i == q.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_BuildConsistencyProof);

struct Prepared {
  Query q;
  std::vector<Hash> proof;
  Hash root1;  // root of size q.a (consistency only)
  Hash root2;  // root of size q.b
};

void BM_VerifyInclusion(benchmark::State& state) {
  Tree& tree = BigTree();
  LevelSource& source = tree.source;
  std::vector<Prepared> p;
  for (const Query& q : InclusionQueries()) {
    absl::StatusOr<std::vector<Hash>> proof = BuildInclusionProof(q.a, q.b, source);
    if (!proof.ok()) std::abort();
    p.push_back({q, *std::move(proof), Hash{}, MustRoot(q.b)});
  }
  size_t i = 0;
  for (auto _ : state) {
    const Prepared& x = p[i];
    absl::Status s = VerifyInclusion(x.q.a, x.q.b, tree.leaf_hashes[x.q.a], x.proof, x.root2);
    if (!s.ok()) state.SkipWithError("VerifyInclusion failed");
    if (++i == p.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_VerifyInclusion);

void BM_VerifyConsistency(benchmark::State& state) {
  LevelSource& source = BigTree().source;
  std::vector<Prepared> p;
  for (const Query& q : ConsistencyQueries()) {
    absl::StatusOr<std::vector<Hash>> proof = BuildConsistencyProof(q.a, q.b, source);
    if (!proof.ok()) std::abort();
    p.push_back({q, *std::move(proof), MustRoot(q.a), MustRoot(q.b)});
  }
  size_t i = 0;
  for (auto _ : state) {
    const Prepared& x = p[i];
    absl::Status s = VerifyConsistency(x.q.a, x.q.b, x.proof, x.root1, x.root2);
    if (!s.ok()) state.SkipWithError("VerifyConsistency failed");
    if (++i == p.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_VerifyConsistency);

}  // namespace
}  // namespace merkle
}  // namespace keytrail
