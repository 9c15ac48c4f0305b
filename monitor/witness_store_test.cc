#include "monitor/witness_store.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "testing/process.h"

namespace keytrail::monitor {
namespace {

Hash HashOf(uint8_t b) {
  Hash h;
  h.fill(b);
  return h;
}

TEST(WitnessStoreTest, EncodingRoundTripAndRejects) {
  const WitnessState s{7, HashOf(3), "note\n"};
  const std::string bytes = EncodeWitnessState(s);
  absl::StatusOr<WitnessState> back = DecodeWitnessState(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->size, 7u);
  EXPECT_EQ(back->root, s.root);
  EXPECT_EQ(back->note, "note\n");
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_EQ(DecodeWitnessState(bytes.substr(0, n)).status().code(), absl::StatusCode::kDataLoss)
        << n;
  }
  EXPECT_EQ(DecodeWitnessState(bytes + "x").status().code(), absl::StatusCode::kDataLoss);
  std::string other_version = bytes;
  other_version[0] = 2;
  EXPECT_EQ(DecodeWitnessState(other_version).status().code(), absl::StatusCode::kDataLoss);
}

TEST(WitnessStoreTest, CompareAndSetPersists) {
  const std::string dir = test::TempDir("witness_store");
  {
    auto store = WitnessStore::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_FALSE((*store)->Get("o").value().has_value());
    uint64_t current = 99;
    // Absent: only expected size 0 matches.
    EXPECT_EQ((*store)->CompareAndSet("o", 3, HashOf(0), {5, HashOf(5), "a"}, &current).code(),
              absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(current, 0u);
    ASSERT_TRUE((*store)->CompareAndSet("o", 0, HashOf(0), {5, HashOf(5), "a"}).ok());
    // Wrong size, then right size but wrong root.
    EXPECT_EQ((*store)->CompareAndSet("o", 0, HashOf(0), {9, HashOf(9), "b"}, &current).code(),
              absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(current, 5u);
    EXPECT_EQ((*store)->CompareAndSet("o", 5, HashOf(4), {9, HashOf(9), "b"}).code(),
              absl::StatusCode::kFailedPrecondition);
    ASSERT_TRUE((*store)->CompareAndSet("o", 5, HashOf(5), {9, HashOf(9), "b"}).ok());
  }
  auto reopened = WitnessStore::Open(dir);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  auto state = (*reopened)->Get("o");
  ASSERT_TRUE(state.ok() && state->has_value());
  EXPECT_EQ((*state)->size, 9u);
  EXPECT_EQ((*state)->note, "b");
  auto by_hash = (*reopened)->GetByOriginHash(Sha256Of("o"));
  ASSERT_TRUE(by_hash.ok() && by_hash->has_value());
  EXPECT_EQ((*by_hash)->size, 9u);
  EXPECT_FALSE((*reopened)->GetByOriginHash(Sha256Of("p"))->has_value());
}

TEST(WitnessStoreTest, RacingWritersNeverRollBack) {
  auto store = WitnessStore::Open(test::TempDir("witness_store_race"));
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->CompareAndSet("o", 0, HashOf(0), {1, HashOf(1), ""}).ok());
  // Every thread tries to move 1 -> its own size: exactly one wins.
  std::vector<std::thread> threads;
  std::atomic<int> wins{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      const uint8_t size = static_cast<uint8_t>(2 + i);
      if ((*store)->CompareAndSet("o", 1, HashOf(1), {size, HashOf(size), ""}).ok()) {
        ++wins;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
}

}  // namespace
}  // namespace keytrail::monitor
