#include "log_server/account_index.h"

#include <cstdlib>
#include <string>

#include "core/crypto/ecvrf.h"
#include "gtest/gtest.h"
#include "log_server/log_storage.h"

namespace keytrail {
namespace {

class AccountIndexTest : public testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("TEST_TMPDIR");
    auto storage =
        LogStorage::Open(std::string(base ? base : "/tmp") + "/" +
                             testing::UnitTest::GetInstance()->current_test_info()->name(),
                         1 << 20);
    ASSERT_TRUE(storage.ok()) << storage.status();
    storage_ = *std::move(storage);
  }

  VrfPrivateKey vrf_ = VrfPrivateKey::Generate();
  std::unique_ptr<LogStorage> storage_;
};

TEST_F(AccountIndexTest, AnUnknownAccountGetsItsProvableIndex) {
  auto index = FindAccountIndex(storage_->Reader(nullptr), vrf_, "alice");
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_FALSE(index->stored);
  auto verified = vrf_.public_key().Verify("alice", index->record.vrf_proof);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(*verified, index->record.index);
}

TEST_F(AccountIndexTest, AKnownAccountGetsTheStoredIndexAsOfTheSnapshot) {
  Snapshot before = storage_->GetSnapshot();
  // A record no VRF would compute: what comes back must be the stored one.
  AccountRecord stored;
  stored.index.fill(7);
  stored.vrf_proof = "stored proof";
  EpochBatch batch(*storage_);
  batch.PutAccount("alice", stored);
  ASSERT_TRUE(storage_->Commit(batch).ok());

  auto now = FindAccountIndex(storage_->Reader(nullptr), vrf_, "alice");
  ASSERT_TRUE(now.ok()) << now.status();
  EXPECT_TRUE(now->stored);
  EXPECT_EQ(now->record.index, stored.index);
  EXPECT_EQ(now->record.vrf_proof, stored.vrf_proof);

  auto then = FindAccountIndex(storage_->Reader(before.get()), vrf_, "alice");
  ASSERT_TRUE(then.ok()) << then.status();
  EXPECT_FALSE(then->stored);
  EXPECT_EQ(then->record.vrf_proof, vrf_.Prove("alice"));
}

TEST_F(AccountIndexTest, AnUnknownAccountsProofIsCachedAndReused) {
  VrfProofCache cache(8);
  auto first = FindAccountIndex(storage_->Reader(nullptr), vrf_, "bob", &cache);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(cache.size(), 1u);
  auto cached = cache.Get("bob");
  ASSERT_TRUE(cached.has_value());
  // Deterministic proving: the cached proof is the one Prove gives again.
  EXPECT_EQ(cached->vrf_proof, vrf_.Prove("bob"));
  EXPECT_EQ(cached->index, first->record.index);

  // A hit is served from the cache: plant a marker to see it come back.
  AccountRecord marker = *cached;
  marker.vrf_proof = "from the cache";
  cache.Put("bob", marker);
  auto second = FindAccountIndex(storage_->Reader(nullptr), vrf_, "bob", &cache);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->stored);
  EXPECT_EQ(second->record.vrf_proof, "from the cache");
}

TEST_F(AccountIndexTest, AKnownAccountNeverTouchesTheCache) {
  AccountRecord stored;
  stored.index.fill(9);
  stored.vrf_proof = "stored proof";
  EpochBatch batch(*storage_);
  batch.PutAccount("carol", stored);
  ASSERT_TRUE(storage_->Commit(batch).ok());
  VrfProofCache cache(8);
  auto found = FindAccountIndex(storage_->Reader(nullptr), vrf_, "carol", &cache);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_TRUE(found->stored);
  EXPECT_EQ(found->record.vrf_proof, "stored proof");
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace keytrail
