#include "core/protocol/limits_message.h"

#include "core/protocol/limits.h"
#include "gtest/gtest.h"
#include "proto/keytrail.pb.h"

namespace keytrail {
namespace {

TEST(FillLimitsTest, EachFieldIsItsConstant) {
  v1::Limits limits;
  FillLimits(&limits);
  EXPECT_EQ(limits.max_account_id_bytes(), kMaxAccountIdSize);
  EXPECT_EQ(limits.max_device_id_bytes(), kMaxDeviceIdSize);
  EXPECT_EQ(limits.max_device_key_bytes(), kMaxDeviceKeySize);
  EXPECT_EQ(limits.max_devices(), kMaxDevicesPerKeySet);
  EXPECT_EQ(limits.max_key_set_bytes(), kMaxKeySetSize);
  EXPECT_EQ(limits.max_batch_updates(), kMaxBatchUpdates);
  EXPECT_EQ(limits.max_request_bytes(), kMaxRequestBytes);
  EXPECT_EQ(limits.max_history_versions(), kMaxHistoryVersions);
  EXPECT_EQ(limits.max_entries_per_request(), kMaxEntriesPerRequest);
  EXPECT_EQ(limits.max_answer_bytes(), kMaxAnswerBytes);
  EXPECT_EQ(limits.max_batch_lookups(), kMaxBatchLookups);
}

// Every limit is positive, so a field left at 0 is one FillLimits forgot:
// this fails when keytrail.proto gains a field and FillLimits does not.
TEST(FillLimitsTest, LeavesNoFieldUnset) {
  v1::Limits limits;
  FillLimits(&limits);
  const google::protobuf::Descriptor* descriptor = limits.GetDescriptor();
  const google::protobuf::Reflection* reflection = limits.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = descriptor->field(i);
    ASSERT_EQ(field->cpp_type(), google::protobuf::FieldDescriptor::CPPTYPE_UINT32)
        << field->name();
    EXPECT_GT(reflection->GetUInt32(limits, field), 0u) << field->name();
  }
}

}  // namespace
}  // namespace keytrail
