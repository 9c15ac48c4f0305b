#include "monitor/grpc_log_client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/grpc/status_convert.h"
#include "core/merkle/hash_list.h"

namespace keytrail::monitor {
namespace {

// RFC 9162 proofs of trees of up to 2^64 leaves.
constexpr size_t kMaxProofHashes = 65;

// The call's status, converted as everywhere (core/grpc/status_convert.h),
// then made Unavailable: whatever the log says, for the monitor it means
// "try again later". The log's code stays in the message.
absl::Status FromGrpc(const grpc::Status& s, absl::string_view what) {
  const absl::Status status = FromGrpcStatus(s, what);
  if (status.ok()) return status;
  return absl::UnavailableError(
      absl::StrCat(status.message(), " (gRPC code ", static_cast<int>(s.error_code()), ")"));
}

void SetDeadline(grpc::ClientContext* ctx, absl::Time deadline) {
  ctx->set_deadline(absl::ToChronoTime(deadline));
}

absl::StatusOr<std::vector<Hash>> DecodeProof(const std::string& bytes, absl::string_view what) {
  auto proof = merkle::DecodeHashList(bytes, kMaxProofHashes, what);
  if (!proof.ok()) return absl::UnavailableError(proof.status().message());
  return proof;
}

}  // namespace

GrpcLogClient::GrpcLogClient(std::shared_ptr<grpc::Channel> channel)
    : stub_(v1::KeyTransparencyLog::NewStub(std::move(channel))) {}

absl::StatusOr<std::string> GrpcLogClient::Checkpoint(absl::Time deadline) {
  v1::GetCheckpointRequest req;
  req.set_newest(true);
  v1::GetCheckpointResponse resp;
  grpc::ClientContext ctx;
  SetDeadline(&ctx, deadline);
  absl::Status s = FromGrpc(stub_->GetCheckpoint(&ctx, req, &resp), "GetCheckpoint");
  if (!s.ok()) return s;
  return std::move(*resp.mutable_checkpoint());
}

absl::StatusOr<std::vector<std::string>> GrpcLogClient::Entries(uint64_t start, uint64_t count,
                                                                absl::Time deadline) {
  v1::GetEntriesRequest req;
  req.set_start(start);
  req.set_count(count);
  v1::GetEntriesResponse resp;
  grpc::ClientContext ctx;
  SetDeadline(&ctx, deadline);
  absl::Status s = FromGrpc(stub_->GetEntries(&ctx, req, &resp), "GetEntries");
  if (!s.ok()) return s;
  if (resp.entries_size() == 0 || static_cast<uint64_t>(resp.entries_size()) > count) {
    return absl::UnavailableError(absl::StrCat("GetEntries(", start, ", ", count, ") returned ",
                                               resp.entries_size(), " entries"));
  }
  return std::vector<std::string>(std::make_move_iterator(resp.mutable_entries()->begin()),
                                  std::make_move_iterator(resp.mutable_entries()->end()));
}

absl::StatusOr<std::vector<Hash>> GrpcLogClient::ConsistencyProof(uint64_t size1, uint64_t size2,
                                                                  absl::Time deadline) {
  v1::GetConsistencyProofRequest req;
  req.set_first_size(size1);
  req.set_second_size(size2);
  v1::GetConsistencyProofResponse resp;
  grpc::ClientContext ctx;
  SetDeadline(&ctx, deadline);
  absl::Status s = FromGrpc(stub_->GetConsistencyProof(&ctx, req, &resp), "GetConsistencyProof");
  if (!s.ok()) return s;
  return DecodeProof(resp.proof(), "consistency proof");
}

absl::StatusOr<std::vector<Hash>> GrpcLogClient::InclusionProof(uint64_t index, uint64_t size,
                                                                absl::Time deadline) {
  v1::GetInclusionProofRequest req;
  req.set_index(index);
  req.set_tree_size(size);
  v1::GetInclusionProofResponse resp;
  grpc::ClientContext ctx;
  SetDeadline(&ctx, deadline);
  absl::Status s = FromGrpc(stub_->GetInclusionProof(&ctx, req, &resp), "GetInclusionProof");
  if (!s.ok()) return s;
  return DecodeProof(resp.proof(), "inclusion proof");
}

absl::StatusOr<LogParameters> GrpcLogClient::Info(absl::Time deadline) {
  v1::GetLogInfoRequest req;
  v1::GetLogInfoResponse resp;
  grpc::ClientContext ctx;
  SetDeadline(&ctx, deadline);
  absl::Status s = FromGrpc(stub_->GetLogInfo(&ctx, req, &resp), "GetLogInfo");
  if (!s.ok()) return s;
  LogParameters info;
  info.max_epoch_age_ms = resp.max_epoch_age_ms();
  return info;
}

}  // namespace keytrail::monitor
