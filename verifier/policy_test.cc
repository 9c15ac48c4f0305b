#include "verifier/policy.h"

#include "core/note/cosignature.h"
#include "gtest/gtest.h"
#include "testing/verifier_scenario.h"
#include "testing/verifier_test_status.h"

namespace keytrail {
namespace verifier {
namespace {

TEST(PolicyTest, FromTheLogsKeys) {
  FakeLog log;
  auto m = note::CosignatureSigner::Generate("monitor.example").value();
  Policy p = PolicyFor(log);
  p.monitor_keys = {m.VerifierKey()};
  p.min_cosignatures = 1;
  p.max_checkpoint_age_ms = 5000;
  auto trust = TrustFromPolicy(p);
  ASSERT_TRUE(trust.ok()) << trust.status();
  EXPECT_EQ(trust->origin, FakeLog::kDefaultOrigin);
  EXPECT_EQ(trust->monitors.size(), 1u);
  EXPECT_EQ(trust->min_cosignatures, 1u);
  EXPECT_EQ(trust->max_staleness_ms, 5000u);
}

TEST(PolicyTest, RejectsWhatCannotWork) {
  FakeLog log;
  auto m = note::CosignatureSigner::Generate("monitor.example").value();
  Policy p = PolicyFor(log);
  Policy bad = p;
  bad.log_note_key = "nonsense";
  EXPECT_INVALID(TrustFromPolicy(bad), "policy: log_note_key");
  bad = p;
  bad.vrf_public_key = "short";
  EXPECT_INVALID(TrustFromPolicy(bad), "policy: vrf_public_key");
  bad = p;
  bad.commitment_key = "other";
  EXPECT_INVALID(TrustFromPolicy(bad), "policy: commitment_key");
  bad = p;
  bad.monitor_keys = {"nonsense"};
  EXPECT_INVALID(TrustFromPolicy(bad), "policy: monitor_keys[0]");
  bad = p;
  bad.monitor_keys = {m.VerifierKey(), m.VerifierKey()};
  EXPECT_INVALID(TrustFromPolicy(bad), "repeats a key");
  bad = p;
  bad.monitor_keys = {m.VerifierKey()};
  bad.min_cosignatures = 2;
  EXPECT_INVALID(TrustFromPolicy(bad), "min_cosignatures 2 exceeds the 1");
}

}  // namespace
}  // namespace verifier
}  // namespace keytrail
