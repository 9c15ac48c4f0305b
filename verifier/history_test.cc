#include "verifier/history.h"

#include <string>

#include "core/crypto/ed25519.h"
#include "core/protocol/chain.h"
#include "core/protocol/key_set.h"
#include "core/protocol/limits.h"
#include "gtest/gtest.h"
#include "testing/fake_log.h"
#include "testing/fake_log_trust.h"
#include "testing/verifier_test_status.h"

namespace keytrail {
namespace verifier {
namespace {

using fakes::FakeLog;
using fakes::PlainKeySet;
using fakes::SignedKeySet;

constexpr uint64_t kT0 = FakeLog::kGenesisTimeMs;

// alice: versions 1 and 2 in epoch 1, 3 in epoch 2, none in epoch 3, 4 (with
// an account key) in epoch 4. bob: version 1 in epoch 2.
class HistoryTest : public testing::Test {
 protected:
  HistoryTest() : alice_key_(Ed25519PrivateKey::Generate()), trust_(TrustIn(log_)) {
    log_.Update("alice", PlainKeySet({"phone"}));
    log_.Update("alice", PlainKeySet({"phone", "laptop"}));
    log_.CloseEpoch(kT0 + 1000);
    log_.Update("alice", PlainKeySet({"laptop"}));
    log_.Update("bob", PlainKeySet({"phone"}));
    log_.CloseEpoch(kT0 + 2000);
    log_.CloseEpoch(kT0 + 3000);
    log_.Update("alice", SignedKeySet(alice_key_, "alice", 4, {"laptop", "phone"}));
    log_.CloseEpoch(kT0 + 4000);
  }

  absl::StatusOr<VerifiedHistory> Verify(absl::string_view account, uint64_t since,
                                         const std::optional<Hash>& trusted,
                                         const v1::HistoryResponse& r,
                                         const TrustedCheckpoint& last = {}) const {
    return VerifyHistory(trust_, account, since, trusted, r, last, log_.timestamp_ms());
  }

  FakeLog log_;
  Ed25519PrivateKey alice_key_;
  LogTrust trust_;
};

// ---- Honest answers ----

TEST_F(HistoryTest, EveryVersionAcrossEpochs) {
  auto v = Verify("alice", 1, std::nullopt, log_.History("alice", 1));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->index, log_.Index("alice"));
  ASSERT_EQ(v->versions.size(), 4u);
  const uint64_t epochs[] = {1, 1, 2, 4};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(v->versions[i].version, i + 1);
    EXPECT_EQ(v->versions[i].epoch, epochs[i]);
    EXPECT_EQ(v->versions[i].previous_head, log_.Head("alice", i));
    EXPECT_EQ(v->versions[i].head, log_.Head("alice", i + 1));
  }
  EXPECT_EQ(v->versions[1].key_set, PlainKeySet({"phone", "laptop"}));
  EXPECT_EQ(v->versions[3].key_set.account_key, alice_key_.public_key().bytes());
  EXPECT_EQ(v->head, log_.Head("alice", 4));
  // Asking with the genesis head as the trusted one is the same.
  EXPECT_TRUE(Verify("alice", 1, GenesisHead(), log_.History("alice", 1)).ok());
}

TEST_F(HistoryTest, SinceTheLastVerifiedHead) {
  auto v = Verify("alice", 3, log_.Head("alice", 2), log_.History("alice", 3));
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_EQ(v->versions.size(), 2u);
  EXPECT_EQ(v->versions[0].version, 3u);
  EXPECT_EQ(v->versions[1].version, 4u);
  EXPECT_EQ(v->head, log_.Head("alice", 4));
}

TEST_F(HistoryTest, SinceAVersionWithoutTrustedHead) {
  auto v = Verify("alice", 2, std::nullopt, log_.History("alice", 2));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->versions.size(), 3u);
  EXPECT_EQ(v->versions[0].previous_head, log_.Head("alice", 1));
}

