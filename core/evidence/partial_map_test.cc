#include "core/evidence/partial_map.h"

#include <random>

#include "core/map/memory_map.h"
#include "gtest/gtest.h"
#include "testing/crafted_log.h"

namespace keytrail::evidence {
namespace {

using test::TestIndex;

map::MapLeaf Leaf(int i, uint64_t version) {
  return map::MapLeaf{TestIndex(i), version, Sha256Of(std::to_string(i * 1000 + version))};
}

// Applies changes at `touched` through proofs and compares with the map
// that holds every leaf.
void CheckAgainstFullMap(int existing, const std::vector<int>& touched) {
  map::MemoryMap full;
  for (int i = 0; i < existing; ++i) full.Set(Leaf(i, 1));
  PartialMap partial(full.Root());
  for (int i : touched) {
    auto leaf = full.Get(TestIndex(i));
    auto shown = partial.AddProof(TestIndex(i), leaf, full.Prove(TestIndex(i)));
    ASSERT_TRUE(shown.ok()) << shown.status();
    EXPECT_EQ(shown->has_value(), leaf.has_value());
  }
  EXPECT_EQ(partial.Root(), full.Root());
  for (int i : touched) {
    map::MapLeaf next = Leaf(i, i < existing ? 2 : 1);
    ASSERT_TRUE(partial.Set(next).ok());
    full.Set(next);
  }
  EXPECT_EQ(partial.Root(), full.Root());
}

TEST(PartialMapTest, MatchesTheFullMap) {
  CheckAgainstFullMap(0, {1});
  CheckAgainstFullMap(0, {1, 2, 3});
  CheckAgainstFullMap(1, {0});
  CheckAgainstFullMap(1, {5});
  CheckAgainstFullMap(2, {0, 1, 7});
  CheckAgainstFullMap(200, {3, 5, 250, 260, 199});
  std::vector<int> many;
  for (int i = 0; i < 300; i += 7) many.push_back(i);
  CheckAgainstFullMap(100, many);
}

TEST(PartialMapTest, RejectsBadProofAndUncoveredChange) {
  map::MemoryMap full;
  for (int i = 0; i < 20; ++i) full.Set(Leaf(i, 1));
  PartialMap partial(full.Root());
  // A membership proof with another version.
  EXPECT_FALSE(partial.AddProof(TestIndex(3), Leaf(3, 2), full.Prove(TestIndex(3))).ok());
  // Claiming absence of a present leaf.
  EXPECT_FALSE(partial.AddProof(TestIndex(3), std::nullopt, full.Prove(TestIndex(3))).ok());
  ASSERT_TRUE(partial.AddProof(TestIndex(3), Leaf(3, 1), full.Prove(TestIndex(3))).ok());
  // Index 4 was not proven: its path ends in an opaque subtree (or the
  // change would be guesswork).
  bool uncovered_rejected = !partial.Set(Leaf(4, 2)).ok();
  EXPECT_TRUE(uncovered_rejected);
}

}  // namespace
}  // namespace keytrail::evidence
