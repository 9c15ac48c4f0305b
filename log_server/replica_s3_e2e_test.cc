// Read replicas fed from S3 (a real Ceph radosgw on loopback,
// testing/radosgw.h; skipped where it is not installed): the primary
// publishes its tiles and sealed private bundles to a bucket, two
// `log_server --replica` processes follow the bucket. Every lookup through
// them (1,000, spread over both) verifies with the verifier library, a
// rogue device is seen through both, and with the gateway down they keep
// answering what they verified and catch up once it is back.
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/grpc/status_convert.h"
#include "core/tiles/s3_store.h"
#include "core/tiles/tile_path.h"
#include "gtest/gtest.h"
#include "proto/log_service.grpc.pb.h"
#include "testing/log_server_harness.h"
#include "testing/radosgw.h"
#include "testing/replica_harness.h"
#include "verifier/verifier.h"

namespace keytrail {
namespace {

using test::LogServerHarness;
using test::ReplicaHarness;
using verifier::AlertKind;
using verifier::Verifier;

uint64_t NowMs() { return static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())); }

class ReplicaS3E2eTest : public test::RadosgwTest {
 protected:
  void SetUp() override {
    test::RadosgwTest::SetUp();
    if (IsSkipped()) return;
    auto h = LogServerHarness::Create("replica_s3");
    ASSERT_TRUE(h.ok()) << h.status();
    primary_ = *std::move(h);
    auto replica_flags = test::PrimaryReplicaFlags(*primary_);
    ASSERT_TRUE(replica_flags.ok()) << replica_flags.status();
    const std::string credentials = primary_->path("s3.credentials");
    { std::ofstream(credentials) << gw_->access_key() << ":" << gw_->secret_key() << "\n"; }
    ASSERT_EQ(::chmod(credentials.c_str(), 0600), 0);
    store_flags_ = {"--tiles_s3_endpoint=" + gw_->endpoint(), "--tiles_s3_bucket=" + gw_->bucket(),
                    "--tiles_s3_prefix=replica-tiles", "--tiles_s3_credentials_file=" + credentials,
                    "--private_s3_prefix=replica-private"};
    std::vector<std::string> flags = store_flags_;
    flags.push_back("--replica_key_file=" + primary_->path("replica.key"));
    flags.insert(flags.end(),
                 {"--max_epoch_age=1h", "--tiles_retry_min=10ms", "--tiles_retry_max=200ms"});
    ASSERT_TRUE(primary_->Start(flags).ok()) << primary_->log();
    grpc::ClientContext ctx;
    v1::GetLogInfoResponse info;
    ASSERT_TRUE(primary_->stub().GetLogInfo(&ctx, {}, &info).ok());
    policy_.log_note_key = info.note_verifier_key();
    policy_.vrf_public_key = info.vrf_public_key();
    policy_.commitment_key = info.commitment_key();
    tiles::S3StoreConfig c;
    c.endpoint = gw_->endpoint();
    c.bucket = gw_->bucket();
    c.prefix = "replica-tiles";
    c.credentials_file = credentials;
    reader_ = tiles::S3TileStore::Open(c).value();
  }

  std::string Published() {
    tiles::S3TileStore* store = reader_.get();
    auto note = test::WaitForPublishedCheckpoint(
        *primary_, [store] { return store->Get(tiles::kCheckpointPath); });
    EXPECT_TRUE(note.ok()) << note.status();
    return note.ok() ? *note : "";
  }

  verifier::Result History(Verifier& v, ReplicaHarness& r, const std::string& account) {
    v1::HistoryRequest req;
    EXPECT_TRUE(req.ParseFromString(v.HistoryRequest(account)));
    grpc::ClientContext ctx;
    v1::HistoryResponse resp;
    grpc::Status s = r.stub().History(&ctx, req, &resp);
    if (!s.ok()) {
      verifier::Result failed;
      failed.status = FromGrpcStatus(s);
      return failed;
    }
    return v.HandleHistory(account, resp.SerializeAsString(), NowMs());
  }