TEST_F(HistoryTest, NothingNew) {
  auto v = Verify("alice", 5, log_.Head("alice", 4), log_.History("alice", 5));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->versions.empty());
  EXPECT_EQ(v->head, log_.Head("alice", 4));
  auto untrusted = Verify("alice", 5, std::nullopt, log_.History("alice", 5));
  ASSERT_TRUE(untrusted.ok()) << untrusted.status();
  EXPECT_EQ(untrusted->head, log_.Head("alice", 4));
}

TEST_F(HistoryTest, AbsentAccount) {
  auto v = Verify("carol", 1, std::nullopt, log_.History("carol", 1));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->versions.empty());
  EXPECT_EQ(v->head, GenesisHead());
}

TEST_F(HistoryTest, ConsistentWithAnEarlierCheckpoint) {
  const TrustedCheckpoint old = Trusted(log_.CheckpointAt(log_.EpochEntryIndex(2) + 1));
  auto v = Verify("bob", 1, std::nullopt, log_.History("bob", 1, old.size), old);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->versions.size(), 1u);
}

// ---- Request and numbering ----

TEST_F(HistoryTest, SinceVersionZero) {
  EXPECT_INVALID(Verify("alice", 0, std::nullopt, log_.History("alice", 1)),
                 "since_version: versions start at 1");
}

TEST_F(HistoryTest, Gap) {
  v1::HistoryResponse r = log_.History("alice", 1);
  r.mutable_versions()->DeleteSubrange(1, 1);  // 1, 3, 4
  EXPECT_INVALID(Verify("alice", 1, std::nullopt, r),
                 "history: version at position 1 is 3, want since_version + 1");
}

TEST_F(HistoryTest, Reordered) {
  v1::HistoryResponse r = log_.History("alice", 1);
  r.mutable_versions()->SwapElements(1, 2);  // 1, 3, 2, 4
  EXPECT_INVALID(Verify("alice", 1, std::nullopt, r), "history: version at position 1 is 3");
}

TEST_F(HistoryTest, StartsAtAnotherVersion) {
  EXPECT_INVALID(Verify("alice", 2, log_.Head("alice", 1), log_.History("alice", 1)),
                 "history: version at position 0 is 1, want since_version + 0");
}

TEST_F(HistoryTest, LastVersionLeftOut) {
  v1::HistoryResponse r = log_.History("alice", 1);
  r.mutable_versions()->RemoveLast();  // 1..3, but the map holds 4
  EXPECT_INVALID(Verify("alice", 1, std::nullopt, r), "version 3: computed head");
}

TEST_F(HistoryTest, TooManyVersions) {
  v1::HistoryResponse r = log_.History("alice", 1);
  r.clear_versions();
  for (uint64_t v = 1; v <= kMaxHistoryVersions + 1; ++v) r.add_versions()->set_version(v);
  EXPECT_INVALID(Verify("alice", 1, std::nullopt, r),
                 "history: 10001 versions; one answer holds at most 10000");
}

TEST_F(HistoryTest, EpochGoesBack) {
  v1::HistoryResponse r = log_.History("alice", 1);
  r.mutable_versions(2)->set_epoch(0);
  EXPECT_INVALID(Verify("alice", 1, std::nullopt, r),
                 "history: version 3 has epoch 0, before version 2's epoch 1");
}

TEST_F(HistoryTest, LogIndexGoesBack) {
  v1::HistoryResponse r = log_.History("alice", 1);
  r.mutable_versions(1)->set_log_index(r.versions(0).log_index());
  EXPECT_INVALID(Verify("alice", 1, std::nullopt, r), "history: version 2 has log_index");
}

TEST_F(HistoryTest, EpochAfterTheCheckpoint) {
  v1::HistoryResponse r = log_.History("alice", 1);
  r.mutable_versions(3)->set_epoch(9);
  EXPECT_INVALID(Verify("alice", 1, std::nullopt, r), "version 4: epoch 9 is after");
}

// ---- Where the chain starts ----

