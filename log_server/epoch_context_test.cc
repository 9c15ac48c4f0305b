#include "log_server/epoch_context.h"

#include <atomic>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "core/protocol/key_set.h"
#include "core/storage/rocks_map_store.h"
#include "gtest/gtest.h"
#include "log_server/epoch_builder.h"
#include "log_server/log_queries.h"
#include "log_server/published_state.h"
#include "log_server/real_epoch_log_fixture.h"

namespace keytrail {
namespace {

std::string Account(int i) { return absl::StrCat("user", i, "@example.org"); }

// A log of real epochs (EpochBuilder on RocksDB), answered by a LogQueries
// without contexts (`Plain`, the reference) and one with them.
class EpochContextTest : public test::RealEpochLogTest {
 protected:
  EpochContextTest() : RealEpochLogTest("example.org/test-log") {}

  using RealEpochLogTest::Epoch;
  using RealEpochLogTest::Update;
  PreparedUpdate Update(int account, int device) {
    KeySet ks;
    ks.devices.push_back(Device{absl::StrCat("device", device), "key"});
    return Update(Account(account), ks);
  }

  // One epoch creating accounts [first, first + count) and updating every
  // 7th account below `first`.
  std::shared_ptr<const PublishedState> Epoch(int first, int count) {
    std::vector<PreparedUpdate> batch;
    for (int i = first; i < first + count; ++i) batch.push_back(Update(i, 1));
    for (int i = 0; i < first; i += 7) batch.push_back(Update(i, ++device_));
    accounts_ = first + count;
    return Epoch(batch);
  }

  static std::string HistoryAnswer(const LogQueries& queries, const std::string& account,
                                   uint64_t last_verified_size) {
    v1::HistoryRequest request;
    request.set_account(account);
    request.set_since_version(1);
    request.set_last_verified_size(last_verified_size);
    v1::HistoryResponse response;
    absl::Status s = queries.History(request, &response);
    return absl::StrCat(s.ToString(), "|", response.SerializeAsString());
  }

  // Every answer of `cached` equals `plain`'s: present, absent and malformed
  // accounts, Lookup (also through Prefetch) and History, from every size
  // the log had.
  void ExpectSameAnswers(const LogQueries& plain, const LogQueries& cached) {
    std::vector<std::string> accounts = {"nobody@example.org", "", std::string(300, 'x')};
    for (int i = 0; i < accounts_; i += 11) accounts.push_back(Account(i));
    for (const std::string& account : accounts) {
      for (uint64_t size : {uint64_t{0}, sizes_.front(), sizes_[sizes_.size() / 2], sizes_.back(),
                            sizes_.back() + 1}) {
        SCOPED_TRACE(absl::StrCat(account, " from ", size));
        const std::string want = LookupAnswer(plain, account, size);
        EXPECT_EQ(LookupAnswer(cached, account, size), want);
        v1::LookupRequest request;
        request.set_account(account);
        request.set_last_verified_size(size);
        v1::LookupResponse response;
        absl::Status s = cached.Lookup(cached.Prefetch(account), request, &response);
        EXPECT_EQ(absl::StrCat(s.ToString(), "|", response.SerializeAsString()), want);
        if (size == sizes_.front()) {
          EXPECT_EQ(HistoryAnswer(cached, account, size), HistoryAnswer(plain, account, size));
        }
      }
    }
  }

