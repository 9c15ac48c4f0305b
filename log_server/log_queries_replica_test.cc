// What a read replica's LogQueries answers differently from the primary's
// (docs/REPLICAS.md): a size beyond its newest verified checkpoint is
// Unavailable ("behind: retry"), never OutOfRange, and before its first
// checkpoint every read is Unavailable. Everything else is the same code.
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/crypto/ecvrf.h"
#include "core/note/note.h"
#include "gtest/gtest.h"
#include "log_server/epoch_builder.h"
#include "log_server/log_queries.h"
#include "log_server/published_state.h"

namespace keytrail {
namespace {

class LogQueriesReplicaTest : public testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("TEST_TMPDIR");
    dir_ = std::string(base ? base : "/tmp") + "/" +
           testing::UnitTest::GetInstance()->current_test_info()->name();
    auto signer = note::Ed25519NoteSigner::Generate("example.org/replica-queries").value();
    LogConfig config;
    config.origin = signer.name();
    config.note_verifier_key = signer.VerifierKey();
    config.vrf_public_key = vrf_.public_key().bytes();
    storage_ = LogStorage::Open(dir_, 8 << 20).value();
    auto builder = EpochBuilder::Open(storage_.get(), config, signer, [] { return 1000; });
    ASSERT_TRUE(builder.ok()) << builder.status();
    ASSERT_TRUE((*builder)->BuildEpoch({}).ok());
    state_.Set((*builder)->published());
    size_ = state_.Get()->log.tree_size;
    ASSERT_EQ(size_, 2u);  // genesis and one empty epoch
  }

  LogQueries Queries(const StateHolder& state, bool replica) const {
    return LogQueries(*storage_, state, vrf_, LogIdentity{}, nullptr, nullptr, nullptr, replica);
  }

  // Every read that names a tree size, with `size`; their statuses.
  static std::vector<absl::Status> SizedReads(const LogQueries& q, uint64_t size) {
    std::vector<absl::Status> out;
    v1::LookupRequest lookup;
    lookup.set_account("alice@example.org");
    lookup.set_last_verified_size(size);
    v1::LookupResponse lookup_answer;
    out.push_back(q.Lookup(lookup, &lookup_answer));
    v1::HistoryRequest history;
    history.set_account("alice@example.org");
    history.set_since_version(1);
    history.set_last_verified_size(size);
    v1::HistoryResponse history_answer;
    out.push_back(q.History(history, &history_answer));
    v1::GetInclusionProofRequest inclusion;
    inclusion.set_index(0);
    inclusion.set_tree_size(size);
    v1::GetInclusionProofResponse inclusion_answer;
    out.push_back(q.GetInclusionProof(inclusion, &inclusion_answer));
    v1::GetConsistencyProofRequest consistency;
    consistency.set_first_size(1);
    consistency.set_second_size(size);
    v1::GetConsistencyProofResponse consistency_answer;
    out.push_back(q.GetConsistencyProof(consistency, &consistency_answer));
    v1::GetEntriesRequest entries;
    entries.set_start(size - 1);
    entries.set_count(1);
    v1::GetEntriesResponse entries_answer;
    out.push_back(q.GetEntries(entries, &entries_answer));
    return out;
  }

  std::string dir_;
  VrfPrivateKey vrf_ = VrfPrivateKey::Generate();
  std::unique_ptr<LogStorage> storage_;
  StateHolder state_;
  uint64_t size_ = 0;
};

TEST_F(LogQueriesReplicaTest, ASizeBeyondTheReplicaIsBehindNotARollback) {
  const LogQueries replica = Queries(state_, /*replica=*/true);
  const LogQueries primary = Queries(state_, /*replica=*/false);
  for (const absl::Status& s : SizedReads(replica, size_ + 1)) {
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
    EXPECT_EQ(s.message().rfind("behind: ", 0), 0u) << s;
    EXPECT_NE(s.message().find(absl::StrCat("size ", size_)), std::string::npos) << s;
  }
  // The primary's answer to the same requests: beyond the log is a claim
  // about the log (a verifier reads it as a rollback).
  for (const absl::Status& s : SizedReads(primary, size_ + 1)) {
    EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange) << s;
  }
  // Within the replica's tree both answer alike.
  for (const LogQueries* q : {&replica, &primary}) {
    for (const absl::Status& s : SizedReads(*q, size_)) EXPECT_TRUE(s.ok()) << s;
  }
}

TEST_F(LogQueriesReplicaTest, NothingIsServedBeforeTheFirstVerifiedCheckpoint) {
  StateHolder empty;
  const LogQueries replica = Queries(empty, /*replica=*/true);
  for (const absl::Status& s : SizedReads(replica, 1)) {
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
    EXPECT_EQ(s.message().rfind("behind: ", 0), 0u) << s;
  }
  v1::GetCheckpointRequest request;
  v1::GetCheckpointResponse response;
  EXPECT_EQ(replica.GetCheckpoint(request, &response).code(), absl::StatusCode::kUnavailable);
  request.set_newest(true);
  EXPECT_EQ(replica.GetCheckpoint(request, &response).code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(replica.NeedsVrfProof("alice@example.org"));
  // GetLogInfo needs no state: a load balancer's client learns the log's
  // keys from any server.
  v1::GetLogInfoResponse info;
  replica.GetLogInfo(&info);
  EXPECT_GT(info.protocol_version(), 0u);
}

}  // namespace
}  // namespace keytrail
