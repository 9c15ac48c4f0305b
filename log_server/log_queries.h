// LogQueries: the log server's read side. Every answer comes from one
// PublishedState (one RocksDB snapshot), so it is consistent even while the
// next epoch is being committed.
//
// Status codes (carried unchanged to gRPC):
//   InvalidArgument  a malformed request (bad account id, since_version 0,
//                    count 0, first_size 0 or > second_size, index >= size,
//                    a BatchLookup of 0 or over 128 accounts);
//   OutOfRange       a tree size beyond the log's current size (including a
//                    last_verified_size the log never reached), a start past
//                    the end, a since_version past the account's next one;
//   DataLoss         the log's own records are damaged or inconsistent;
//   Unavailable      storage trouble; and on a read replica (docs/REPLICAS.md)
//                    a tree size, last_verified_size or start beyond the
//                    newest checkpoint it verified ("behind: retry": the
//                    primary or another replica may be ahead; never
//                    OutOfRange, which verifiers read as a rollback), and
//                    every read before it has verified any checkpoint.
// Thread-safe.
#ifndef KEYTRAIL_LOG_SERVER_LOG_QUERIES_H_
#define KEYTRAIL_LOG_SERVER_LOG_QUERIES_H_

#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/crypto/ecvrf.h"
#include "log_server/epoch_context.h"
#include "log_server/log_storage.h"
#include "log_server/published_state.h"
#include "log_server/records.h"
#include "log_server/vrf_proof_cache.h"
#include "proto/keytrail.pb.h"

namespace keytrail {

// What GetLogInfo announces.
struct LogIdentity {
  std::string origin;
  std::string note_verifier_key;
  std::string vrf_public_key;
  uint64_t epoch_interval_ms = 0;
  uint64_t max_epoch_age_ms = 0;
};

// The identity of the log `config` names, with the epoch settings the
// server was given (a primary's sequencer's; a replica repeats them).
LogIdentity IdentityOf(const LogConfig& config, absl::Duration epoch_interval,
                       absl::Duration max_epoch_age);

class LogQueries {
 public:
  // Arguments are borrowed and must outlive this object. `vrf_key` proves
  // the index of accounts the log does not know yet. `published` holds the
  // newest committed state; `served` (when not null) the state Lookup,
  // History and GetCheckpoint answer with: the newest one carrying the
  // cosignatures the log requires (cosignature_collector.h). Entries and
  // proofs reach up to the newest state, so monitors can audit it.
  // `proof_cache` (when not null) keeps the VRF proofs computed for absent
  // accounts. `contexts` (when not null) holds what lookups of one epoch
  // share (epoch_context.h); answers are the same with or without it, only
  // cheaper with it. `replica`: answer as a read replica does (above);
  // its state holders may then be empty.
  LogQueries(const LogStorage& storage, const StateHolder& published, const VrfPrivateKey& vrf_key,
             LogIdentity info, const StateHolder* served = nullptr,
             VrfProofCache* proof_cache = nullptr, const EpochContexts* contexts = nullptr,
             bool replica = false)
      : storage_(storage),
        published_(published),
        served_(served != nullptr ? *served : published),
        vrf_key_(vrf_key),
        info_(std::move(info)),
        proof_cache_(proof_cache),
        contexts_(contexts),
        replica_(replica) {}

  // The served state and the account's stored record, read once for both
  // NeedsVrfProof and the answer (Lookup and History with a Prefetched).
  // `stored` is meaningful only when `read` is true: false for a malformed
  // account id or a failed read, which the answer then reports.
  struct Prefetched {
    std::string account;
    std::shared_ptr<const PublishedState> state;
    bool read = false;
    std::optional<AccountRecord> stored;
  };
  Prefetched Prefetch(absl::string_view account) const;
  bool NeedsVrfProof(const Prefetched& prefetched) const;
  // As Lookup and History below, answered from prefetched.state, which must
  // come from Prefetch of the request's account.
  absl::Status Lookup(const Prefetched& prefetched, const v1::LookupRequest& request,
                      v1::LookupResponse* response) const;
  absl::Status History(const Prefetched& prefetched, const v1::HistoryRequest& request,
                       v1::HistoryResponse* response) const;

  // BatchLookup (docs/PROTOCOL.md "Batch lookups"), in steps so the
  // service can send the accounts that need a VRF proof to its
  // ProofScheduler one by one (each costs its client what one Lookup
  // would). Every answer of a batch comes from the one served state
  // BeginBatchLookup took, even if an epoch is published meanwhile.
  struct Batch {
    std::shared_ptr<const PublishedState> state;
    std::shared_ptr<const EpochContext> context;  // of `state`; may be null
    std::vector<Prefetched> accounts;             // request order, from `state`
  };
  // OK, or InvalidArgument: no account or more than kMaxBatchLookups
  // ("accounts: a batch holds 1..128 accounts, got N"), or a malformed
  // account ("accounts[3]: account id: ..."), the first one named.
  static absl::Status CheckBatchLookup(const v1::BatchLookupRequest& request);
  // Clears `response`, checks the request (above), takes the served state
  // once, reads every account from it, fills response->log as Lookup would
  // (the same errors: OutOfRange, Unavailable...) and gives response one
  // empty answer per account, to be filled in place.
  absl::StatusOr<Batch> BeginBatchLookup(const v1::BatchLookupRequest& request,
                                         v1::BatchLookupResponse* response) const;
  // Fills `answer` with account i's answer from batch.state: byte for
  // byte what Lookup of it answers from that state, less the log proof.
  // Thread-safe, also for several answers of one batch at once.
  absl::Status AnswerBatchAccount(const Batch& batch, size_t i, v1::AccountAnswer* answer) const;
  // Answers response->answers in order on this thread, except (when
  // `defer_proofs`) those that need a VRF proof now (NeedsVrfProof),
  // whose indexes go to `deferred`, left for AnswerBatchAccount. Stops
  // once the answers so far pass kMaxAnswerBytes and drops the answers
  // after that point: no account after it can be in the answer.
  absl::Status AnswerBatch(const Batch& batch, bool defer_proofs, v1::BatchLookupResponse* response,
                           std::vector<size_t>* deferred) const;
  // Keeps the longest prefix of response->answers whose whole response
  // fits kMaxAnswerBytes, at least one answer; drops the rest.
  static void TrimBatchAnswers(v1::BatchLookupResponse* response);
  // The whole batch on this thread: BeginBatchLookup, AnswerBatch,
  // TrimBatchAnswers.
  absl::Status BatchLookup(const v1::BatchLookupRequest& request,
                           v1::BatchLookupResponse* response) const;

