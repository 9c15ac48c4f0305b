// Talks to the fake log server with a real gRPC client over loopback.
#include "testing/fake_log_server.h"

#include <memory>
#include <string>
#include <thread>

#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "core/protocol/key_set.h"
#include "core/protocol/limits.h"
#include "gtest/gtest.h"
#include "proto/log_service.grpc.pb.h"

namespace keytrail {
namespace fakes {
namespace {

constexpr uint64_t kT0 = FakeLog::kGenesisTimeMs;

class FakeLogServerTest : public testing::Test {
 protected:
  FakeLogServerTest() {
    log_.Update("alice", PlainKeySet({"phone"}));
    log_.CloseEpoch(kT0 + 1000);
    log_.Update("alice", PlainKeySet({"phone", "laptop"}));
    log_.Update("bob", PlainKeySet({"phone"}));
    log_.CloseEpoch(kT0 + 2000);  // size 1 + 2 + 3 = 6
    server_ = FakeLogServer::Start(log_).value();
    stub_ = v1::KeyTransparencyLog::NewStub(
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
  }

  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (v1::KeyTransparencyLog::Stub::*method)(grpc::ClientContext*,
                                                                         const Request&, Response*),
                    const Request& request, Response* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return ((*stub_).*method)(&context, request, response);
  }

  v1::GetEntriesResponse Entries(uint64_t start, uint64_t count, grpc::StatusCode want) {
    v1::GetEntriesRequest request;
    request.set_start(start);
    request.set_count(count);
    v1::GetEntriesResponse response;
    grpc::Status s = Call(&v1::KeyTransparencyLog::Stub::GetEntries, request, &response);
    EXPECT_EQ(s.error_code(), want) << s.error_message();
    return response;
  }

