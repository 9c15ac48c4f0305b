// The shared part of Lookup and History answers (account_proof.h): the
// account's VRF index and the map proof, each refused with its own message.
#include "verifier/account_proof.h"

#include <string>

#include "core/crypto/ecvrf.h"
#include "core/map/hasher.h"
#include "core/map/memory_map.h"
#include "core/map/proof.h"
#include "gtest/gtest.h"
#include "testing/fake_log.h"
#include "testing/fake_log_trust.h"
#include "testing/verifier_test_status.h"

namespace keytrail {
namespace verifier {
namespace {

// ---- VerifyAccountIndex ----

using fakes::FakeLog;
using fakes::PlainKeySet;
using fakes::SignedKeySet;

TEST(AccountIndexTest, ProofForTheAccountGivesItsIndex) {
  FakeLog log;
  auto index = VerifyAccountIndex(TrustIn(log), "alice", log.vrf().Prove("alice"));
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ(*index, log.Index("alice"));
  EXPECT_NE(*index, log.Index("bob"));
}

TEST(AccountIndexTest, ProofForAnotherAccount) {
  FakeLog log;
  EXPECT_INVALID(VerifyAccountIndex(TrustIn(log), "alice", log.vrf().Prove("bob")), "vrf proof:");
}

TEST(AccountIndexTest, ProofUnderAnotherKey) {
  FakeLog log;
  VrfPrivateKey other = VrfPrivateKey::Generate();
  EXPECT_INVALID(VerifyAccountIndex(TrustIn(log), "alice", other.Prove("alice")), "vrf proof:");
}

TEST(AccountIndexTest, TamperedOrMalformedProof) {
  FakeLog log;
  std::string proof = log.vrf().Prove("alice");
  std::string tampered = proof;
  tampered[40] ^= 1;  // inside c
  EXPECT_INVALID(VerifyAccountIndex(TrustIn(log), "alice", tampered), "vrf proof:");
  EXPECT_INVALID(VerifyAccountIndex(TrustIn(log), "alice", proof.substr(1)), "vrf proof:");
  EXPECT_INVALID(VerifyAccountIndex(TrustIn(log), "alice", ""), "vrf proof:");
}

TEST(AccountIndexTest, InvalidAccountId) {
  FakeLog log;
  EXPECT_INVALID(VerifyAccountIndex(TrustIn(log), "", log.vrf().Prove("")), "account id");
  const std::string long_id(257, 'a');
  EXPECT_INVALID(VerifyAccountIndex(TrustIn(log), long_id, log.vrf().Prove(long_id)), "account id");
}

// ---- VerifyAccountInMap, VerifyAccountAbsent ----

Hash H(uint8_t first, uint8_t last = 0) {
  Hash h{};
  h[0] = first;
  h[31] = last;
  return h;
}

class AccountMapTest : public testing::Test {
 protected:
  AccountMapTest() {
    map_.Set(map::MapLeaf{H(0x00), 3, H(0xaa)});
    map_.Set(map::MapLeaf{H(0x20), 1, H(0xbb)});
    map_.Set(map::MapLeaf{H(0x80), 7, H(0xcc)});
  }
  map::MemoryMap map_;
};

TEST_F(AccountMapTest, MemberWithItsVersionAndHead) {
  EXPECT_TRUE(VerifyAccountInMap(map_.Root(), H(0x20), 1, H(0xbb), map_.Prove(H(0x20))).ok());
}

TEST_F(AccountMapTest, MemberWithAnotherHeadOrVersion) {
  const map::MapProof proof = map_.Prove(H(0x20));
  EXPECT_INVALID(VerifyAccountInMap(map_.Root(), H(0x20), 1, H(0xbc), proof),
                 "version 1: computed head");
  EXPECT_INVALID(VerifyAccountInMap(map_.Root(), H(0x20), 2, H(0xbb), proof),
                 "does not match the map");
}

TEST_F(AccountMapTest, MembershipClaimedWithAnAbsenceProof) {
  EXPECT_INVALID(VerifyAccountInMap(map_.Root(), H(0x40), 1, H(0xdd), map_.Prove(H(0x40))),
                 "map proof: terminal 0 does not prove membership");
}

TEST_F(AccountMapTest, MalformedShapeIsAMapProofError) {
  map::MapProof proof = map_.Prove(H(0x20));
  proof.siblings.push_back(map::EmptyMapHash());  // a terminal under an empty sibling
  EXPECT_INVALID(VerifyAccountInMap(map_.Root(), H(0x20), 1, H(0xbb), proof), "map proof:");
}

TEST_F(AccountMapTest, AbsentBothWays) {
  // Leaves 000.., 001.., 100..: 010.. ends in the empty subtree 01.
  const map::MapProof empty = map_.Prove(H(0x40));
  ASSERT_EQ(empty.terminal, map::MapProof::Terminal::kEmpty);
  EXPECT_TRUE(VerifyAccountAbsent(map_.Root(), H(0x40), empty, "none").ok());
  // 11.. ends in subtree 1, which holds only 100..: another leaf.
  const map::MapProof other = map_.Prove(H(0xc0));
  ASSERT_EQ(other.terminal, map::MapProof::Terminal::kOtherLeaf);
  EXPECT_TRUE(VerifyAccountAbsent(map_.Root(), H(0xc0), other, "none").ok());
}

TEST_F(AccountMapTest, AbsenceClaimedForAMember) {
  EXPECT_INVALID(VerifyAccountAbsent(map_.Root(), H(0x20), map_.Prove(H(0x20)), "it said none"),
                 "map proof: proves the account has a version, but it said none");
  // An absence proof for one path does not cover another.
  EXPECT_INVALID(VerifyAccountAbsent(map_.Root(), H(0xc0), map_.Prove(H(0x40)), "none"),
                 "map proof: root mismatch");
}

}  // namespace
}  // namespace verifier
}  // namespace keytrail