  // Whether a Lookup or History of `account` would compute a VRF proof
  // now: a well-formed account id the served state does not know and whose
  // proof is not cached. The service sends those to its ProofScheduler
  // (proof_scheduler.h) and answers the rest at once. A storage error
  // answers false: the call then reports it itself, without proving.
  bool NeedsVrfProof(absl::string_view account) const;

  absl::Status Lookup(const v1::LookupRequest& request, v1::LookupResponse* response) const;
  // One page of the account's history: at most kMaxAnswerBytes (proofs
  // included) and kMaxHistoryVersions versions, at least one when there is
  // any; response.more says whether versions after the page's last exist.
  absl::Status History(const v1::HistoryRequest& request, v1::HistoryResponse* response) const;
  // request.newest: the newest log-signed checkpoint instead of the served
  // one.
  absl::Status GetCheckpoint(const v1::GetCheckpointRequest& request,
                             v1::GetCheckpointResponse* response) const;
  // At most count, kMaxEntriesPerRequest and kMaxAnswerBytes; at least one.
  absl::Status GetEntries(const v1::GetEntriesRequest& request,
                          v1::GetEntriesResponse* response) const;
  absl::Status GetInclusionProof(const v1::GetInclusionProofRequest& request,
                                 v1::GetInclusionProofResponse* response) const;
  absl::Status GetConsistencyProof(const v1::GetConsistencyProofRequest& request,
                                   v1::GetConsistencyProofResponse* response) const;
  void GetLogInfo(v1::GetLogInfoResponse* response) const;

 private:
  // What Lookup and History share: the log proof, the VRF proof, the map
  // proof, and the account's current leaf version (0 when absent).
  struct AccountProofs {
    AccountRecord account;
    uint64_t current_version = 0;
    Hash current_head{};
  };
  // The VRF and map proofs of `account` (already validated) in `state`.
  // `stored` (when not null): the account's record as read from `state`
  // by Prefetch, so it is not read again. `context`: `state`'s, or null.
  absl::StatusOr<AccountProofs> ProveAccount(const PublishedState& state,
                                             const EpochContext* context,
                                             const std::optional<AccountRecord>* stored,
                                             absl::string_view account, std::string* vrf_proof,
                                             std::string* map_proof) const;
  // What Lookup and BatchLookup answer of one account, less the log proof:
  // vrf_proof, map_proof, current and previous_head of `out` (a
  // LookupResponse or an AccountAnswer: the same fields, so both share
  // this one code path and their bytes). Arguments as ProveAccount's.
  template <typename Answer>
  absl::Status AnswerAccount(const PublishedState& state, const EpochContext* context,
                             const std::optional<AccountRecord>* stored, absl::string_view account,
                             Answer* out) const;
  // What Lookup, History and BatchLookup start with: fills `log` for
  // `last_verified_size` from `state` and returns `state`'s context (null
  // without one), which their answers use too.
  absl::StatusOr<std::shared_ptr<const EpochContext>> StartLogProof(const PublishedState& state,
                                                                    uint64_t last_verified_size,
                                                                    v1::LogProof* log) const;
  // StartLogProof for one account's answer, once `account` is checked.
  absl::StatusOr<std::shared_ptr<const EpochContext>> StartAnswer(const PublishedState& state,
                                                                  absl::string_view account,
                                                                  uint64_t last_verified_size,
                                                                  v1::LogProof* log) const;
  Prefetched PrefetchFrom(std::shared_ptr<const PublishedState> state,
                          absl::string_view account) const;
  absl::Status FillLogProof(const PublishedState& state, const EpochContext* context,
                            uint64_t last_verified_size, v1::LogProof* log) const;
  // The state Lookup, History and GetCheckpoint answer with.
  std::shared_ptr<const PublishedState> State() const;
  // The newest committed state (entries, proofs, GetCheckpoint newest).
  std::shared_ptr<const PublishedState> Newest() const;
  // Unavailable when `state` is null: a replica that has verified nothing
  // yet (a primary always has its genesis epoch).
  absl::Status CheckServing(const PublishedState* state) const;
  // OK when `size` is within `state`'s tree; else OutOfRange, or on a
  // replica Unavailable (behind).
  absl::Status CheckTreeSize(uint64_t size, const PublishedState& state,
                             absl::string_view field) const;

  const LogStorage& storage_;
  const StateHolder& published_;
  const StateHolder& served_;
  const VrfPrivateKey& vrf_key_;
  const LogIdentity info_;
  VrfProofCache* const proof_cache_;
  const EpochContexts* const contexts_;
  const bool replica_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_LOG_QUERIES_H_
