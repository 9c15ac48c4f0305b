#include "log_server/vrf_proof_cache.h"

#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace {

AccountRecord Record(uint8_t tag) {
  AccountRecord r;
  r.index.fill(tag);
  r.vrf_proof = std::string(81, static_cast<char>(tag));
  return r;
}

TEST(VrfProofCacheTest, MissThenHit) {
  VrfProofCache cache(4);
  EXPECT_FALSE(cache.Get("alice").has_value());
  cache.Put("alice", Record(1));
  auto got = cache.Get("alice");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->index, Record(1).index);
  EXPECT_EQ(got->vrf_proof, Record(1).vrf_proof);
  EXPECT_FALSE(cache.Get("bob").has_value());
}

TEST(VrfProofCacheTest, EvictsLeastRecentlyUsedBeyondCapacity) {
  VrfProofCache cache(2);
  cache.Put("a", Record(1));
  cache.Put("b", Record(2));
  ASSERT_TRUE(cache.Get("a").has_value());  // b is now the least recently used
  cache.Put("c", Record(3));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.Get("a").has_value());
  EXPECT_FALSE(cache.Get("b").has_value());
  EXPECT_TRUE(cache.Get("c").has_value());
}

TEST(VrfProofCacheTest, PutOfAKnownAccountRefreshesWithoutGrowing) {
  VrfProofCache cache(2);
  cache.Put("a", Record(1));
  cache.Put("b", Record(2));
  cache.Put("a", Record(1));  // a most recent again
  EXPECT_EQ(cache.size(), 2u);
  cache.Put("c", Record(3));
  EXPECT_TRUE(cache.Get("a").has_value());
  EXPECT_FALSE(cache.Get("b").has_value());
}

TEST(VrfProofCacheTest, CapacityZeroDisables) {
  VrfProofCache cache(0);
  cache.Put("a", Record(1));
  EXPECT_FALSE(cache.Get("a").has_value());
  EXPECT_EQ(cache.size(), 0u);
}

TEST(VrfProofCacheTest, ManyThreadsStayWithinCapacity) {
  VrfProofCache cache(100);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string name = absl::StrCat("user", (i * 7 + t) % 300);
        if (!cache.Get(name).has_value()) cache.Put(name, Record(static_cast<uint8_t>(i)));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(cache.size(), 100u);
  EXPECT_GT(cache.size(), 0u);
}

}  // namespace
}  // namespace keytrail
