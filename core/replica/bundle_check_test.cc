#include "core/replica/bundle_check.h"

#include <map>
#include <string>
#include <vector>

#include "core/crypto/ecvrf.h"
#include "core/protocol/commitment.h"
#include "core/protocol/entry.h"
#include "core/protocol/key_set.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace replica {
namespace {

constexpr uint64_t kEpoch = 5;
constexpr uint64_t kFirst = 1000;

// An epoch of `n` updates over accounts a0..a<accounts - 1>: each account's
// first update in the epoch is version 1 (new), later ones count up.
class BundleCheckTest : public testing::Test {
 protected:
  void Build(size_t n, size_t accounts = 10) {
    entries_.clear();
    parts_.clear();
    std::map<std::string, uint64_t> versions;
    for (size_t i = 0; i < n; ++i) {
      PrivateUpdate u;
      u.account = "a" + std::to_string(i % accounts);
      u.opening = std::string(32, static_cast<char>('o' + i % 7));
      KeySet ks;
      ks.devices.push_back(Device{"phone", "key-" + std::to_string(i)});
      u.key_set = EncodeKeySet(ks).value();
      const uint64_t version = ++versions[u.account];
      const std::string proof = vrf_.Prove(u.account);
      if (version == 1) u.vrf_proof = proof;
      UpdateEntry e{VrfProofToHash(proof).value(), version, kEpoch,
                    CommitKeySet(u.opening, u.account, version, u.key_set).value()};
      entries_.push_back(EncodeEntry(e));
      if (i % kPrivatePartUpdates == 0) {
        parts_.push_back(
            PrivatePart{kEpoch, static_cast<uint32_t>(i / kPrivatePartUpdates), kFirst + i, {}});
      }
      parts_.back().updates.push_back(u);
    }
  }
  absl::StatusOr<std::vector<CheckedUpdate>> Check(const KnownIndex& known = nullptr,
                                                   size_t vrf_threads = 1) {
    KnownIndex k = known ? known : [](absl::string_view) -> absl::StatusOr<std::optional<Hash>> {
      return std::optional<Hash>();
    };
    return CheckPrivateBundle(kEpoch, kFirst, entries_, parts_, vrf_.public_key(), k, vrf_threads);
  }

  VrfPrivateKey vrf_ = VrfPrivateKey::Generate();
  std::vector<std::string> entries_;
  std::vector<PrivatePart> parts_;
};

TEST_F(BundleCheckTest, AMatchingBundleJoinsEveryEntry) {
  Build(300);  // three parts: 128, 128, 44
  ASSERT_EQ(parts_.size(), 3u);
  auto checked = Check();
  ASSERT_TRUE(checked.ok()) << checked.status();
  ASSERT_EQ(checked->size(), 300u);
  EXPECT_EQ((*checked)[299].update.account, "a9");
  EXPECT_EQ((*checked)[299].entry.version, 30u);
  Build(0);
  EXPECT_TRUE(Check().ok());
}

TEST_F(BundleCheckTest, ProofsVerifiedOnSeveralThreadsGiveTheSameAnswer) {
  Build(300, 280);  // 280 new accounts: enough proofs for 4 threads
  auto one = Check(nullptr, 1);
  auto four = Check(nullptr, 4);
  ASSERT_TRUE(one.ok()) << one.status();
  ASSERT_TRUE(four.ok()) << four.status();
  ASSERT_EQ(four->size(), one->size());
  for (size_t i = 0; i < one->size(); ++i) {
    EXPECT_EQ((*four)[i].entry, (*one)[i].entry) << i;
    EXPECT_EQ((*four)[i].update, (*one)[i].update) << i;
  }
  // Two bad proofs: the first in log order is reported, as with one thread.
  (*parts_[2].updates[5].vrf_proof)[40] ^= 1;
  parts_[1].updates[100].vrf_proof = vrf_.Prove("a0");
  auto refused_one = Check(nullptr, 1);
  auto refused_four = Check(nullptr, 4);
  EXPECT_EQ(refused_one.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused_one.status().message().find("entry 1228"), absl::string_view::npos)
      << refused_one.status();
  EXPECT_EQ(refused_four.status(), refused_one.status());
}

TEST_F(BundleCheckTest, EveryMismatchIsRefused) {
  Build(130);
  auto refused = [this](const char* what) {
    auto checked = Check();
    EXPECT_EQ(checked.status().code(), absl::StatusCode::kInvalidArgument) << what;
    Build(130);
  };
  parts_.pop_back();
  refused("a part missing");
  std::swap(parts_[0], parts_[1]);
  refused("parts out of order");
  parts_[1].epoch = kEpoch + 1;
  refused("a part of another epoch");
  parts_[1].first_log_index++;
  refused("a part at another log index");
  parts_[0].updates.pop_back();
  refused("a short part");
  parts_[0].updates[3].opening[0] ^= 1;
  refused("another opening");
  parts_[0].updates[3].account = "a7";
  refused("another account");
  parts_[0].updates[12].key_set[5] ^= 1;
  refused("another key set");
  parts_[0].updates[3].key_set += "x";
  refused("a key set with a trailing byte");
  parts_[0].updates[3].vrf_proof.reset();
  refused("version 1 without its proof");
  parts_[0].updates[13].vrf_proof = vrf_.Prove("a3");
  refused("a proof with version 2");
  parts_[0].updates[3].vrf_proof = vrf_.Prove("a4");
  refused("another account's proof");
  parts_[0].updates[3].vrf_proof = VrfPrivateKey::Generate().Prove("a3");
  refused("a proof under another VRF key");
  entries_[3] = EncodeEntry(EpochEntry{kEpoch, 1, Hash{}, 0});
  refused("an epoch entry among the updates");
  auto e = DecodeUpdateEntry(entries_[3]).value();
  e.epoch = kEpoch - 1;
  entries_[3] = EncodeEntry(e);
  refused("an entry of another epoch");
}

TEST_F(BundleCheckTest, LaterVersionsOfOlderAccountsNeedTheirKnownIndex) {
  Build(20);
  // Drop the first ten updates (every account's version 1): the rest are
  // versions 2 of accounts created in an earlier epoch.
  std::vector<std::string> later(entries_.begin() + 10, entries_.end());
  PrivatePart part{kEpoch, 0, kFirst, {}};
  part.updates.assign(parts_[0].updates.begin() + 10, parts_[0].updates.end());
  entries_ = later;
  parts_ = {part};
  auto unknown = Check();
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  auto known = Check([this](absl::string_view account) -> absl::StatusOr<std::optional<Hash>> {
    return std::optional<Hash>(VrfProofToHash(vrf_.Prove(account)).value());
  });
  EXPECT_TRUE(known.ok()) << known.status();
  auto wrong = Check([this](absl::string_view account) -> absl::StatusOr<std::optional<Hash>> {
    return std::optional<Hash>(VrfProofToHash(vrf_.Prove("someone else")).value());
  });
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  auto failing = Check([](absl::string_view) -> absl::StatusOr<std::optional<Hash>> {
    return absl::DataLossError("replica storage damaged");
  });
  EXPECT_EQ(failing.status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace replica
}  // namespace keytrail
