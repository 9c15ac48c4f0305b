#include "log_server/log_service.h"

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "core/grpc/status_convert.h"
#include "core/protocol/limits.h"

namespace keytrail {
namespace {

grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context, const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

void FillOutcome(const UpdateOutcome& o, v1::UpdateResponse* out) {
  out->set_version(o.version);
  out->set_epoch(o.epoch);
  out->set_log_index(o.log_index);
  out->set_tree_size(o.tree_size);
}

// Answers `answer` now, or, when it must prove an absent account's VRF
// index and a scheduler is given, on a scheduler worker (or refuses it).
// The account is read once, for both the decision and the answer.
template <typename Answer>
grpc::ServerUnaryReactor* ReadCall(grpc::CallbackServerContext* context, const LogQueries& queries,
                                   ProofScheduler* proofs, absl::string_view account,
                                   Answer answer) {
  LogQueries::Prefetched read = queries.Prefetch(account);
  if (proofs == nullptr || !queries.NeedsVrfProof(read)) return Finish(context, answer(read));
  auto prefetched = std::make_shared<LogQueries::Prefetched>(std::move(read));
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  proofs->Submit(
      ClientOfPeer(context->peer()),
      [context, reactor, answer, prefetched]() {
        // A caller that gave up (cancelled, or its deadline passed) while
        // queued costs no proof.
        if (context->IsCancelled()) {
          reactor->Finish(grpc::Status::CANCELLED);
          return;
        }
        reactor->Finish(ToGrpcStatus(answer(*prefetched)));
      },
      [reactor](const absl::Status& refusal) { reactor->Finish(ToGrpcStatus(refusal)); });
  return reactor;
}

// A batch lookup waiting for its accounts' VRF proofs: one count per
// account sent to the scheduler, plus one held while they are submitted.
// The first failure (a refusal, an error, the caller gone) is the call's
// status, and the accounts not proved yet are then not proved at all.
class PendingBatch {
 public:
  PendingBatch(LogQueries::Batch batch, int count) : batch_(std::move(batch)), pending_(count) {}

  const LogQueries::Batch& batch() const { return batch_; }
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  void Fail(const absl::Status& status) {
    absl::MutexLock lock(&mu_);
    if (status_.ok()) status_ = status;
    failed_.store(true, std::memory_order_release);
  }
  // Counts one down; the last one finishes the call.
  void Done(grpc::ServerUnaryReactor* reactor, v1::BatchLookupResponse* response) {
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    absl::Status status;
    {
      absl::MutexLock lock(&mu_);
      status = status_;
    }
    if (status.ok()) LogQueries::TrimBatchAnswers(response);
    reactor->Finish(ToGrpcStatus(status));
  }

