#include "testing/crafted_log_service.h"

#include "core/merkle/hash_list.h"

namespace keytrail::test {

CraftedLogServer::CraftedLogServer(const test::CraftedLog* log) : log_(log) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(this);
  server_ = builder.BuildAndStart();
}

CraftedLogServer::~CraftedLogServer() { server_->Shutdown(); }

std::shared_ptr<grpc::Channel> CraftedLogServer::Channel() const {
  return grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                             grpc::InsecureChannelCredentials());
}

void CraftedLogServer::SetLog(const test::CraftedLog* log) {
  std::lock_guard<std::mutex> lock(mu_);
  log_ = log;
}
void CraftedLogServer::SetCheckpoint(std::optional<std::string> note) {
  std::lock_guard<std::mutex> lock(mu_);
  checkpoint_ = std::move(note);
}
void CraftedLogServer::SetServedSize(uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  served_size_ = size;
}
void CraftedLogServer::SetDown(bool down) {
  std::lock_guard<std::mutex> lock(mu_);
  down_ = down;
}
int CraftedLogServer::entries_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_calls_;
}

#define KT_CHECK_UP()                    \
  std::lock_guard<std::mutex> lock(mu_); \
  if (down_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "down")

grpc::Status CraftedLogServer::GetCheckpoint(grpc::ServerContext*, const v1::GetCheckpointRequest*,
                                             v1::GetCheckpointResponse* resp) {
  KT_CHECK_UP();
  if (checkpoint_.has_value()) {
    resp->set_checkpoint(*checkpoint_);
  } else {
    resp->set_checkpoint(log_->SignedCheckpoint(served_size_ ? served_size_ : log_->size()));
  }
  return grpc::Status::OK;
}

grpc::Status CraftedLogServer::GetEntries(grpc::ServerContext*, const v1::GetEntriesRequest* req,
                                          v1::GetEntriesResponse* resp) {
  KT_CHECK_UP();
  ++entries_calls_;
  if (req->start() >= log_->size()) {
    return grpc::Status(grpc::StatusCode::OUT_OF_RANGE, "beyond the log");
  }
  const uint64_t end =
      std::min<uint64_t>(log_->size(), req->start() + std::min<uint64_t>(req->count(), 1000));
  for (uint64_t i = req->start(); i < end; ++i) resp->add_entries(log_->entry(i));
  return grpc::Status::OK;
}

grpc::Status CraftedLogServer::GetInclusionProof(grpc::ServerContext*,
                                                 const v1::GetInclusionProofRequest* req,
                                                 v1::GetInclusionProofResponse* resp) {
  KT_CHECK_UP();
  if (req->index() >= req->tree_size() || req->tree_size() > log_->size()) {
    return grpc::Status(grpc::StatusCode::OUT_OF_RANGE, "bad sizes");
  }
  resp->set_proof(merkle::EncodeHashList(log_->InclusionProof(req->index(), req->tree_size())));
  return grpc::Status::OK;
}

grpc::Status CraftedLogServer::GetConsistencyProof(grpc::ServerContext*,
                                                   const v1::GetConsistencyProofRequest* req,
                                                   v1::GetConsistencyProofResponse* resp) {
  KT_CHECK_UP();
  if (req->first_size() == 0 || req->first_size() > req->second_size() ||
      req->second_size() > log_->size()) {
    return grpc::Status(grpc::StatusCode::OUT_OF_RANGE, "bad sizes");
  }
  resp->set_proof(
      merkle::EncodeHashList(log_->ConsistencyProof(req->first_size(), req->second_size())));
  return grpc::Status::OK;
}

grpc::Status CraftedLogServer::GetLogInfo(grpc::ServerContext*, const v1::GetLogInfoRequest*,
                                          v1::GetLogInfoResponse* resp) {
  KT_CHECK_UP();
  resp->set_origin(log_->signer().name());
  resp->set_note_verifier_key(log_->VerifierKey());
  resp->set_max_epoch_age_ms(60000);
  return grpc::Status::OK;
}

}  // namespace keytrail::test