TEST_F(HistoryTest, WrongTrustedHead) {
  EXPECT_INVALID(Verify("alice", 3, log_.Head("alice", 1), log_.History("alice", 3)),
                 "previous_head: ");
  EXPECT_INVALID(Verify("alice", 3, log_.Head("alice", 1), log_.History("alice", 3)),
                 "differs from the trusted head");
  // A server that agrees with a wrong trusted head still cannot reach the
  // head the map holds.
  v1::HistoryResponse r = log_.History("alice", 3);
  r.set_previous_head(HashString(log_.Head("alice", 1)));
  EXPECT_INVALID(Verify("alice", 3, log_.Head("alice", 1), r), "does not match the map");
}

TEST_F(HistoryTest, TrustedHeadBeforeVersionOneIsGenesis) {
  EXPECT_INVALID(Verify("alice", 1, log_.Head("alice", 1), log_.History("alice", 1)),
                 "previous_head: the trusted head before version 1 must be the genesis head");
}

TEST_F(HistoryTest, PreviousHeadBeforeVersionOneIsGenesis) {
  v1::HistoryResponse r = log_.History("alice", 1);
  r.set_previous_head(HashString(log_.Head("bob", 1)));
  EXPECT_INVALID(Verify("alice", 1, std::nullopt, r), "given for version 0, want the genesis head");
}

TEST_F(HistoryTest, PreviousHeadTampered) {
  v1::HistoryResponse r = log_.History("alice", 3);
  r.mutable_previous_head()->back() ^= 1;
  EXPECT_INVALID(Verify("alice", 3, std::nullopt, r), "version 4: computed head");
  r.mutable_previous_head()->pop_back();
  EXPECT_INVALID(Verify("alice", 3, std::nullopt, r), "previous_head: must be 32 bytes, got 31");
}

// ---- The versions ----

TEST_F(HistoryTest, KeySetTamperedInAnEarlierVersion) {
  // Version 2 claims other devices: its head changes, and so every later
  // head, up to the one the map holds.
  v1::HistoryResponse r = log_.History("alice", 1);
  r.mutable_versions(1)->set_key_set(EncodeKeySet(PlainKeySet({"phone", "evil"})).value());
  EXPECT_INVALID(Verify("alice", 1, std::nullopt, r), "version 4: computed head");
}

TEST_F(HistoryTest, OpeningTamperedInAnEarlierVersion) {
  v1::HistoryResponse r = log_.History("alice", 1);
  r.mutable_versions(0)->mutable_opening()->front() ^= 1;
  EXPECT_INVALID(Verify("alice", 1, std::nullopt, r), "does not match the map");
}

TEST_F(HistoryTest, DeviceWithoutValidSignatureInTheMiddle) {
  KeySet bad = SignedKeySet(alice_key_, "alice", 5, {"laptop"});
  bad.devices.push_back(Device{"server-added", "key"});
  log_.Update("alice", bad);
  log_.CloseEpoch(kT0 + 5000);
  log_.Update("alice", SignedKeySet(alice_key_, "alice", 6, {"laptop"}));
  log_.CloseEpoch(kT0 + 6000);
  absl::StatusOr<VerifiedHistory> v =
      Verify("alice", 4, log_.Head("alice", 3), log_.History("alice", 4));
  EXPECT_INVALID(v,
                 "version 5: key set signature: does not verify under the account key for "
                 "version 5");
  EXPECT_TRUE(IsKeySetSignatureError(v.status())) << v.status();
}

// Both replays in a contact's history: the removed phone re-added with
// version 4's signed key set (version 6), then version 5's key set
// republished (version 7). Each is caught at its own version.
TEST_F(HistoryTest, ReplayedKeySetsAreRejected) {
  const KeySet v4 = SignedKeySet(alice_key_, "alice", 4, {"laptop", "phone"});
  const KeySet v5 = SignedKeySet(alice_key_, "alice", 5, {"laptop"});  // phone removed
  log_.Update("alice", v5);
  log_.CloseEpoch(kT0 + 5000);
  const std::optional<Hash> head3 = log_.Head("alice", 3);
  ASSERT_TRUE(Verify("alice", 4, head3, log_.History("alice", 4)).ok());

  log_.Update("alice", v4);  // version 6: the phone is back
  log_.CloseEpoch(kT0 + 6000);
  absl::StatusOr<VerifiedHistory> v = Verify("alice", 4, head3, log_.History("alice", 4));
  EXPECT_INVALID(v,
                 "version 6: key set signature: does not verify under the account key for "
                 "version 6");
  EXPECT_TRUE(IsKeySetSignatureError(v.status())) << v.status();

  log_.Update("alice", v5);  // version 7: version 5 republished
  log_.CloseEpoch(kT0 + 7000);
  const std::optional<Hash> head6 = log_.Head("alice", 6);
  v = Verify("alice", 7, head6, log_.History("alice", 7));
  EXPECT_INVALID(v,
                 "version 7: key set signature: does not verify under the account key for "
                 "version 7");
  EXPECT_TRUE(IsKeySetSignatureError(v.status())) << v.status();
}

