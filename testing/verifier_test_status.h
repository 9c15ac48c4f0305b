// Test helper: EXPECT_INVALID(status_or_statusor, "substring") checks that a
// verifier call failed with InvalidArgument and that its message contains
// the substring (i.e. names the check that failed). Test-only.
#ifndef KEYTRAIL_TESTING_VERIFIER_TEST_STATUS_H_
#define KEYTRAIL_TESTING_VERIFIER_TEST_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace keytrail {
namespace verifier {
namespace testing_internal {

inline const absl::Status& StatusOf(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& s) {
  return s.status();
}

}  // namespace testing_internal
}  // namespace verifier
}  // namespace keytrail

#define EXPECT_INVALID(expr, substring)                                                     \
  do {                                                                                      \
    const absl::Status kt_status_ = ::keytrail::verifier::testing_internal::StatusOf(expr); \
    EXPECT_EQ(kt_status_.code(), absl::StatusCode::kInvalidArgument) << kt_status_;         \
    EXPECT_THAT(std::string(kt_status_.message()), testing::HasSubstr(substring));          \
  } while (0)

#endif  // KEYTRAIL_TESTING_VERIFIER_TEST_STATUS_H_