 private:
  const LogQueries::Batch batch_;
  std::atomic<int> pending_;
  std::atomic<bool> failed_{false};
  absl::Mutex mu_;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::Status LogService::CheckWritable() const {
  if (sequencer_ != nullptr) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("this server is a read replica; send updates to the primary",
                   primary_.empty() ? std::string() : absl::StrCat(" (", primary_, ")")));
}

grpc::ServerUnaryReactor* LogService::Update(grpc::CallbackServerContext* context,
                                             const v1::UpdateRequest* request,
                                             v1::UpdateResponse* response) {
  absl::Status s = CheckWritable();
  if (!s.ok()) return Finish(context, s);
  s = auth_->Check(*context);
  if (!s.ok()) return Finish(context, s);
  auto prepared = preparer_->Prepare(*request);
  if (!prepared.ok()) return Finish(context, prepared.status());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  sequencer_->Submit(*std::move(prepared),
                     [reactor, response](absl::StatusOr<UpdateOutcome> outcome) {
                       if (outcome.ok()) FillOutcome(*outcome, response);
                       reactor->Finish(ToGrpcStatus(outcome.status()));
                     });
  return reactor;
}

grpc::ServerUnaryReactor* LogService::BatchUpdate(grpc::CallbackServerContext* context,
                                                  const v1::BatchUpdateRequest* request,
                                                  v1::BatchUpdateResponse* response) {
  absl::Status s = CheckWritable();
  if (!s.ok()) return Finish(context, s);
  s = auth_->Check(*context);
  if (!s.ok()) return Finish(context, s);
  const int n = request->updates_size();
  if (n == 0 || n > static_cast<int>(kMaxBatchUpdates)) {
    return Finish(context,
                  absl::InvalidArgumentError(absl::StrCat("updates: a batch holds 1..",
                                                          kMaxBatchUpdates, " updates, got ", n)));
  }
  // Results are filled in place: the response is sized before any update is
  // queued, so the sequencer thread and this one never resize it.
  for (int i = 0; i < n; ++i) response->add_results();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // One count per queued update plus one held until all are queued, so the
  // call can't finish while this thread still touches the response.
  auto pending = std::make_shared<std::atomic<int>>(1);
  auto finish_one = [reactor, pending]() {
    if (pending->fetch_sub(1) == 1) reactor->Finish(grpc::Status::OK);
  };
  for (int i = 0; i < n; ++i) {
    v1::UpdateResult* result = response->mutable_results(i);
    auto prepared = preparer_->Prepare(request->updates(i));
    if (!prepared.ok()) {
      result->set_code(static_cast<int>(prepared.status().code()));
      result->set_message(std::string(prepared.status().message()));
      continue;
    }
    pending->fetch_add(1);
    sequencer_->Submit(*std::move(prepared),
                       [result, finish_one](absl::StatusOr<UpdateOutcome> outcome) {
                         if (outcome.ok()) {
                           FillOutcome(*outcome, result->mutable_response());
                         } else {
                           result->set_code(static_cast<int>(outcome.status().code()));
                           result->set_message(std::string(outcome.status().message()));
                         }
                         finish_one();
                       });
  }
  finish_one();
  return reactor;
}

grpc::ServerUnaryReactor* LogService::Lookup(grpc::CallbackServerContext* context,
                                             const v1::LookupRequest* request,
                                             v1::LookupResponse* response) {
  const LogQueries* queries = &queries_;
  return ReadCall(context, queries_, proofs_, request->account(),
                  [queries, request, response](const LogQueries::Prefetched& prefetched) {
                    return queries->Lookup(prefetched, *request, response);
                  });
}

grpc::ServerUnaryReactor* LogService::BatchLookup(grpc::CallbackServerContext* context,
                                                  const v1::BatchLookupRequest* request,
                                                  v1::BatchLookupResponse* response) {
  auto batch = queries_.BeginBatchLookup(*request, response);
  if (!batch.ok()) return Finish(context, batch.status());
  std::vector<size_t> deferred;
  absl::Status s = queries_.AnswerBatch(*batch, proofs_ != nullptr, response, &deferred);
  if (!s.ok() || deferred.empty()) {
    if (s.ok()) LogQueries::TrimBatchAnswers(response);
    return Finish(context, s);
  }
  // Each account to prove is a scheduler call of its own, answered in
  // place: the answers are distinct elements of a response sized before
  // any is submitted.
  auto pending =
      std::make_shared<PendingBatch>(*std::move(batch), static_cast<int>(deferred.size()) + 1);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const LogQueries* queries = &queries_;
  const std::string client = ClientOfPeer(context->peer());
  for (size_t i : deferred) {
    proofs_->Submit(
        client,
        [context, reactor, response, queries, pending, i]() {
          // After a failure, or once the caller gave up (cancelled, or its
          // deadline passed), the remaining accounts cost no proof.
          if (!pending->failed()) {
            if (context->IsCancelled()) {
              pending->Fail(absl::CancelledError("the call was cancelled"));
            } else {
              absl::Status s = queries->AnswerBatchAccount(
                  pending->batch(), i, response->mutable_answers(static_cast<int>(i)));
              if (!s.ok()) pending->Fail(s);
            }
          }
          pending->Done(reactor, response);
        },
        [reactor, response, pending](const absl::Status& refusal) {
          pending->Fail(refusal);
          pending->Done(reactor, response);
        });
  }
  pending->Done(reactor, response);
  return reactor;
}

grpc::ServerUnaryReactor* LogService::History(grpc::CallbackServerContext* context,
                                              const v1::HistoryRequest* request,
                                              v1::HistoryResponse* response) {
  const LogQueries* queries = &queries_;
  return ReadCall(context, queries_, proofs_, request->account(),
                  [queries, request, response](const LogQueries::Prefetched& prefetched) {
                    return queries->History(prefetched, *request, response);
                  });
}

grpc::ServerUnaryReactor* LogService::GetCheckpoint(grpc::CallbackServerContext* context,
                                                    const v1::GetCheckpointRequest* request,
                                                    v1::GetCheckpointResponse* response) {
  return Finish(context, queries_.GetCheckpoint(*request, response));
}

grpc::ServerUnaryReactor* LogService::GetEntries(grpc::CallbackServerContext* context,
                                                 const v1::GetEntriesRequest* request,
                                                 v1::GetEntriesResponse* response) {
  return Finish(context, queries_.GetEntries(*request, response));
}

grpc::ServerUnaryReactor* LogService::GetInclusionProof(grpc::CallbackServerContext* context,
                                                        const v1::GetInclusionProofRequest* request,
                                                        v1::GetInclusionProofResponse* response) {
  return Finish(context, queries_.GetInclusionProof(*request, response));
}

grpc::ServerUnaryReactor* LogService::GetConsistencyProof(
    grpc::CallbackServerContext* context, const v1::GetConsistencyProofRequest* request,
    v1::GetConsistencyProofResponse* response) {
  return Finish(context, queries_.GetConsistencyProof(*request, response));
}

grpc::ServerUnaryReactor* LogService::GetLogInfo(grpc::CallbackServerContext* context,
                                                 const v1::GetLogInfoRequest*,
                                                 v1::GetLogInfoResponse* response) {
  queries_.GetLogInfo(response);
  return Finish(context, absl::OkStatus());
}

}  // namespace keytrail