  std::string Checkpoint() {
    v1::GetCheckpointResponse response;
    grpc::Status s =
        Call(&v1::KeyTransparencyLog::Stub::GetCheckpoint, v1::GetCheckpointRequest(), &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response.checkpoint();
  }

  FakeLog log_;
  std::unique_ptr<FakeLogServer> server_;
  std::unique_ptr<v1::KeyTransparencyLog::Stub> stub_;
};

TEST_F(FakeLogServerTest, ListensOnLoopbackAtAPickedPort) {
  EXPECT_GT(server_->port(), 0);
  EXPECT_EQ(server_->address(), "127.0.0.1:" + std::to_string(server_->port()));
}

TEST_F(FakeLogServerTest, AnswersAsTheFakeLogDoes) {
  v1::GetLogInfoResponse info;
  ASSERT_TRUE(Call(&v1::KeyTransparencyLog::Stub::GetLogInfo, v1::GetLogInfoRequest(), &info).ok());
  EXPECT_EQ(info.SerializeAsString(), log_.LogInfo().SerializeAsString());
  EXPECT_EQ(info.limits().max_entries_per_request(), kMaxEntriesPerRequest);

  EXPECT_EQ(Checkpoint(), log_.SignedCheckpoint());
  v1::GetCheckpointRequest newest;
  newest.set_newest(true);
  v1::GetCheckpointResponse newest_checkpoint;
  ASSERT_TRUE(Call(&v1::KeyTransparencyLog::Stub::GetCheckpoint, newest, &newest_checkpoint).ok());
  EXPECT_EQ(newest_checkpoint.checkpoint(), log_.SignedCheckpoint());

  v1::LookupRequest lookup;
  lookup.set_account("alice");
  lookup.set_last_verified_size(3);
  v1::LookupResponse found;
  ASSERT_TRUE(Call(&v1::KeyTransparencyLog::Stub::Lookup, lookup, &found).ok());
  EXPECT_EQ(found.SerializeAsString(), log_.Lookup("alice", 3).SerializeAsString());
  EXPECT_EQ(found.current().version(), 2u);

  v1::HistoryRequest history;
  history.set_account("alice");
  history.set_since_version(1);
  v1::HistoryResponse versions;
  ASSERT_TRUE(Call(&v1::KeyTransparencyLog::Stub::History, history, &versions).ok());
  EXPECT_EQ(versions.SerializeAsString(), log_.History("alice", 1).SerializeAsString());
  EXPECT_EQ(versions.versions_size(), 2);

  v1::GetEntriesResponse entries = Entries(1, 100, grpc::StatusCode::OK);
  ASSERT_EQ(entries.entries_size(), 5);  // capped at the log's end
  for (int i = 0; i < 5; ++i) EXPECT_EQ(entries.entries(i), log_.Entry(1 + i));

  v1::GetInclusionProofRequest inclusion;
  inclusion.set_index(2);
  inclusion.set_tree_size(5);
  v1::GetInclusionProofResponse inclusion_proof;
  ASSERT_TRUE(
      Call(&v1::KeyTransparencyLog::Stub::GetInclusionProof, inclusion, &inclusion_proof).ok());
  EXPECT_EQ(inclusion_proof.proof(), log_.InclusionProof(2, 5));

  v1::GetConsistencyProofRequest consistency;
  consistency.set_first_size(3);
  consistency.set_second_size(6);
  v1::GetConsistencyProofResponse consistency_proof;
  ASSERT_TRUE(
      Call(&v1::KeyTransparencyLog::Stub::GetConsistencyProof, consistency, &consistency_proof)
          .ok());
  EXPECT_EQ(consistency_proof.proof(), log_.ConsistencyProof(3, 6));
}

TEST_F(FakeLogServerTest, GetEntriesReturnsAtMostAThousand) {
  server_->Mutate([](FakeLog& log) {
    for (int i = 0; i < 1200; ++i) log.AppendRawEntry("raw " + std::to_string(i));
  });
  EXPECT_EQ(Entries(0, 5000, grpc::StatusCode::OK).entries_size(), 1000);
  v1::GetEntriesResponse rest = Entries(1000, 5000, grpc::StatusCode::OK);
  ASSERT_EQ(rest.entries_size(), 206);
  EXPECT_EQ(rest.entries(205), "raw 1199");
}

TEST_F(FakeLogServerTest, OutOfRangeAndBadRequestsGetTheRealServersCodes) {
  Entries(6, 1, grpc::StatusCode::OUT_OF_RANGE);
  Entries(0, 0, grpc::StatusCode::INVALID_ARGUMENT);

  v1::GetInclusionProofRequest inclusion;
  v1::GetInclusionProofResponse inclusion_proof;
  inclusion.set_index(0);
  inclusion.set_tree_size(7);
  EXPECT_EQ(Call(&v1::KeyTransparencyLog::Stub::GetInclusionProof, inclusion, &inclusion_proof)
                .error_code(),
            grpc::StatusCode::OUT_OF_RANGE);
  inclusion.set_index(5);
  inclusion.set_tree_size(5);
  EXPECT_EQ(Call(&v1::KeyTransparencyLog::Stub::GetInclusionProof, inclusion, &inclusion_proof)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  v1::GetConsistencyProofRequest consistency;
  v1::GetConsistencyProofResponse consistency_proof;
  consistency.set_first_size(1);
  consistency.set_second_size(7);
  EXPECT_EQ(
      Call(&v1::KeyTransparencyLog::Stub::GetConsistencyProof, consistency, &consistency_proof)
          .error_code(),
      grpc::StatusCode::OUT_OF_RANGE);
  for (uint64_t first : {0, 5}) {
    consistency.set_first_size(first);
    consistency.set_second_size(4);
    EXPECT_EQ(
        Call(&v1::KeyTransparencyLog::Stub::GetConsistencyProof, consistency, &consistency_proof)
            .error_code(),
        grpc::StatusCode::INVALID_ARGUMENT);
  }

  v1::LookupRequest lookup;
  v1::LookupResponse found;
  lookup.set_account("");
  EXPECT_EQ(Call(&v1::KeyTransparencyLog::Stub::Lookup, lookup, &found).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  lookup.set_account("alice");
  lookup.set_last_verified_size(7);
  EXPECT_EQ(Call(&v1::KeyTransparencyLog::Stub::Lookup, lookup, &found).error_code(),
            grpc::StatusCode::OUT_OF_RANGE);

  v1::HistoryRequest history;
  v1::HistoryResponse versions;
  history.set_account("alice");
  history.set_since_version(0);
  EXPECT_EQ(Call(&v1::KeyTransparencyLog::Stub::History, history, &versions).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  history.set_since_version(4);  // alice is at 2: 3 is the furthest allowed
  EXPECT_EQ(Call(&v1::KeyTransparencyLog::Stub::History, history, &versions).error_code(),
            grpc::StatusCode::OUT_OF_RANGE);
  history.set_since_version(3);
  EXPECT_TRUE(Call(&v1::KeyTransparencyLog::Stub::History, history, &versions).ok());
  EXPECT_EQ(versions.versions_size(), 0);
}

TEST_F(FakeLogServerTest, WritesAreNotServed) {
  v1::UpdateRequest update;
  update.set_account("alice");
  v1::UpdateResponse response;
  EXPECT_EQ(Call(&v1::KeyTransparencyLog::Stub::Update, update, &response).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(FakeLogServerTest, RollbackAndForkReachTheClient) {
  const std::string latest = Checkpoint();
  server_->Mutate([](FakeLog& log) { log.ServeAt(3); });
  EXPECT_EQ(Checkpoint(), log_.SignedCheckpointAt(3));
  Entries(3, 1, grpc::StatusCode::OUT_OF_RANGE);  // the rolled-back log ends at 3
  EXPECT_EQ(server_->Snapshot().served_size(), 3u);

  FakeLog fork = log_.Fork();
  fork.Update("alice", PlainKeySet({"evil"}));
  fork.CloseEpoch(kT0 + 3000);
  server_->Replace(fork);
  const std::string forked = Checkpoint();
  EXPECT_EQ(forked, fork.SignedCheckpoint());
  EXPECT_NE(forked, latest);
  EXPECT_EQ(Entries(6, 10, grpc::StatusCode::OK).entries_size(), 2);
}

TEST_F(FakeLogServerTest, UnavailableAnswersEverythingUnavailableAndCountsCalls) {
  EXPECT_EQ(server_->TotalCalls(), 0u);
  Checkpoint();
  server_->SetUnavailable(true);
  Entries(0, 1, grpc::StatusCode::UNAVAILABLE);
  Entries(0, 1, grpc::StatusCode::UNAVAILABLE);
  v1::GetLogInfoResponse info;
  EXPECT_EQ(
      Call(&v1::KeyTransparencyLog::Stub::GetLogInfo, v1::GetLogInfoRequest(), &info).error_code(),
      grpc::StatusCode::UNAVAILABLE);
  server_->SetUnavailable(false);
  Entries(0, 1, grpc::StatusCode::OK);
  EXPECT_EQ(server_->Calls("GetCheckpoint"), 1u);
  EXPECT_EQ(server_->Calls("GetEntries"), 3u);
  EXPECT_EQ(server_->Calls("GetLogInfo"), 1u);
  EXPECT_EQ(server_->Calls("Lookup"), 0u);
  EXPECT_EQ(server_->TotalCalls(), 5u);
}

TEST_F(FakeLogServerTest, TheLogMayChangeWhileClientsCall) {
  std::thread writer([this] {
    for (int i = 0; i < 20; ++i) {
      server_->Mutate([i](FakeLog& log) {
        log.Update("carol", PlainKeySet({"phone"}));
        log.CloseEpoch(kT0 + 10000 + i);
      });
    }
  });
  const note::Ed25519NoteVerifier key = log_.signer().Verifier();
  const note::NoteVerifier* verifiers[] = {&key};
  uint64_t last_size = 0;
  for (int i = 0; i < 30; ++i) {
    auto opened = note::OpenNote(Checkpoint(), verifiers);
    ASSERT_TRUE(opened.ok()) << opened.status();
    const uint64_t size = note::ParseCheckpoint(opened->text).value().size;
    EXPECT_GE(size, last_size);
    last_size = size;
  }
  writer.join();
  EXPECT_EQ(server_->Snapshot().size(), 6u + 40u);
}

}  // namespace
}  // namespace fakes
}  // namespace keytrail
