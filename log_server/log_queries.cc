#include "log_server/log_queries.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/map/proof.h"
#include "core/map/tiled_map.h"
#include "core/merkle/hash_list.h"
#include "core/merkle/proof_builder.h"
#include "core/protocol/chain.h"
#include "core/protocol/commitment.h"
#include "core/protocol/limits.h"
#include "core/protocol/limits_message.h"
#include "core/storage/log_tiles.h"
#include "core/storage/rocks_map_store.h"
#include "google/protobuf/io/coded_stream.h"
#include "log_server/account_index.h"

namespace keytrail {
namespace {

void FillVersion(uint64_t version, const VersionRecord& rec, v1::AccountVersion* out) {
  out->set_version(version);
  out->set_epoch(rec.epoch);
  out->set_key_set(rec.key_set);
  out->set_opening(rec.opening);
  out->set_log_index(rec.log_index);
}

}  // namespace

LogIdentity IdentityOf(const LogConfig& config, absl::Duration epoch_interval,
                       absl::Duration max_epoch_age) {
  LogIdentity info;
  info.origin = config.origin;
  info.note_verifier_key = config.note_verifier_key;
  info.vrf_public_key = config.vrf_public_key;
  info.epoch_interval_ms = absl::ToInt64Milliseconds(epoch_interval);
  info.max_epoch_age_ms = absl::ToInt64Milliseconds(max_epoch_age);
  return info;
}

absl::Status LogQueries::CheckServing(const PublishedState* state) const {
  if (state != nullptr) return absl::OkStatus();
  return absl::UnavailableError(
      "behind: this read replica has not verified any checkpoint yet; retry (another server may "
      "answer)");
}

absl::Status LogQueries::CheckTreeSize(uint64_t size, const PublishedState& state,
                                       absl::string_view field) const {
  if (size <= state.log.tree_size) return absl::OkStatus();
  if (replica_) {
    // Not evidence of anything: the primary, or another replica behind the
    // same load balancer, may well be ahead of this one.
    return absl::UnavailableError(absl::StrCat("behind: ", field, " ", size,
                                               " is beyond the newest checkpoint this read "
                                               "replica verified (size ",
                                               state.log.tree_size, "); retry"));
  }
  return absl::OutOfRangeError(
      absl::StrCat(field, " ", size, " is beyond the log's size ", state.log.tree_size));
}

std::shared_ptr<const PublishedState> LogQueries::State() const { return served_.Get(); }
std::shared_ptr<const PublishedState> LogQueries::Newest() const { return published_.Get(); }

absl::Status LogQueries::FillLogProof(const PublishedState& state, const EpochContext* context,
                                      uint64_t last_verified_size, v1::LogProof* log) const {
  absl::Status s = CheckTreeSize(last_verified_size, state, "last_verified_size");
  if (!s.ok()) return s;
  log->set_checkpoint(state.checkpoint);
  log->set_epoch_entry(state.epoch_entry);
  if (context != nullptr) {
    log->set_epoch_inclusion_proof(context->encoded_inclusion_proof());
  } else {
    log->set_epoch_inclusion_proof(merkle::EncodeHashList(state.epoch_inclusion_proof));
  }
  if (last_verified_size > 0 && last_verified_size < state.log.tree_size) {
    if (context != nullptr) {
      auto proof = context->ConsistencyProof(last_verified_size);
      if (!proof.ok()) return proof.status();
      log->set_consistency_proof(*std::move(proof));
      return absl::OkStatus();
    }
    LogTileReader tiles = storage_.Reader(state.snapshot.get()).LogTiles();
    auto proof = merkle::BuildConsistencyProof(last_verified_size, state.log.tree_size, tiles);
    if (!proof.ok()) return proof.status();
    log->set_consistency_proof(merkle::EncodeHashList(*proof));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const EpochContext>> LogQueries::StartAnswer(
    const PublishedState& state, absl::string_view account, uint64_t last_verified_size,
    v1::LogProof* log) const {
  absl::Status s = ValidateAccountId(account);
  if (!s.ok()) return s;
  return StartLogProof(state, last_verified_size, log);
}

absl::StatusOr<std::shared_ptr<const EpochContext>> LogQueries::StartLogProof(
    const PublishedState& state, uint64_t last_verified_size, v1::LogProof* log) const {
  std::shared_ptr<const EpochContext> context =
      contexts_ != nullptr ? contexts_->For(state) : nullptr;
  absl::Status s = FillLogProof(state, context.get(), last_verified_size, log);
  if (!s.ok()) return s;
  return context;
}

absl::StatusOr<LogQueries::AccountProofs> LogQueries::ProveAccount(
    const PublishedState& state, const EpochContext* context,
    const std::optional<AccountRecord>* stored, absl::string_view account, std::string* vrf_proof,
    std::string* map_proof) const {
  const LogReader reader = storage_.Reader(state.snapshot.get());
  AccountProofs out;
  if (stored != nullptr && stored->has_value()) {
    out.account = **stored;
  } else {
    // An absent account (or none prefetched): its index is proved, or read.
    auto index = FindAccountIndex(reader, vrf_key_, account, proof_cache_);
    if (!index.ok()) return index.status();
    out.account = std::move(index->record);
  }
  *vrf_proof = out.account.vrf_proof;

  RocksMapReader map_reader = reader.MapReader();
  if (context != nullptr) map_reader.AdoptIterator(context->TakeLeafIterator());
  std::optional<map::MapLeaf> leaf;
  auto proof = map::TiledMap::Prove(map_reader, out.account.index,
                                    context != nullptr ? context->map_top() : nullptr, &leaf);
  if (context != nullptr) context->ReturnLeafIterator(map_reader.ReleaseIterator());
  if (!proof.ok()) return proof.status();
  *map_proof = map::EncodeMapProof(*proof);
  if (proof->terminal == map::MapProof::Terminal::kLeaf) {
    if (!leaf.has_value()) {
      // The proof ended in a tile naming the leaf: read it.
      auto read = map_reader.GetLeaf(out.account.index);
      if (!read.ok()) return read.status();
      if (!read->has_value()) return absl::DataLossError("map proves a leaf that is not stored");
      leaf = **read;
    }
    out.current_version = leaf->version;
    out.current_head = leaf->head;
  }
  return out;
}

template <typename Answer>
absl::Status LogQueries::AnswerAccount(const PublishedState& state, const EpochContext* context,
                                       const std::optional<AccountRecord>* stored,
                                       absl::string_view account, Answer* out) const {
  auto proofs = ProveAccount(state, context, stored, account, out->mutable_vrf_proof(),
                             out->mutable_map_proof());
  if (!proofs.ok()) return proofs.status();
  if (proofs->current_version == 0) return absl::OkStatus();
  auto rec = storage_.Reader(state.snapshot.get())
                 .GetVersion(proofs->account.index, proofs->current_version);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) {
    return absl::DataLossError(
        absl::StrCat("version ", proofs->current_version, " of a mapped account is missing"));
  }
  FillVersion(proofs->current_version, **rec, out->mutable_current());
  out->set_previous_head(HashString((*rec)->previous_head));
  return absl::OkStatus();
}

LogQueries::Prefetched LogQueries::Prefetch(absl::string_view account) const {
  return PrefetchFrom(State(), account);
}

LogQueries::Prefetched LogQueries::PrefetchFrom(std::shared_ptr<const PublishedState> state,
                                                absl::string_view account) const {
  Prefetched out;
  out.state = std::move(state);
  out.account = std::string(account);
  if (out.state == nullptr || !ValidateAccountId(account).ok()) return out;
  auto stored = storage_.Reader(out.state->snapshot.get()).GetAccount(account);
  if (!stored.ok()) return out;
  out.read = true;
  out.stored = *std::move(stored);
  return out;
}

bool LogQueries::NeedsVrfProof(const Prefetched& prefetched) const {
  if (!prefetched.read || prefetched.stored.has_value()) return false;
  return proof_cache_ == nullptr || !proof_cache_->Get(prefetched.account).has_value();
}

bool LogQueries::NeedsVrfProof(absl::string_view account) const {
  if (!ValidateAccountId(account).ok()) return false;
  auto state = State();
  if (state == nullptr) return false;
  auto stored = storage_.Reader(state->snapshot.get()).GetAccount(account);
  if (!stored.ok() || stored->has_value()) return false;
  return proof_cache_ == nullptr || !proof_cache_->Get(account).has_value();
}

absl::Status LogQueries::Lookup(const v1::LookupRequest& request,
                                v1::LookupResponse* response) const {
  Prefetched none;
  none.state = State();
  return Lookup(none, request, response);
}

absl::Status LogQueries::Lookup(const Prefetched& prefetched, const v1::LookupRequest& request,
                                v1::LookupResponse* response) const {
  absl::Status serving = CheckServing(prefetched.state.get());
  if (!serving.ok()) return serving;
  const PublishedState& state = *prefetched.state;
  auto context =
      StartAnswer(state, request.account(), request.last_verified_size(), response->mutable_log());
  if (!context.ok()) return context.status();
  const bool known = prefetched.read && prefetched.account == request.account();
  return AnswerAccount(state, context->get(), known ? &prefetched.stored : nullptr,
                       request.account(), response);
}

absl::Status LogQueries::CheckBatchLookup(const v1::BatchLookupRequest& request) {
  const int n = request.accounts_size();
  if (n == 0 || n > static_cast<int>(kMaxBatchLookups)) {
    return absl::InvalidArgumentError(
        absl::StrCat("accounts: a batch holds 1..", kMaxBatchLookups, " accounts, got ", n));
  }
  for (int i = 0; i < n; ++i) {
    absl::Status s = ValidateAccountId(request.accounts(i));
    if (!s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("accounts[", i, "]: ", s.message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<LogQueries::Batch> LogQueries::BeginBatchLookup(
    const v1::BatchLookupRequest& request, v1::BatchLookupResponse* response) const {
  response->Clear();
  absl::Status s = CheckBatchLookup(request);
  if (!s.ok()) return s;
  Batch batch;
  // The one state of the whole batch: Prefetch would take the served
  // state once per account, and an epoch published in between would
  // split the batch across two checkpoints.
  batch.state = State();
  s = CheckServing(batch.state.get());
  if (!s.ok()) return s;
  auto context = StartLogProof(*batch.state, request.last_verified_size(), response->mutable_log());
  if (!context.ok()) return context.status();
  batch.context = *std::move(context);
  batch.accounts.reserve(request.accounts_size());
  for (const std::string& account : request.accounts()) {
    batch.accounts.push_back(PrefetchFrom(batch.state, account));
    response->add_answers();
  }
  return batch;
}

absl::Status LogQueries::AnswerBatchAccount(const Batch& batch, size_t i,
                                            v1::AccountAnswer* answer) const {
  const Prefetched& prefetched = batch.accounts[i];
  return AnswerAccount(*batch.state, batch.context.get(),
                       prefetched.read ? &prefetched.stored : nullptr, prefetched.account, answer);
}

namespace {

// The bytes a length-delimited field of `size` bytes (number < 16) adds to
// its message: tag, length, contents.
size_t FieldBytes(size_t size) {
  return 1 + google::protobuf::io::CodedOutputStream::VarintSize64(size) + size;
}

}  // namespace

absl::Status LogQueries::AnswerBatch(const Batch& batch, bool defer_proofs,
                                     v1::BatchLookupResponse* response,
                                     std::vector<size_t>* deferred) const {
  // The response's size so far, the deferred answers not counted: once it
  // passes the bound, the accounts after this one can't be in the answer
  // (TrimBatchAnswers keeps at most this prefix), so they cost nothing.
  size_t bytes = FieldBytes(response->log().ByteSizeLong());
  for (size_t i = 0; i < batch.accounts.size(); ++i) {
    if (defer_proofs && NeedsVrfProof(batch.accounts[i])) {
      deferred->push_back(i);
      continue;
    }
    v1::AccountAnswer* answer = response->mutable_answers(static_cast<int>(i));
    absl::Status s = AnswerBatchAccount(batch, i, answer);
    if (!s.ok()) return s;
    bytes += FieldBytes(answer->ByteSizeLong());
    if (bytes > kMaxAnswerBytes) {
      const int keep = static_cast<int>(i) + 1;
      response->mutable_answers()->DeleteSubrange(keep, response->answers_size() - keep);
      break;
    }
  }
  return absl::OkStatus();
}

void LogQueries::TrimBatchAnswers(v1::BatchLookupResponse* response) {
  size_t bytes = FieldBytes(response->log().ByteSizeLong());
  int keep = 0;
  for (; keep < response->answers_size(); ++keep) {
    const size_t cost = FieldBytes(response->answers(keep).ByteSizeLong());
    if (keep > 0 && bytes + cost > kMaxAnswerBytes) break;
    bytes += cost;
  }
  response->mutable_answers()->DeleteSubrange(keep, response->answers_size() - keep);
}

absl::Status LogQueries::BatchLookup(const v1::BatchLookupRequest& request,
                                     v1::BatchLookupResponse* response) const {
  auto batch = BeginBatchLookup(request, response);
  if (!batch.ok()) return batch.status();
  std::vector<size_t> deferred;
  absl::Status s = AnswerBatch(*batch, /*defer_proofs=*/false, response, &deferred);
  if (!s.ok()) return s;
  TrimBatchAnswers(response);
  return absl::OkStatus();
}

absl::Status LogQueries::History(const v1::HistoryRequest& request,
                                 v1::HistoryResponse* response) const {
  Prefetched none;
  none.state = State();
  return History(none, request, response);
}

absl::Status LogQueries::History(const Prefetched& prefetched, const v1::HistoryRequest& request,
                                 v1::HistoryResponse* response) const {
  if (request.since_version() == 0) {
    return absl::InvalidArgumentError("since_version: versions start at 1");
  }
  const std::shared_ptr<const PublishedState>& state = prefetched.state;
  absl::Status serving = CheckServing(state.get());
  if (!serving.ok()) return serving;
  auto context =
      StartAnswer(*state, request.account(), request.last_verified_size(), response->mutable_log());
  if (!context.ok()) return context.status();
  const bool known = prefetched.read && prefetched.account == request.account();
  auto proofs =
      ProveAccount(*state, context->get(), known ? &prefetched.stored : nullptr, request.account(),
                   response->mutable_vrf_proof(), response->mutable_map_proof());
  if (!proofs.ok()) return proofs.status();
  const uint64_t since = request.since_version();
  const uint64_t current = proofs->current_version;
  if (since > current + 1) {
    return absl::OutOfRangeError(absl::StrCat(
        "since_version ", since, " is beyond the account's next version ", current + 1));
  }
  if (since == current + 1) {
    // Nothing new: the head the client should already hold.
    response->set_previous_head(HashString(current == 0 ? GenesisHead() : proofs->current_head));
    return absl::OkStatus();
  }
  // One page: versions from `since` on while the answer stays within
  // kMaxAnswerBytes and kMaxHistoryVersions (at least one, so every page
  // makes progress); `more` tells the client to ask from the next one. Read
  // one version at a time, so the server holds no more than the page.
  const LogReader reader = storage_.Reader(state->snapshot.get());
  size_t answer_bytes = response->ByteSizeLong() + 2 + kHashSize;  // + previous_head
  for (uint64_t version = since; version <= current; ++version) {
    if (static_cast<size_t>(response->versions_size()) == kMaxHistoryVersions) break;
    auto rec = reader.GetVersion(proofs->account.index, version);
    if (!rec.ok()) return rec.status();
    if (!rec->has_value()) {
      return absl::DataLossError(absl::StrCat("version ", version, " of an account is missing"));
    }
    if (version == since) response->set_previous_head(HashString((*rec)->previous_head));
    v1::AccountVersion v;
    FillVersion(version, **rec, &v);
    // The repeated field's tag and length prefix: at most 1 + 5 bytes.
    const size_t cost = v.ByteSizeLong() + 6;
    if (response->versions_size() > 0 && answer_bytes + cost > kMaxAnswerBytes) break;
    answer_bytes += cost;
    *response->add_versions() = std::move(v);
  }
  const uint64_t last = since + static_cast<uint64_t>(response->versions_size()) - 1;
  response->set_more(last < current);
  return absl::OkStatus();
}

absl::Status LogQueries::GetCheckpoint(const v1::GetCheckpointRequest& request,
                                       v1::GetCheckpointResponse* response) const {
  auto served = State();
  absl::Status serving = CheckServing(served.get());
  if (!serving.ok()) return serving;
  if (request.newest()) {
    // The newest log-signed checkpoint, with the cosignatures it has so far
    // (those are on the served copy when it is the same epoch).
    auto newest = Newest();
    if (newest != nullptr && newest->log.epoch != served->log.epoch) served = std::move(newest);
  }
  response->set_checkpoint(served->checkpoint);
  return absl::OkStatus();
}

absl::Status LogQueries::GetEntries(const v1::GetEntriesRequest& request,
                                    v1::GetEntriesResponse* response) const {
  auto state = Newest();
  absl::Status serving = CheckServing(state.get());
  if (!serving.ok()) return serving;
  if (request.count() == 0) return absl::InvalidArgumentError("count: must be at least 1");
  if (request.start() >= state->log.tree_size) {
    if (replica_) {
      return absl::UnavailableError(absl::StrCat("behind: start ", request.start(),
                                                 " is at or beyond the newest checkpoint this read "
                                                 "replica verified (size ",
                                                 state->log.tree_size, "); retry"));
    }
    return absl::OutOfRangeError(absl::StrCat(
        "start ", request.start(), " is at or beyond the log's size ", state->log.tree_size));
  }
  uint64_t count = std::min<uint64_t>(
      {request.count(), kMaxEntriesPerRequest, state->log.tree_size - request.start()});
  auto entries = storage_.Reader(state->snapshot.get()).GetEntries(request.start(), count);
  if (!entries.ok()) return entries.status();
  // Entries are small (an index, a version and two hashes: ~100 bytes, so
  // 1,000 take ~100 KiB), but the answer is bounded by bytes all the same,
  // so a future larger entry can't make it unreadable. At least one entry.
  size_t answer_bytes = 0;
  for (std::string& e : *entries) {
    const size_t cost = e.size() + 6;  // + tag and length prefix
    if (response->entries_size() > 0 && answer_bytes + cost > kMaxAnswerBytes) break;
    answer_bytes += cost;
    response->add_entries(std::move(e));
  }
  return absl::OkStatus();
}

absl::Status LogQueries::GetInclusionProof(const v1::GetInclusionProofRequest& request,
                                           v1::GetInclusionProofResponse* response) const {
  auto state = Newest();
  absl::Status s = CheckServing(state.get());
  if (!s.ok()) return s;
  s = CheckTreeSize(request.tree_size(), *state, "tree_size");
  if (!s.ok()) return s;
  if (request.index() >= request.tree_size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("index ", request.index(), " is not below tree_size ", request.tree_size()));
  }
  LogTileReader tiles = storage_.Reader(state->snapshot.get()).LogTiles();
  auto proof = merkle::BuildInclusionProof(request.index(), request.tree_size(), tiles);
  if (!proof.ok()) return proof.status();
  response->set_proof(merkle::EncodeHashList(*proof));
  return absl::OkStatus();
}

absl::Status LogQueries::GetConsistencyProof(const v1::GetConsistencyProofRequest& request,
                                             v1::GetConsistencyProofResponse* response) const {
  auto state = Newest();
  absl::Status s = CheckServing(state.get());
  if (!s.ok()) return s;
  s = CheckTreeSize(request.second_size(), *state, "second_size");
  if (!s.ok()) return s;
  if (request.first_size() == 0 || request.first_size() > request.second_size()) {
    return absl::InvalidArgumentError(absl::StrCat("first_size ", request.first_size(),
                                                   " must be in [1, second_size ",
                                                   request.second_size(), "]"));
  }
  LogTileReader tiles = storage_.Reader(state->snapshot.get()).LogTiles();
  auto proof = merkle::BuildConsistencyProof(request.first_size(), request.second_size(), tiles);
  if (!proof.ok()) return proof.status();
  response->set_proof(merkle::EncodeHashList(*proof));
  return absl::OkStatus();
}

void LogQueries::GetLogInfo(v1::GetLogInfoResponse* response) const {
  response->set_origin(info_.origin);
  response->set_note_verifier_key(info_.note_verifier_key);
  response->set_vrf_public_key(info_.vrf_public_key);
  response->set_commitment_key(CommitmentKey());
  response->set_protocol_version(kProtocolVersion);
  response->set_epoch_interval_ms(info_.epoch_interval_ms);
  response->set_max_epoch_age_ms(info_.max_epoch_age_ms);
  FillLimits(response->mutable_limits());
}

}  // namespace keytrail
