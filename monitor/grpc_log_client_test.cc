// GrpcLogClient against the fake log server over real gRPC: each call gives
// what the log serves, decoded; every failure (an unreachable log, a
// refusal, a deadline already past) is Unavailable naming the call.
#include "monitor/grpc_log_client.h"

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "core/merkle/hash_list.h"
#include "gtest/gtest.h"
#include "testing/fake_log.h"
#include "testing/fake_log_server.h"

namespace keytrail::monitor {
namespace {

using fakes::FakeLog;
using fakes::FakeLogServer;
using fakes::PlainKeySet;

class GrpcLogClientTest : public testing::Test {
 protected:
  GrpcLogClientTest() {
    for (int e = 1; e <= 3; ++e) {
      log_.Update("alice", PlainKeySet({"phone"}));
      log_.Update("bob", PlainKeySet({"phone"}));
      log_.CloseEpoch(FakeLog::kGenesisTimeMs + e);
    }
    server_ = FakeLogServer::Start(log_).value();
    client_ = std::make_unique<GrpcLogClient>(
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
  }
  static absl::Time Soon() { return absl::Now() + absl::Seconds(10); }
  static std::vector<Hash> Hashes(const std::string& bytes) {
    return merkle::DecodeHashList(bytes, 65, "proof").value();
  }

  FakeLog log_;
  std::unique_ptr<FakeLogServer> server_;
  std::unique_ptr<GrpcLogClient> client_;
};

TEST_F(GrpcLogClientTest, AnswersWhatTheLogServes) {
  auto cp = client_->Checkpoint(Soon());
  ASSERT_TRUE(cp.ok()) << cp.status();
  EXPECT_EQ(*cp, log_.SignedCheckpoint());

  auto entries = client_->Entries(2, 3, Soon());
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 3u);
  for (uint64_t i = 0; i < 3; ++i) EXPECT_EQ((*entries)[i], log_.Entry(2 + i));

  auto consistency = client_->ConsistencyProof(3, log_.size(), Soon());
  ASSERT_TRUE(consistency.ok()) << consistency.status();
  EXPECT_EQ(*consistency, Hashes(log_.ConsistencyProof(3, log_.size())));

  auto inclusion = client_->InclusionProof(4, log_.size(), Soon());
  ASSERT_TRUE(inclusion.ok()) << inclusion.status();
  EXPECT_EQ(*inclusion, Hashes(log_.InclusionProof(4, log_.size())));

  auto info = client_->Info(Soon());
  ASSERT_TRUE(info.ok()) << info.status();
}

TEST_F(GrpcLogClientTest, EntriesPastTheEndAreUnavailable) {
  auto entries = client_->Entries(log_.size(), 5, Soon());
  EXPECT_TRUE(absl::IsUnavailable(entries.status())) << entries.status();
  EXPECT_TRUE(absl::StrContains(entries.status().message(), "GetEntries"));
}

TEST_F(GrpcLogClientTest, ARefusedProofIsUnavailable) {
  auto proof = client_->ConsistencyProof(3, log_.size() + 10, Soon());
  EXPECT_TRUE(absl::IsUnavailable(proof.status())) << proof.status();
  EXPECT_TRUE(absl::StrContains(proof.status().message(), "GetConsistencyProof"));
  auto inclusion = client_->InclusionProof(log_.size(), log_.size(), Soon());
  EXPECT_TRUE(absl::IsUnavailable(inclusion.status())) << inclusion.status();
}

TEST_F(GrpcLogClientTest, AnUnreachableLogIsUnavailable) {
  server_->SetUnavailable(true);
  EXPECT_TRUE(absl::IsUnavailable(client_->Checkpoint(Soon()).status()));
  EXPECT_TRUE(absl::IsUnavailable(client_->Info(Soon()).status()));
}

TEST_F(GrpcLogClientTest, APastDeadlineIsUnavailable) {
  auto cp = client_->Checkpoint(absl::Now() - absl::Seconds(1));
  EXPECT_TRUE(absl::IsUnavailable(cp.status())) << cp.status();
}

}  // namespace
}  // namespace keytrail::monitor
