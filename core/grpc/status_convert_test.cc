#include "core/grpc/status_convert.h"

#include "gtest/gtest.h"

namespace keytrail {
namespace {

TEST(StatusConvertTest, OkBothWays) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK, "GetCheckpoint").ok());
}

TEST(StatusConvertTest, EveryCodeRoundTripsWithItsMessage) {
  for (int c = 1; c <= 16; ++c) {
    const auto code = static_cast<absl::StatusCode>(c);
    const std::string message = "code " + std::to_string(c) + ": \xe2\x9c\x93 \n detail";
    const grpc::Status g = ToGrpcStatus(absl::Status(code, message));
    EXPECT_EQ(static_cast<int>(g.error_code()), c);
    EXPECT_EQ(g.error_message(), message);
    const absl::Status back = FromGrpcStatus(g);
    EXPECT_EQ(back.code(), code) << c;
    EXPECT_EQ(back.message(), message);
  }
}

TEST(StatusConvertTest, PrefixNamesTheCall) {
  const absl::Status s =
      FromGrpcStatus(grpc::Status(grpc::StatusCode::OUT_OF_RANGE, "beyond the log"), "GetEntries");
  EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(s.message(), "GetEntries: beyond the log");
}

TEST(StatusConvertTest, EmptyMessageIsKept) {
  const grpc::Status g = ToGrpcStatus(absl::Status(absl::StatusCode::kAborted, ""));
  EXPECT_EQ(g.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(g.error_message(), "");
  EXPECT_EQ(FromGrpcStatus(g).code(), absl::StatusCode::kAborted);
}

TEST(StatusConvertTest, CodeOutsideTheCanonicalRangeIsUnknown) {
  // grpc::StatusCode's values (-1..16) make -32..31 its valid range: a code
  // past 16 inside it is what an odd peer can send, without the undefined
  // behaviour (UBSan) of a value beyond the enum's range.
  for (int code : {17, 31}) {
    const absl::Status s =
        FromGrpcStatus(grpc::Status(static_cast<grpc::StatusCode>(code), "odd peer"), "Lookup");
    EXPECT_EQ(s.code(), absl::StatusCode::kUnknown) << code;
    EXPECT_EQ(s.message(), "Lookup: odd peer");
  }
}

}  // namespace
}  // namespace keytrail
