// absl::Status <-> grpc::Status, the one conversion every keytrail gRPC server
// and client uses, so a code chosen in core/ reaches the peer unchanged
// (docs/CONVENTIONS.md: "carried to gRPC unchanged").
//
// absl::StatusCode and grpc::StatusCode number the 17 canonical codes alike
// (status_convert.cc checks that at compile time), so each conversion keeps
// the code and the message; payloads and gRPC error details are not carried.
// A code outside the canonical range (a peer may send any integer) becomes
// Unknown, as absl::Status itself treats unrecognised codes.
//
// Pure functions; thread-safe. Links gRPC, so not built with --config=boringssl.
#ifndef KEYTRAIL_CORE_GRPC_STATUS_CONVERT_H_
#define KEYTRAIL_CORE_GRPC_STATUS_CONVERT_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

namespace keytrail {

// OK for OK; otherwise the same code with the same message.
grpc::Status ToGrpcStatus(const absl::Status& status);

// OK for OK; otherwise the same code, the message prefixed by "<what>: "
// when `what` is not empty (a client names the call that failed, e.g.
// "GetCheckpoint: ...").
absl::Status FromGrpcStatus(const grpc::Status& status, absl::string_view what = "");

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_GRPC_STATUS_CONVERT_H_
