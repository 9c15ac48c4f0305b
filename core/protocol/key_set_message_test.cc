#include "core/protocol/key_set_message.h"

#include <string>

#include "gtest/gtest.h"

namespace keytrail {
namespace {

TEST(KeySetMessageTest, AccountKeySignatureAndDevicesInOrder) {
  KeySet ks;
  ks.account_key = std::string(32, 'a');
  ks.signature = std::string(64, 's');
  ks.devices = {Device{"laptop", "key L"}, Device{"phone", "key P"}};
  v1::KeySet out;
  out.add_devices()->set_device_id("left over");  // replaced, not appended to
  FillKeySet(ks, &out);
  EXPECT_EQ(out.account_key(), std::string(32, 'a'));
  EXPECT_EQ(out.signature(), std::string(64, 's'));
  ASSERT_EQ(out.devices_size(), 2);
  EXPECT_EQ(out.devices(0).device_id(), "laptop");
  EXPECT_EQ(out.devices(0).device_key(), "key L");
  EXPECT_EQ(out.devices(1).device_id(), "phone");
  EXPECT_EQ(out.devices(1).device_key(), "key P");
}

TEST(KeySetMessageTest, NoAccountKeyLeavesKeyAndSignatureEmpty) {
  KeySet ks;
  ks.signature = "ignored without an account key";
  ks.devices = {Device{"phone", "key P"}};
  v1::KeySet out;
  FillKeySet(ks, &out);
  EXPECT_TRUE(out.account_key().empty());
  EXPECT_TRUE(out.signature().empty());
  ASSERT_EQ(out.devices_size(), 1);
  EXPECT_EQ(out.devices(0).device_id(), "phone");
}

}  // namespace
}  // namespace keytrail