  std::unique_ptr<LogServerHarness> primary_;
  std::unique_ptr<tiles::S3TileStore> reader_;
  std::vector<std::string> store_flags_;
  verifier::Policy policy_;
};

TEST_F(ReplicaS3E2eTest, ReplicasFollowTheBucketVerifyAndRideOutAnOutage) {
  KEYTRAIL_SKIP_WITHOUT_RADOSGW();
  ASSERT_TRUE(test::CreateAccounts(*primary_, 0, 200).ok());
  {
    v1::UpdateRequest req;
    req.set_account("alice");
    req.mutable_key_set()->add_devices()->set_device_id("phone");
    req.mutable_key_set()->mutable_devices(0)->set_device_key("key of phone");
    grpc::ClientContext ctx;
    primary_->Authorize(&ctx);
    v1::UpdateResponse resp;
    ASSERT_TRUE(primary_->stub().Update(&ctx, req, &resp).ok());
  }
  ReplicaHarness a("replica_s3_a", *primary_, store_flags_);
  ReplicaHarness b("replica_s3_b", *primary_, store_flags_);
  ASSERT_TRUE(a.Start().ok()) << a.log();
  ASSERT_TRUE(b.Start().ok()) << b.log();
  const std::string note = Published();
  ASSERT_TRUE(a.WaitForCheckpoint(note, absl::Seconds(60)).ok()) << a.log();
  ASSERT_TRUE(b.WaitForCheckpoint(note, absl::Seconds(60)).ok()) << b.log();

  auto app = Verifier::Create(policy_, "").value();
  for (int i = 0; i < 1000; ++i) {
    ReplicaHarness& r = i % 2 == 0 ? a : b;
    const std::string account = absl::StrCat("user", i % 250);
    v1::LookupRequest req;
    ASSERT_TRUE(req.ParseFromString(app->LookupRequest(account)));
    grpc::ClientContext ctx;
    v1::LookupResponse resp;
    ASSERT_TRUE(r.stub().Lookup(&ctx, req, &resp).ok());
    verifier::Result got = app->HandleLookup(account, resp.SerializeAsString(), NowMs());
    ASSERT_TRUE(got.status.ok()) << account << ": " << got.status;
    EXPECT_EQ(got.account->version, i % 250 < 200 ? 1u : 0u) << account;
  }

  auto alice = Verifier::Create(policy_, "").value();
  ASSERT_TRUE(alice->SetOwnAccount("alice").ok());
  ASSERT_TRUE(alice->EnrollDevice("phone", "key of phone").ok());
  ASSERT_TRUE(History(*alice, a, "alice").status.ok());

  // The gateway goes down: the replicas keep answering what they verified.
  ASSERT_TRUE(gw_->StopGateway().ok());
  verifier::Result during = History(*alice, b, "alice");
  EXPECT_TRUE(during.status.ok()) << during.status;
  EXPECT_TRUE(during.alerts.empty());
  ASSERT_TRUE(gw_->StartGateway().ok());

  // The server adds a rogue device: both replicas show it.
  {
    v1::UpdateRequest req;
    req.set_account("alice");
    req.set_expected_version(1);
    for (const char* id : {"phone", "rogue"}) {
      v1::Device* d = req.mutable_key_set()->add_devices();
      d->set_device_id(id);
      d->set_device_key(std::string("key of ") + id);
    }
    grpc::ClientContext ctx;
    primary_->Authorize(&ctx);
    v1::UpdateResponse resp;
    ASSERT_TRUE(primary_->stub().Update(&ctx, req, &resp).ok());
  }
  const std::string rogue = Published();
  for (ReplicaHarness* r : {&a, &b}) {
    ASSERT_TRUE(r->WaitForCheckpoint(rogue, absl::Seconds(60)).ok()) << r->log();
    auto again = Verifier::Create(policy_, alice->SaveState()).value();
    verifier::Result got = History(*again, *r, "alice");
    ASSERT_TRUE(got.status.ok()) << got.status;
    ASSERT_FALSE(got.alerts.empty());
    EXPECT_EQ(got.alerts[0].kind, AlertKind::kUnenrolledDevice);
  }
}

}  // namespace
}  // namespace keytrail
