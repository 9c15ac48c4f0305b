#include "core/grpc/status_convert.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace keytrail {
namespace {

// The conversion is a cast because the two enums agree; these say so.
constexpr bool Same(absl::StatusCode a, grpc::StatusCode g) {
  return static_cast<int>(a) == static_cast<int>(g);
}
static_assert(Same(absl::StatusCode::kOk, grpc::StatusCode::OK), "");
static_assert(Same(absl::StatusCode::kCancelled, grpc::StatusCode::CANCELLED), "");
static_assert(Same(absl::StatusCode::kUnknown, grpc::StatusCode::UNKNOWN), "");
static_assert(Same(absl::StatusCode::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT), "");
static_assert(Same(absl::StatusCode::kDeadlineExceeded, grpc::StatusCode::DEADLINE_EXCEEDED), "");
static_assert(Same(absl::StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND), "");
static_assert(Same(absl::StatusCode::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS), "");
static_assert(Same(absl::StatusCode::kPermissionDenied, grpc::StatusCode::PERMISSION_DENIED), "");
static_assert(Same(absl::StatusCode::kResourceExhausted, grpc::StatusCode::RESOURCE_EXHAUSTED), "");
static_assert(Same(absl::StatusCode::kFailedPrecondition, grpc::StatusCode::FAILED_PRECONDITION),
              "");
static_assert(Same(absl::StatusCode::kAborted, grpc::StatusCode::ABORTED), "");
static_assert(Same(absl::StatusCode::kOutOfRange, grpc::StatusCode::OUT_OF_RANGE), "");
static_assert(Same(absl::StatusCode::kUnimplemented, grpc::StatusCode::UNIMPLEMENTED), "");
static_assert(Same(absl::StatusCode::kInternal, grpc::StatusCode::INTERNAL), "");
static_assert(Same(absl::StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE), "");
static_assert(Same(absl::StatusCode::kDataLoss, grpc::StatusCode::DATA_LOSS), "");
static_assert(Same(absl::StatusCode::kUnauthenticated, grpc::StatusCode::UNAUTHENTICATED), "");

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

absl::Status FromGrpcStatus(const grpc::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  const int code = static_cast<int>(status.error_code());
  const absl::StatusCode absl_code =
      code > 0 && code <= static_cast<int>(absl::StatusCode::kUnauthenticated)
          ? static_cast<absl::StatusCode>(code)
          : absl::StatusCode::kUnknown;
  if (what.empty()) return absl::Status(absl_code, status.error_message());
  return absl::Status(absl_code, absl::StrCat(what, ": ", status.error_message()));
}

}  // namespace keytrail