  int device_ = 1;
  int accounts_ = 0;
};

TEST_F(EpochContextTest, AnswersAreTheSameWithAndWithoutContexts) {
  Epoch(0, 300);
  Epoch(300, 400);
  auto state = Epoch(700, 50);
  StateHolder holder;
  holder.Set(state);
  EpochContexts contexts(*storage_, EpochContextOptions{4, 8});
  contexts.Publish(state);
  contexts.WaitIdle();
  auto context = contexts.For(*state);
  ASSERT_NE(context, nullptr);
  EXPECT_EQ(context->epoch(), state->log.epoch);
  EXPECT_GT(context->map_top()->tiles(), 1u);  // 750 accounts: tiles at depths 0 and 4

  LogQueries plain(*storage_, holder, vrf_, {});
  LogQueries cached(*storage_, holder, vrf_, {}, nullptr, nullptr, &contexts);
  ExpectSameAnswers(plain, cached);
  // One thread: one leaf iterator, made once and reused by every lookup.
  EXPECT_EQ(context->idle_leaf_iterators(), 1u);
  // The served copy of a state (cosignatures added) shares the context.
  auto served = std::make_shared<PublishedState>(*state);
  served->checkpoint += "\n";
  EXPECT_EQ(contexts.For(*served), context);
}

TEST_F(EpochContextTest, AContextServesOnlyItsEpochAndOldOnesAreDropped) {
  auto first = Epoch(0, 100);
  StateHolder holder;
  holder.Set(first);
  EpochContexts contexts(*storage_, EpochContextOptions{});
  contexts.Publish(first);
  contexts.WaitIdle();
  ASSERT_NE(contexts.For(*first), nullptr);

  // A new epoch, not yet built: no context for it, and answers (made
  // without one) are still right.
  auto second = Epoch(100, 100);
  holder.Set(second);
  EXPECT_EQ(contexts.For(*second), nullptr);
  EXPECT_FALSE(contexts.For(*first)->IsFor(*second));
  LogQueries plain(*storage_, holder, vrf_, {});
  LogQueries cached(*storage_, holder, vrf_, {}, nullptr, nullptr, &contexts);
  ExpectSameAnswers(plain, cached);

  contexts.Publish(second);
  contexts.Publish(second);  // once is enough
  contexts.WaitIdle();
  ASSERT_NE(contexts.For(*second), nullptr);
  EXPECT_EQ(contexts.For(*second)->epoch(), second->log.epoch);
  EXPECT_EQ(contexts.size(), 2u);
  ExpectSameAnswers(plain, cached);

  // Only the newest kKept are kept.
  std::vector<std::shared_ptr<const PublishedState>> states = {first, second};
  for (size_t i = 0; i < EpochContexts::kKept; ++i) {
    states.push_back(Epoch(accounts_, 10));
    contexts.Publish(states.back());
    contexts.WaitIdle();
  }
  EXPECT_EQ(contexts.size(), EpochContexts::kKept);
  EXPECT_EQ(contexts.For(*first), nullptr);
  EXPECT_EQ(contexts.For(*second), nullptr);
  EXPECT_NE(contexts.For(*states.back()), nullptr);
  EXPECT_GT(contexts.bytes(), 0u);
}

TEST_F(EpochContextTest, CachesStayWithinTheirBounds) {
  for (int e = 0; e < 6; ++e) Epoch(accounts_, 120);
  auto state = builder_->published();
  StateHolder holder;
  holder.Set(state);

  // No map strata: only the root is held; answers are the same.
  EpochContexts none(*storage_, EpochContextOptions{0, 0, 0});
  none.Publish(state);
  none.WaitIdle();
  ASSERT_NE(none.For(*state), nullptr);
  EXPECT_EQ(none.For(*state)->map_top()->tiles(), 0u);
  EXPECT_EQ(none.For(*state)->map_top()->strata(), 0);
  LogQueries plain(*storage_, holder, vrf_, {});
  LogQueries without(*storage_, holder, vrf_, {}, nullptr, nullptr, &none);
  ExpectSameAnswers(plain, without);
  EXPECT_EQ(none.For(*state)->cached_consistency_proofs(), 0u);
  EXPECT_EQ(none.For(*state)->idle_leaf_iterators(), 0u);

  // Two consistency proofs kept, however many sizes are asked from; every
  // proof (kept or not) is the right one.
  EpochContexts two(*storage_, EpochContextOptions{1, 2, 2});
  two.Publish(state);
  two.WaitIdle();
  auto context = two.For(*state);
  ASSERT_NE(context, nullptr);
  EXPECT_EQ(context->map_top()->strata(), 1);
  EXPECT_EQ(context->map_top()->tiles(), 1u);  // 720 accounts: the root tile
  LogQueries cached(*storage_, holder, vrf_, {}, nullptr, nullptr, &two);
  for (size_t i = 0; i + 1 < sizes_.size(); ++i) {
    for (int repeat = 0; repeat < 2; ++repeat) {
      EXPECT_EQ(LookupAnswer(cached, Account(5), sizes_[i]),
                LookupAnswer(plain, Account(5), sizes_[i]));
    }
  }
  EXPECT_EQ(context->cached_consistency_proofs(), 2u);
  // At most two idle iterators, however many are handed back.
  std::vector<std::unique_ptr<rocksdb::Iterator>> taken;
  for (int i = 0; i < 4; ++i) taken.push_back(context->TakeLeafIterator());
  for (int i = 0; i < 4; ++i) {
    std::vector<map::MapLeaf> leaves;
    RocksMapReader r = storage_->Reader(state->snapshot.get()).MapReader();
    ASSERT_TRUE(r.ScanLeaves(Hash{}, 4, &leaves).ok());
    context->ReturnLeafIterator(r.ReleaseIterator());
  }
  EXPECT_EQ(context->idle_leaf_iterators(), 2u);
}

// Readers on several threads while epochs are committed and published: each
// answer is exactly the one made without contexts from the state it names.
TEST_F(EpochContextTest, ConcurrentReadersDuringCommits) {
  Epoch(0, 200);
  StateHolder holder;
  EpochContexts contexts(*storage_, EpochContextOptions{});
  holder.OnSet(
      [&contexts](const std::shared_ptr<const PublishedState>& s) { contexts.Publish(s); });
  std::map<std::string, std::shared_ptr<const PublishedState>> by_checkpoint;
  auto publish = [&](std::shared_ptr<const PublishedState> s) {
    by_checkpoint[s->checkpoint] = s;
    holder.Set(s);
  };
  publish(builder_->published());
  LogQueries cached(*storage_, holder, vrf_, {}, nullptr, nullptr, &contexts);

  struct Seen {
    std::string account;
    std::string answer;
    std::string checkpoint;
  };
  absl::Mutex mu;
  std::vector<Seen> seen;
  std::atomic<bool> stop{false};
  std::atomic<int> accounts{200};
  auto read = [&](int seed) {
    std::mt19937 rng(seed);
    while (!stop.load()) {
      Seen s;
      s.account = Account(static_cast<int>(rng() % accounts.load()));
      v1::LookupRequest request;
      request.set_account(s.account);
      v1::LookupResponse response;
      absl::Status st = cached.Lookup(cached.Prefetch(s.account), request, &response);
      ASSERT_TRUE(st.ok()) << st;
      s.checkpoint = response.log().checkpoint();
      s.answer = response.SerializeAsString();
      absl::MutexLock lock(&mu);
      seen.push_back(std::move(s));
    }
  };
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) readers.emplace_back(read, t);
  for (int e = 0; e < 6; ++e) {
    publish(Epoch(accounts_, 60));
    accounts.store(accounts_ - 60);  // accounts every published state has
  }
  contexts.WaitIdle();
  absl::SleepFor(absl::Milliseconds(20));
  stop.store(true);
  for (auto& t : readers) t.join();

  ASSERT_FALSE(seen.empty());
  std::map<std::string, int> per_state;
  for (size_t i = 0; i < seen.size(); i += std::max<size_t>(1, seen.size() / 400)) {
    const Seen& s = seen[i];
    auto it = by_checkpoint.find(s.checkpoint);
    ASSERT_NE(it, by_checkpoint.end());
    ++per_state[s.checkpoint];
    StateHolder fixed;
    fixed.Set(it->second);
    LogQueries plain(*storage_, fixed, vrf_, {});
    v1::LookupRequest request;
    request.set_account(s.account);
    v1::LookupResponse response;
    ASSERT_TRUE(plain.Lookup(request, &response).ok());
    EXPECT_EQ(s.answer, response.SerializeAsString()) << s.account;
  }
  EXPECT_GT(per_state.size(), 1u);  // the readers saw several epochs
  for (const auto& [checkpoint, state] : by_checkpoint) {
    auto context = contexts.For(*state);
    if (context != nullptr) {
      EXPECT_LE(context->idle_leaf_iterators(), contexts.options().leaf_iterators);
    }
  }
}

}  // namespace
}  // namespace keytrail
