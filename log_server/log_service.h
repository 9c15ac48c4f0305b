// LogService: the KeyTransparencyLog gRPC service (proto/log_service.proto)
// on gRPC's callback API. Reads are answered on the calling thread from the
// latest published state; writes are authorized, prepared (validation, VRF)
// on the calling thread and finished by the sequencer once their epoch is
// durable, so no gRPC thread blocks while an epoch is built.
//
// Lookups and histories that need a VRF proof (an account the log does not
// know, its proof not cached) are the exception: they go to the
// ProofScheduler, when one is given, and are answered on its worker
// threads, so a flood of them can't starve ordinary reads of gRPC's
// threads and the cores. Over its limits they get RESOURCE_EXHAUSTED
// (proof_scheduler.h).
//
// Every status comes from the component that produced it, code unchanged
// (core/grpc/status_convert.h).
//
// On a read replica (docs/REPLICAS.md) the service has no writer: Update
// and BatchUpdate fail with FAILED_PRECONDITION naming the primary, before
// any credential check (a replica holds none).
#ifndef KEYTRAIL_LOG_SERVER_LOG_SERVICE_H_
#define KEYTRAIL_LOG_SERVER_LOG_SERVICE_H_

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"
#include "log_server/log_queries.h"
#include "log_server/proof_scheduler.h"
#include "log_server/sequencer.h"
#include "log_server/update_preparer.h"
#include "log_server/write_auth.h"
#include "proto/log_service.grpc.pb.h"

namespace keytrail {

class LogService final : public v1::KeyTransparencyLog::CallbackService {
 public:
  // All arguments are borrowed and must outlive the service. Without a
  // `proofs` scheduler every read is answered on the calling thread.
  LogService(const WriteAuthorizer& auth, const UpdatePreparer& preparer, Sequencer& sequencer,
             const LogQueries& queries, ProofScheduler* proofs = nullptr)
      : auth_(&auth),
        preparer_(&preparer),
        sequencer_(&sequencer),
        queries_(queries),
        proofs_(proofs) {}
  // A read replica's service: reads only. `primary` names where updates
  // go (an address or a description), for the refusal's message.
  LogService(const LogQueries& queries, std::string primary, ProofScheduler* proofs = nullptr)
      : primary_(std::move(primary)), queries_(queries), proofs_(proofs) {}

  grpc::ServerUnaryReactor* Update(grpc::CallbackServerContext* context,
                                   const v1::UpdateRequest* request,
                                   v1::UpdateResponse* response) override;
  grpc::ServerUnaryReactor* BatchUpdate(grpc::CallbackServerContext* context,
                                        const v1::BatchUpdateRequest* request,
                                        v1::BatchUpdateResponse* response) override;
  grpc::ServerUnaryReactor* Lookup(grpc::CallbackServerContext* context,
                                   const v1::LookupRequest* request,
                                   v1::LookupResponse* response) override;
  // Every account that needs a VRF proof is one ProofScheduler call of its
  // own (so a batch costs its client what its Lookups would); the call
  // finishes when all are answered, or fails with the first refusal or
  // error. The others are answered on the calling thread.
  grpc::ServerUnaryReactor* BatchLookup(grpc::CallbackServerContext* context,
                                        const v1::BatchLookupRequest* request,
                                        v1::BatchLookupResponse* response) override;
  grpc::ServerUnaryReactor* History(grpc::CallbackServerContext* context,
                                    const v1::HistoryRequest* request,
                                    v1::HistoryResponse* response) override;
  grpc::ServerUnaryReactor* GetCheckpoint(grpc::CallbackServerContext* context,
                                          const v1::GetCheckpointRequest* request,
                                          v1::GetCheckpointResponse* response) override;
  grpc::ServerUnaryReactor* GetEntries(grpc::CallbackServerContext* context,
                                       const v1::GetEntriesRequest* request,
                                       v1::GetEntriesResponse* response) override;
  grpc::ServerUnaryReactor* GetInclusionProof(grpc::CallbackServerContext* context,
                                              const v1::GetInclusionProofRequest* request,
                                              v1::GetInclusionProofResponse* response) override;
  grpc::ServerUnaryReactor* GetConsistencyProof(grpc::CallbackServerContext* context,
                                                const v1::GetConsistencyProofRequest* request,
                                                v1::GetConsistencyProofResponse* response) override;
  grpc::ServerUnaryReactor* GetLogInfo(grpc::CallbackServerContext* context,
                                       const v1::GetLogInfoRequest* request,
                                       v1::GetLogInfoResponse* response) override;

 private:
  // FailedPrecondition on a read replica, else OK.
  absl::Status CheckWritable() const;

  // All null on a read replica.
  const WriteAuthorizer* const auth_ = nullptr;
  const UpdatePreparer* const preparer_ = nullptr;
  Sequencer* const sequencer_ = nullptr;
  const std::string primary_;
  const LogQueries& queries_;
  ProofScheduler* const proofs_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_LOG_SERVICE_H_
