#include "verifier/account_index.h"

#include <string>

#include "core/crypto/ecvrf.h"
#include "gtest/gtest.h"
#include "testing/fake_log.h"
#include "verifier/fake_log_trust.h"
#include "verifier/test_status.h"

namespace keytrail {
namespace verifier {
namespace {

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
  EXPECT_INVALID(VerifyAccountIndex(TrustIn(log), "alice", log.vrf().Prove("bob")),
                 "vrf proof:");
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
  EXPECT_INVALID(VerifyAccountIndex(TrustIn(log), long_id, log.vrf().Prove(long_id)),
                 "account id");
}

}  // namespace
}  // namespace verifier
}  // namespace keytrail
