#include "verifier/account_version.h"

#include <string>

#include "core/crypto/ed25519.h"
#include "core/protocol/chain.h"
#include "core/protocol/commitment.h"
#include "core/protocol/key_set.h"
#include "gtest/gtest.h"
#include "testing/verifier_test_status.h"

namespace keytrail {
namespace verifier {
namespace {

constexpr uint64_t kLogEpoch = 5;
constexpr uint64_t kLogSize = 20;

class AccountVersionTest : public testing::Test {
 protected:
  AccountVersionTest() : account_key_(Ed25519PrivateKey::Generate()) {
    KeySet ks;
    for (const char* id : {"laptop", "phone"}) {
      ks.devices.push_back(Device{id, std::string("key of ") + id});
    }
    EXPECT_TRUE(SignKeySet(account_key_, "alice", 2, &ks).ok());
    key_set_ = ks;
    v_.set_version(2);
    v_.set_epoch(4);
    v_.set_key_set(EncodeKeySet(ks).value());
    v_.set_opening(std::string(32, 'o'));
    v_.set_log_index(12);
    previous_.fill(0x11);
  }

  absl::StatusOr<AccountState> Verify() const {
    return VerifyAccountVersion("alice", v_, previous_, kLogEpoch, kLogSize);
  }

  Ed25519PrivateKey account_key_;
  KeySet key_set_;
  v1::AccountVersion v_;
  Hash previous_{};
};

TEST_F(AccountVersionTest, ComputesTheChainHead) {
  auto s = Verify();
  ASSERT_TRUE(s.ok()) << s.status();
  const Hash commitment = CommitKeySet(v_.opening(), "alice", 2, v_.key_set()).value();
  EXPECT_EQ(s->head, ChainHead(previous_, 2, 4, commitment));
  EXPECT_EQ(s->previous_head, previous_);
  EXPECT_EQ(s->version, 2u);
  EXPECT_EQ(s->epoch, 4u);
  EXPECT_EQ(s->log_index, 12u);
  EXPECT_EQ(s->key_set, key_set_);
  EXPECT_EQ(s->key_set_bytes, v_.key_set());
}

TEST_F(AccountVersionTest, EmptyKeySetDeactivates) {
  v_.set_key_set(EncodeKeySet(KeySet{}).value());
  auto s = Verify();
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(IsEmpty(s->key_set));
}

TEST_F(AccountVersionTest, VersionZero) {
  v_.set_version(0);
  EXPECT_INVALID(Verify(), "version 0: versions start at 1");
}

TEST_F(AccountVersionTest, VersionOneStartsAtGenesis) {
  v_.set_version(1);
  EXPECT_INVALID(Verify(), "version 1: previous head of version 1 must be the genesis head");
  EXPECT_TRUE(VerifyAccountVersion("alice", v_, GenesisHead(), kLogEpoch, kLogSize).ok());
}

TEST_F(AccountVersionTest, EpochAfterTheCheckpoint) {
  v_.set_epoch(kLogEpoch + 1);
  EXPECT_INVALID(Verify(), "version 2: epoch 6 is after the checkpoint's epoch 5");
  v_.set_epoch(kLogEpoch);
  EXPECT_TRUE(Verify().ok());
}

TEST_F(AccountVersionTest, GenesisEpochHoldsNoUpdates) {
  v_.set_epoch(0);
  EXPECT_INVALID(Verify(), "version 2: epoch 0 is the genesis epoch");
}

TEST_F(AccountVersionTest, LogIndexOutsideTheUpdates) {
  v_.set_log_index(kLogSize - 1);
  EXPECT_INVALID(Verify(),
                 "version 2: log_index 19 is not between the genesis entry and the "
                 "epoch entry at 19");
  v_.set_log_index(0);
  EXPECT_INVALID(Verify(), "version 2: log_index 0 is not between");
  v_.set_log_index(kLogSize - 2);
  EXPECT_TRUE(Verify().ok());
  v_.set_log_index(1);
  EXPECT_TRUE(Verify().ok());
}

TEST_F(AccountVersionTest, NonCanonicalKeySet) {
  v_.mutable_key_set()->push_back('\0');  // trailing byte
  EXPECT_INVALID(Verify(), "version 2: key set:");
  v_.set_key_set("");
  EXPECT_INVALID(Verify(), "version 2: key set:");
}

TEST_F(AccountVersionTest, SignatureIsCheckedSeparately) {
  absl::StatusOr<AccountState> state = Verify();
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_TRUE(VerifyAccountVersionSignature("alice", *state).ok());

  // A device the server added: it cannot sign with the account key. The
  // version itself still checks out (the map decides whether the log holds
  // it); its signature does not.
  KeySet ks = key_set_;
  ks.devices.push_back(Device{"tablet", "key of tablet"});
  v_.set_key_set(EncodeKeySet(ks).value());
  state = Verify();
  ASSERT_TRUE(state.ok()) << state.status();
  absl::Status s = VerifyAccountVersionSignature("alice", *state);
  EXPECT_INVALID(s,
                 "version 2: key set signature: does not verify under the account key for "
                 "version 2");
  EXPECT_TRUE(IsKeySetSignatureError(s)) << s;
}

TEST_F(AccountVersionTest, SignatureForAnotherVersionOrAccountFails) {
  // key_set_ was signed as version 2 of alice.
  v_.set_version(3);
  absl::StatusOr<AccountState> state = Verify();
  ASSERT_TRUE(state.ok()) << state.status();
  absl::Status s = VerifyAccountVersionSignature("alice", *state);
  EXPECT_INVALID(s,
                 "version 3: key set signature: does not verify under the account key for "
                 "version 3");
  EXPECT_TRUE(IsKeySetSignatureError(s));
  v_.set_version(2);
  state = Verify();
  ASSERT_TRUE(state.ok());
  EXPECT_TRUE(IsKeySetSignatureError(VerifyAccountVersionSignature("mallory", *state)));
  // Without an account key there is nothing to verify.
  KeySet plain;
  plain.devices.push_back(Device{"phone", "key of phone"});
  v_.set_key_set(EncodeKeySet(plain).value());
  state = Verify();
  ASSERT_TRUE(state.ok());
  EXPECT_TRUE(VerifyAccountVersionSignature("alice", *state).ok());
}

TEST_F(AccountVersionTest, BadOpening) {
  v_.set_opening(std::string(15, 'o'));
  EXPECT_INVALID(Verify(), "version 2: commitment: opening must be 16..64 bytes");
}

TEST_F(AccountVersionTest, EveryCommittedFieldChangesTheHead) {
  const Hash head = Verify().value().head;
  v1::AccountVersion saved = v_;
  v_.mutable_opening()->back() ^= 1;
  EXPECT_NE(Verify().value().head, head);
  v_ = saved;
  v_.set_epoch(3);
  EXPECT_NE(Verify().value().head, head);
  v_ = saved;
  v_.set_version(3);
  EXPECT_NE(Verify().value().head, head);
  v_ = saved;
  previous_[0] ^= 1;
  EXPECT_NE(Verify().value().head, head);
  previous_[0] ^= 1;
  // The account enters the commitment.
  EXPECT_NE(VerifyAccountVersion("alicf", v_, previous_, kLogEpoch, kLogSize).value().head, head);
  // Without an account key too.
  KeySet plain;
  plain.devices.push_back(Device{"phone", "key of phone"});
  v_.set_key_set(EncodeKeySet(plain).value());
  const Hash alice = Verify().value().head;
  EXPECT_NE(VerifyAccountVersion("alicf", v_, previous_, kLogEpoch, kLogSize).value().head, alice);
}

}  // namespace
}  // namespace verifier
}  // namespace keytrail
