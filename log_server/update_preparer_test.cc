// UpdatePreparer's checks of key set signatures: a key set with an account
// key must come with expected_version and be signed over the version it
// becomes, expected_version + 1, so no signed key set can be replayed at
// another version.
#include "log_server/update_preparer.h"

#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/crypto/ecvrf.h"
#include "core/crypto/ed25519.h"
#include "core/protocol/key_set.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log_server/log_storage.h"
#include "log_server/published_state.h"

namespace keytrail {
namespace {

using testing::HasSubstr;

constexpr char kAccount[] = "alice@example.org";

class UpdatePreparerTest : public testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("TEST_TMPDIR");
    auto storage = LogStorage::Open(
        absl::StrCat(base ? base : "/tmp", "/",
                     testing::UnitTest::GetInstance()->current_test_info()->name()),
        1 << 20);
    ASSERT_TRUE(storage.ok()) << storage.status();
    storage_ = *std::move(storage);
  }

  // The request a user's device makes: `ids` signed as version
  // expected_version + 1.
  v1::UpdateRequest Signed(std::initializer_list<const char*> ids, uint64_t signed_version) {
    KeySet ks;
    for (const char* id : ids) ks.devices.push_back(Device{id, std::string("key of ") + id});
    SortDevices(&ks);
    EXPECT_TRUE(SignKeySet(account_key_, kAccount, signed_version, &ks).ok());
    return ToRequest(ks);
  }

  static v1::UpdateRequest ToRequest(const KeySet& ks) {
    v1::UpdateRequest req;
    req.set_account(kAccount);
    if (ks.account_key) req.mutable_key_set()->set_account_key(*ks.account_key);
    for (const Device& d : ks.devices) {
      v1::Device* p = req.mutable_key_set()->add_devices();
      p->set_device_id(d.device_id);
      p->set_device_key(d.device_key);
    }
    req.mutable_key_set()->set_signature(ks.signature);
    return req;
  }

  absl::StatusOr<PreparedUpdate> Prepare(const v1::UpdateRequest& req) {
    UpdatePreparer preparer(*storage_, vrf_, published_);
    return preparer.Prepare(req);
  }

  Ed25519PrivateKey account_key_ = Ed25519PrivateKey::Generate();
  VrfPrivateKey vrf_ = VrfPrivateKey::Generate();
  std::unique_ptr<LogStorage> storage_;
  StateHolder published_;  // nothing published: Prepare reads storage
};

TEST_F(UpdatePreparerTest, SignedOverTheVersionItBecomesIsAccepted) {
  v1::UpdateRequest req = Signed({"phone", "laptop"}, 1);
  req.set_expected_version(0);
  absl::StatusOr<PreparedUpdate> p = Prepare(req);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_TRUE(p->expected_version.has_value());
  EXPECT_EQ(*p->expected_version, 0u);
  // The key set is stored as signed, signature and all.
  KeySet stored = DecodeKeySet(p->key_set).value();
  EXPECT_TRUE(VerifyKeySetSignature(kAccount, 1, stored).ok());

  req = Signed({"phone"}, 8);
  req.set_expected_version(7);
  EXPECT_TRUE(Prepare(req).ok());
}

TEST_F(UpdatePreparerTest, AccountKeyRequiresExpectedVersion) {
  absl::StatusOr<PreparedUpdate> p = Prepare(Signed({"phone"}, 1));
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(p.status().message()),
              HasSubstr("expected_version: required for a key set with an account key"));

  v1::UpdateRequest req = Signed({"phone"}, 1);
  req.set_expected_version(UINT64_MAX);
  p = Prepare(req);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("expected_version"));
}

TEST_F(UpdatePreparerTest, KeySetWithoutAccountKeyNeedsNoCondition) {
  v1::UpdateRequest req;
  req.set_account(kAccount);
  v1::Device* d = req.mutable_key_set()->add_devices();
  d->set_device_id("phone");
  d->set_device_key("k");
  absl::StatusOr<PreparedUpdate> p = Prepare(req);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE(p->expected_version.has_value());
  // A signature without an account key is malformed, not ignored.
  req.mutable_key_set()->set_signature(std::string(64, 's'));
  EXPECT_EQ(Prepare(req).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(UpdatePreparerTest, OldSignedKeySetAtANewVersionIsRefused) {
  // Version 1 was {laptop, phone}; the user removed the laptop in version 2.
  v1::UpdateRequest v1 = Signed({"laptop", "phone"}, 1);
  v1::UpdateRequest v2 = Signed({"phone"}, 2);
  // Replayed as version 3 (expected_version 2): both refused.
  for (v1::UpdateRequest replay : {v1, v2}) {
    replay.set_expected_version(2);
    absl::StatusOr<PreparedUpdate> p = Prepare(replay);
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(IsKeySetSignatureError(p.status())) << p.status();
    EXPECT_EQ(p.status().message(),
              "key set signature: does not verify under the account key for version 3");
  }
  // A device added to a signed key set: refused.
  v1::UpdateRequest rogue = v2;
  rogue.set_expected_version(1);
  v1::Device* d = rogue.mutable_key_set()->add_devices();
  d->set_device_id("rogue");
  d->set_device_key("listener");
  EXPECT_TRUE(IsKeySetSignatureError(Prepare(rogue).status()));
  // The genuine one is accepted.
  v2.set_expected_version(1);
  EXPECT_TRUE(Prepare(v2).ok());
}

TEST_F(UpdatePreparerTest, DevicesAreSignedInCanonicalOrder) {
  // The request may list devices in any order; the signature covers them
  // sorted by id, as the key set is encoded.
  v1::UpdateRequest req = Signed({"phone", "laptop", "tablet"}, 1);
  req.mutable_key_set()->mutable_devices()->SwapElements(0, 2);
  req.set_expected_version(0);
  EXPECT_TRUE(Prepare(req).ok());
}

}  // namespace
}  // namespace keytrail
