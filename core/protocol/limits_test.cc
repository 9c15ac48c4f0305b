#include "core/protocol/limits.h"

#include <string>

#include "gtest/gtest.h"

namespace keytrail {
namespace {

// The table in docs/PROTOCOL.md, restated so that a change to either side
// shows up here.
static_assert(kProtocolVersion == 1, "PROTOCOL.md: protocol version 1");
static_assert(kMaxAccountIdSize == 256, "PROTOCOL.md: account id 1..256");
static_assert(kMaxDeviceIdSize == 64, "PROTOCOL.md: device id 1..64");
static_assert(kMaxDeviceKeySize == 8192, "PROTOCOL.md: device key 1..8192");
static_assert(kMaxDevicesPerKeySet == 32, "PROTOCOL.md: 0..32 devices");
static_assert(kMaxKeySetSize == 65536, "PROTOCOL.md: key set <= 65,536");
static_assert(kMinOpeningSize == 16 && kMaxOpeningSize == 64, "PROTOCOL.md: opening 16..64");
static_assert(kOpeningSize >= kMinOpeningSize && kOpeningSize <= kMaxOpeningSize,
              "the server's openings must themselves be valid");
static_assert(kMaxBatchUpdates == 1000, "PROTOCOL.md: 1..1,000 updates");
static_assert(kMaxRequestBytes == 8 * 1024 * 1024, "PROTOCOL.md: 8 MiB");
static_assert(kMaxHistoryVersions == 10000, "PROTOCOL.md: 10,000 versions");
static_assert(kMaxAnswerBytes == 1048576, "PROTOCOL.md: 1 MiB per History or GetEntries answer");
static_assert(kMaxEntriesPerRequest == 1000, "PROTOCOL.md: 1,000 entries");

TEST(ValidateAccountIdTest, AcceptsOneTo256Bytes) {
  EXPECT_TRUE(ValidateAccountId("a").ok());
  EXPECT_TRUE(ValidateAccountId(std::string(256, 'x')).ok());
  // Opaque bytes: NULs and high bytes are fine.
  EXPECT_TRUE(ValidateAccountId(std::string("\x00\xff", 2)).ok());
}

TEST(ValidateAccountIdTest, RejectsEmptyAndTooLong) {
  absl::Status empty = ValidateAccountId("");
  EXPECT_EQ(empty.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(empty.message(), "account id: must be 1..256 bytes, got 0");

  absl::Status long_id = ValidateAccountId(std::string(257, 'x'));
  EXPECT_EQ(long_id.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(long_id.message(), "account id: must be 1..256 bytes, got 257");
}

}  // namespace
}  // namespace keytrail