// ---- Field combinations ----

TEST_F(HistoryTest, EmptyButTheMapHoldsANewerVersion) {
  v1::HistoryResponse r = log_.History("alice", 4);
  r.clear_versions();
  r.set_previous_head(HashString(log_.Head("alice", 3)));
  EXPECT_INVALID(Verify("alice", 4, log_.Head("alice", 3), r), "version 3: computed head");
}

TEST_F(HistoryTest, EmptySinceOneButTheMapHoldsAVersion) {
  v1::HistoryResponse r = log_.History("alice", 1);
  r.clear_versions();
  EXPECT_INVALID(Verify("alice", 1, std::nullopt, r),
                 "map proof: proves the account has a version");
}

TEST_F(HistoryTest, VersionsButTheMapProvesAbsence) {
  v1::HistoryResponse r = log_.History("carol", 1);
  *r.mutable_versions() = log_.History("bob", 1).versions();  // no account key
  EXPECT_INVALID(Verify("carol", 1, std::nullopt, r), "does not prove membership");
}

TEST_F(HistoryTest, AnotherAccountsHistory) {
  EXPECT_INVALID(Verify("alice", 1, std::nullopt, log_.History("bob", 1)), "vrf proof:");
}

// ---- Pages (response.more) ----

// The honest log's answer since `since`, cut to at most `n` versions the way
// log_queries.cc cuts a page.
v1::HistoryResponse Page(const FakeLog& log, absl::string_view account, uint64_t since, int n,
                         uint64_t last_verified_size = 0) {
  v1::HistoryResponse r = log.History(account, since, last_verified_size);
  if (r.versions_size() > n) {
    r.mutable_versions()->DeleteSubrange(n, r.versions_size() - n);
    r.set_more(true);
  }
  return r;
}

TEST_F(HistoryTest, PartialPageChainsButIsNotYetProven) {
  auto v = Verify("alice", 1, std::nullopt, Page(log_, "alice", 1, 2));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->more);
  ASSERT_EQ(v->versions.size(), 2u);
  EXPECT_EQ(v->head, log_.Head("alice", 2));
  auto rest = Verify("alice", 3, v->head, Page(log_, "alice", 3, 10));
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_FALSE(rest->more);
  EXPECT_EQ(rest->head, log_.Head("alice", 4));
}

TEST_F(HistoryTest, PartialPageWithoutVersions) {
  v1::HistoryResponse r = Page(log_, "alice", 1, 1);
  r.clear_versions();
  EXPECT_INVALID(Verify("alice", 1, std::nullopt, r), "history: a page with more to follow");
}

TEST_F(HistoryTest, PartialPageOfAnAbsentAccount) {
  v1::HistoryResponse r = log_.History("carol", 1);
  *r.mutable_versions() = log_.History("bob", 1).versions();
  r.set_more(true);
  EXPECT_INVALID(Verify("carol", 1, std::nullopt, r), "map proof: proves the account absent");
}

TEST_F(HistoryTest, CutPageWithoutMoreFailsTheMapCheck) {
  v1::HistoryResponse r = Page(log_, "alice", 1, 2);
  r.set_more(false);
  EXPECT_INVALID(Verify("alice", 1, std::nullopt, r), "computed head");
}

