#include "verifier/log_trust.h"

#include "core/crypto/ecvrf.h"
#include "core/note/note.h"
#include "core/protocol/commitment.h"
#include "gtest/gtest.h"
#include "testing/verifier_test_status.h"

namespace keytrail {
namespace verifier {
namespace {

class LogTrustTest : public testing::Test {
 protected:
  LogTrustTest()
      : signer_(note::Ed25519NoteSigner::Generate("example.org/log").value()),
        vrf_(VrfPrivateKey::Generate()) {
    info_.set_origin("example.org/log");
    info_.set_note_verifier_key(signer_.VerifierKey());
    info_.set_vrf_public_key(vrf_.public_key().bytes());
    info_.set_commitment_key(CommitmentKey());
    info_.set_protocol_version(1);
    info_.set_max_epoch_age_ms(60000);
  }

  note::Ed25519NoteSigner signer_;
  VrfPrivateKey vrf_;
  v1::GetLogInfoResponse info_;
};

TEST_F(LogTrustTest, ParsesKeysAndLeavesPolicyToTheApp) {
  auto trust = LogTrust::FromLogInfo(info_);
  ASSERT_TRUE(trust.ok()) << trust.status();
  EXPECT_EQ(trust->origin, "example.org/log");
  EXPECT_EQ(trust->log_key.VerifierKey(), signer_.VerifierKey());
  EXPECT_EQ(trust->vrf_key, vrf_.public_key());
  EXPECT_TRUE(trust->monitors.empty());
  EXPECT_EQ(trust->min_cosignatures, 0u);
  EXPECT_EQ(trust->max_staleness_ms, 0u);  // max_epoch_age_ms is only a hint
  // The parsed key verifies the signer's signatures.
  EXPECT_TRUE(trust->log_key.Verify("text\n", signer_.Sign("text\n")));
}

TEST_F(LogTrustTest, RejectsAnotherProtocolVersion) {
  info_.set_protocol_version(2);
  EXPECT_INVALID(LogTrust::FromLogInfo(info_), "protocol_version 2");
  info_.set_protocol_version(0);  // unset
  EXPECT_INVALID(LogTrust::FromLogInfo(info_), "protocol_version 0");
}

TEST_F(LogTrustTest, RejectsEmptyOrigin) {
  info_.set_origin("");
  EXPECT_INVALID(LogTrust::FromLogInfo(info_), "origin is empty");
}

TEST_F(LogTrustTest, RejectsKeyNamedOtherThanOrigin) {
  info_.set_origin("example.org/other");
  EXPECT_INVALID(LogTrust::FromLogInfo(info_), "differs from origin");
}

TEST_F(LogTrustTest, RejectsMalformedNoteKey) {
  info_.set_note_verifier_key("example.org/log+00000000+AAAA");
  EXPECT_INVALID(LogTrust::FromLogInfo(info_), "note verifier key");
}

TEST_F(LogTrustTest, RejectsBadVrfKey) {
  info_.set_vrf_public_key(vrf_.public_key().bytes().substr(1));  // 32 bytes
  EXPECT_INVALID(LogTrust::FromLogInfo(info_), "vrf_public_key");
  std::string uncompressed_prefix = vrf_.public_key().bytes();
  uncompressed_prefix[0] = 0x04;
  info_.set_vrf_public_key(uncompressed_prefix);
  EXPECT_INVALID(LogTrust::FromLogInfo(info_), "vrf_public_key");
}

TEST_F(LogTrustTest, RejectsOtherCommitmentKey) {
  std::string key = CommitmentKey();
  key[0] ^= 1;
  info_.set_commitment_key(key);
  EXPECT_INVALID(LogTrust::FromLogInfo(info_), "commitment_key");
  info_.clear_commitment_key();
  EXPECT_INVALID(LogTrust::FromLogInfo(info_), "commitment_key");
}

}  // namespace
}  // namespace verifier
}  // namespace keytrail