TEST_F(HistoryTest, FollowHistoryReadsEveryPage) {
  int fetches = 0;
  HistoryPageFetcher fetch =
      [&](uint64_t since, const TrustedCheckpoint& last) -> absl::StatusOr<v1::HistoryResponse> {
    ++fetches;
    return Page(log_, "alice", since, 1, last.size);
  };
  TrustedCheckpoint last;
  auto v = FollowHistory(trust_, "alice", 1, std::nullopt, fetch, &last, log_.timestamp_ms(), 100);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(fetches, 4);
  EXPECT_FALSE(v->more);
  ASSERT_EQ(v->versions.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(v->versions[i].version, i + 1);
  EXPECT_EQ(v->head, log_.Head("alice", 4));
  EXPECT_EQ(last.size, log_.size());
}

// A version rewritten on an early page is caught by the last page's map
// proof: the chain of heads leads to a head the map does not hold.
TEST_F(HistoryTest, FollowHistoryCatchesARewrittenEarlierPage) {
  HistoryPageFetcher fetch =
      [&](uint64_t since, const TrustedCheckpoint& last) -> absl::StatusOr<v1::HistoryResponse> {
    v1::HistoryResponse r = Page(log_, "alice", since, 2, last.size);
    if (since == 1) {
      // bob's version 1 in place of alice's: a valid version, another key set.
      v1::AccountVersion other = log_.History("bob", 1).versions(0);
      other.set_version(1);
      other.set_epoch(1);
      other.set_log_index(r.versions(0).log_index());
      *r.mutable_versions(0) = other;
    }
    return r;
  };
  TrustedCheckpoint last;
  auto v = FollowHistory(trust_, "alice", 1, std::nullopt, fetch, &last, log_.timestamp_ms(), 100);
  EXPECT_INVALID(v, "page since version 3: ");
}

// A key set the account key did not sign, on a page before the last: the
// partial page skips signatures (its map proof is not yet checked), so
// FollowHistory must check them once the last page has proven them.
TEST_F(HistoryTest, FollowHistoryChecksSignaturesOnEarlierPages) {
  KeySet bad = SignedKeySet(alice_key_, "alice", 5, {"laptop"});
  bad.devices.push_back(Device{"server-added", "key"});
  log_.Update("alice", bad);
  log_.CloseEpoch(kT0 + 5000);
  log_.Update("alice", SignedKeySet(alice_key_, "alice", 6, {"laptop"}));
  log_.CloseEpoch(kT0 + 6000);
  HistoryPageFetcher fetch =
      [&](uint64_t since, const TrustedCheckpoint& last) -> absl::StatusOr<v1::HistoryResponse> {
    return Page(log_, "alice", since, 1, last.size);
  };
  TrustedCheckpoint last;
  auto v = FollowHistory(trust_, "alice", 4, log_.Head("alice", 3), fetch, &last,
                         log_.timestamp_ms(), 100);
  EXPECT_INVALID(v,
                 "version 5: key set signature: does not verify under the account key for "
                 "version 5");
  EXPECT_TRUE(IsKeySetSignatureError(v.status())) << v.status();
}

TEST_F(HistoryTest, FollowHistoryBoundsWhatItHolds) {
  HistoryPageFetcher fetch =
      [&](uint64_t since, const TrustedCheckpoint& last) -> absl::StatusOr<v1::HistoryResponse> {
    return Page(log_, "alice", since, 1, last.size);
  };
  TrustedCheckpoint last;
  auto v = FollowHistory(trust_, "alice", 1, std::nullopt, fetch, &last, log_.timestamp_ms(), 3);
  EXPECT_EQ(v.status().code(), absl::StatusCode::kOutOfRange) << v.status();
}

TEST_F(HistoryTest, FollowHistoryPassesFetchErrorsOn) {
  HistoryPageFetcher fetch = [&](uint64_t,
                                 const TrustedCheckpoint&) -> absl::StatusOr<v1::HistoryResponse> {
    return absl::UnavailableError("down");
  };
  TrustedCheckpoint last;
  auto v = FollowHistory(trust_, "alice", 1, std::nullopt, fetch, &last, log_.timestamp_ms(), 3);
  EXPECT_EQ(v.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace verifier
}  // namespace keytrail
