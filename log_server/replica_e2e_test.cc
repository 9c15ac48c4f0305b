// Read replicas (docs/REPLICAS.md) with the real binaries: a primary
// log_server publishing tiles and sealed private bundles to directories,
// and `log_server --replica` processes following them.
//  - Two replicas answer as the primary does (the same bytes at the same
//    checkpoint); 1,000 lookups spread over them all verify with the
//    verifier library; updates are refused naming the primary; a rogue
//    device the primary publishes is seen through every replica.
//  - A replica behind what a client verified answers UNAVAILABLE
//    ("behind: retry"): the verifier library raises nothing; killed with
//    kill -9 and restarted, the replica resumes and the same request then
//    verifies.
//  - A flipped byte in a private bundle stops a replica at its last good
//    checkpoint with one ERROR line: it keeps answering from there (and
//    those answers verify), never beyond, and is NOT_SERVING.
//  - The store unreachable: the replica keeps answering and reports its
//    lag; beyond --replica_max_staleness its health is NOT_SERVING; once the
//    store is back it catches up and serves again.
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "core/grpc/status_convert.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "core/tiles/tile_path.h"
#include "gtest/gtest.h"
#include "proto/log_service.grpc.pb.h"
#include "testing/curl.h"
#include "testing/health_check.h"
#include "testing/log_server_harness.h"
#include "testing/replica_harness.h"
#include "verifier/verifier.h"

namespace keytrail {
namespace {

using test::LogServerHarness;
using test::ReplicaHarness;
using verifier::AlertKind;
using verifier::Verifier;

uint64_t NowMs() { return static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())); }

// The tree size of a checkpoint note.
uint64_t SizeOf(const std::string& checkpoint_note) {
  auto note = note::ParseNote(checkpoint_note);
  EXPECT_TRUE(note.ok()) << note.status();
  auto checkpoint = note::ParseCheckpoint(note->text);
  EXPECT_TRUE(checkpoint.ok()) << checkpoint.status();
  return checkpoint.ok() ? checkpoint->size : 0;
}

// How many lines of `log` are ERROR lines.
int ErrorLines(const std::string& log) {
  int n = 0;
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    if (absl::StrContains(line, "ERROR")) ++n;
  }
  return n;
}

class ReplicaE2eTest : public testing::Test {
 protected:
  // The primary, publishing private bundles to directories; `extra` more
  // flags.
  void StartPrimary(const std::string& name, std::vector<std::string> extra = {}) {
    auto h = LogServerHarness::Create(name);
    ASSERT_TRUE(h.ok()) << h.status();
    primary_ = *std::move(h);
    auto flags = test::PrimaryReplicaFlags(*primary_);
    ASSERT_TRUE(flags.ok()) << flags.status();
    store_flags_ = {"--tiles_dir=" + primary_->path("tiles"),
                    "--private_dir=" + primary_->path("private")};
    primary_flags_ = *flags;
    primary_flags_.insert(primary_flags_.end(), extra.begin(), extra.end());
    // What GetLogInfo announces comes from the flags: a replica is given the
    // primary's (LogServerHarness starts it with --epoch_interval=50ms).
    shared_flags_ = {"--epoch_interval=50ms"};
    for (const std::string& flag : extra) {
      if (flag.rfind("--max_epoch_age=", 0) == 0) shared_flags_.push_back(flag);
    }
    absl::Status started = primary_->Start(primary_flags_);
    ASSERT_TRUE(started.ok()) << started;
    grpc::ClientContext ctx;
    v1::GetLogInfoResponse info;
    ASSERT_TRUE(primary_->stub().GetLogInfo(&ctx, {}, &info).ok());
    policy_.log_note_key = info.note_verifier_key();
    policy_.vrf_public_key = info.vrf_public_key();
    policy_.commitment_key = info.commitment_key();
    info_ = info.SerializeAsString();
  }

  std::unique_ptr<ReplicaHarness> StartReplica(const std::string& name,
                                               const std::vector<std::string>& extra = {}) {
    auto r = std::make_unique<ReplicaHarness>(name, *primary_, store_flags_);
    std::vector<std::string> flags = shared_flags_;
    flags.insert(flags.end(), extra.begin(), extra.end());
    absl::Status started = r->Start(flags);
    EXPECT_TRUE(started.ok()) << started;
    return r;
  }

  // The primary's checkpoint once its tiles directory holds it too.
  std::string Published() {
    const std::string path = primary_->path("tiles/checkpoint");
    auto note = test::WaitForPublishedCheckpoint(
        *primary_, [path]() -> absl::StatusOr<std::string> { return test::ReadFile(path); });
    EXPECT_TRUE(note.ok()) << note.status();
    return note.ok() ? *note : "";
  }

  // The app's transport: the library's request to `stub`, its answer back.
  verifier::Result Lookup(Verifier& v, v1::KeyTransparencyLog::Stub& stub,
                          const std::string& account, grpc::Status* call = nullptr) {
    v1::LookupRequest req;
    EXPECT_TRUE(req.ParseFromString(v.LookupRequest(account)));
    grpc::ClientContext ctx;
    v1::LookupResponse resp;
    grpc::Status s = stub.Lookup(&ctx, req, &resp);
    if (call != nullptr) *call = s;
    if (!s.ok()) {
      verifier::Result failed;
      failed.status = FromGrpcStatus(s);
      return failed;
    }
    return v.HandleLookup(account, resp.SerializeAsString(), NowMs());
  }
  verifier::Result History(Verifier& v, v1::KeyTransparencyLog::Stub& stub,
                           const std::string& account) {
    v1::HistoryRequest req;
    EXPECT_TRUE(req.ParseFromString(v.HistoryRequest(account)));
    grpc::ClientContext ctx;
    v1::HistoryResponse resp;
    grpc::Status s = stub.History(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return v.HandleHistory(account, resp.SerializeAsString(), NowMs());
  }

  // Publishes `account`'s devices on the primary (expected at version - 1).
  void Publish(const std::string& account, uint64_t version,
               std::initializer_list<const char*> ids) {
    v1::UpdateRequest req;
    req.set_account(account);
    req.set_expected_version(version - 1);
    for (const char* id : ids) {
      v1::Device* d = req.mutable_key_set()->add_devices();
      d->set_device_id(id);
      d->set_device_key(std::string("key of ") + id);
    }
    grpc::ClientContext ctx;
    primary_->Authorize(&ctx);
    v1::UpdateResponse resp;
    grpc::Status s = primary_->stub().Update(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  std::string Metrics(const ReplicaHarness& r) {
    auto got = test::Curl(absl::StrCat("http://127.0.0.1:", r.metrics_port(), "/metrics"));
    EXPECT_TRUE(got.ok()) << got.status();
    if (!got.ok()) return "";
    EXPECT_EQ(got->status, 200);
    return got->body;
  }

  std::unique_ptr<LogServerHarness> primary_;
  std::vector<std::string> primary_flags_;
  std::vector<std::string> store_flags_;
  std::vector<std::string> shared_flags_;  // the primary's flags a replica repeats
  verifier::Policy policy_;
  std::string info_;
};

TEST_F(ReplicaE2eTest, ReplicasAnswerAsThePrimaryAndEveryAnswerVerifies) {
  ASSERT_NO_FATAL_FAILURE(StartPrimary("replica_answers", {"--max_epoch_age=1h"}));
  // 300 accounts in one epoch (three private parts), then later versions.
  ASSERT_TRUE(test::CreateAccounts(*primary_, 0, 300).ok());
  for (int i = 0; i < 300; i += 30) Publish(absl::StrCat("user", i), 2, {"phone", "laptop"});
  auto a = StartReplica("replica_answers_a");
  auto b = StartReplica("replica_answers_b");
  Publish("alice", 1, {"phone"});
  const std::string note = Published();
  ASSERT_TRUE(a->WaitForCheckpoint(note, absl::Seconds(60)).ok()) << a->log();
  ASSERT_TRUE(b->WaitForCheckpoint(note, absl::Seconds(60)).ok()) << b->log();

  // The same bytes as the primary's, at the same checkpoint.
  for (ReplicaHarness* r : {a.get(), b.get()}) {
    grpc::ClientContext info_ctx;
    v1::GetLogInfoResponse info;
    ASSERT_TRUE(r->stub().GetLogInfo(&info_ctx, {}, &info).ok());
    EXPECT_EQ(info.SerializeAsString(), info_);
    for (const std::string account : {"user0", "user30", "user299", "alice", "nobody"}) {
      for (uint64_t last_verified : {uint64_t{0}, uint64_t{1}, SizeOf(note)}) {
        v1::LookupRequest req;
        req.set_account(account);
        req.set_last_verified_size(last_verified);
        v1::LookupResponse from_primary, from_replica;
        grpc::ClientContext c1, c2;
        ASSERT_TRUE(primary_->stub().Lookup(&c1, req, &from_primary).ok());
        ASSERT_TRUE(r->stub().Lookup(&c2, req, &from_replica).ok());
        EXPECT_EQ(from_replica.SerializeAsString(), from_primary.SerializeAsString())
            << account << " at " << last_verified;
      }
    }
    // BatchLookup too (present, absent and repeated accounts): the same
    // bytes, and each answer with the batch's log proof is the Lookup
    // answer.
    v1::BatchLookupRequest breq;
    for (const char* account : {"user0", "nobody", "alice", "user299", "user0"}) {
      breq.add_accounts(account);
    }
    breq.set_last_verified_size(1);
    v1::BatchLookupResponse b1, b2;
    grpc::ClientContext bc1, bc2;
    ASSERT_TRUE(primary_->stub().BatchLookup(&bc1, breq, &b1).ok());
    ASSERT_TRUE(r->stub().BatchLookup(&bc2, breq, &b2).ok());
    EXPECT_EQ(b2.SerializeAsString(), b1.SerializeAsString());
    ASSERT_EQ(b2.answers_size(), breq.accounts_size());
    v1::LookupResponse log_only;
    *log_only.mutable_log() = b2.log();
    for (int i = 0; i < b2.answers_size(); ++i) {
      v1::LookupRequest req;
      req.set_account(breq.accounts(i));
      req.set_last_verified_size(1);
      v1::LookupResponse lookup;
      grpc::ClientContext c;
      ASSERT_TRUE(r->stub().Lookup(&c, req, &lookup).ok());
      EXPECT_EQ(log_only.SerializeAsString() + b2.answers(i).SerializeAsString(),
                lookup.SerializeAsString())
          << breq.accounts(i);
    }
    v1::HistoryRequest hreq;
    hreq.set_account("user30");
    hreq.set_since_version(1);
    v1::HistoryResponse h1, h2;
    grpc::ClientContext c1, c2;
    ASSERT_TRUE(primary_->stub().History(&c1, hreq, &h1).ok());
    ASSERT_TRUE(r->stub().History(&c2, hreq, &h2).ok());
    EXPECT_EQ(h2.SerializeAsString(), h1.SerializeAsString());
    v1::GetEntriesRequest ereq;
    ereq.set_start(0);
    ereq.set_count(1000);
    v1::GetEntriesResponse e1, e2;
    grpc::ClientContext c3, c4;
    ASSERT_TRUE(primary_->stub().GetEntries(&c3, ereq, &e1).ok());
    ASSERT_TRUE(r->stub().GetEntries(&c4, ereq, &e2).ok());
    EXPECT_EQ(e2.SerializeAsString(), e1.SerializeAsString());
    v1::GetConsistencyProofRequest creq;
    creq.set_first_size(3);
    creq.set_second_size(SizeOf(note));
    v1::GetConsistencyProofResponse p1, p2;
    grpc::ClientContext c5, c6;
    ASSERT_TRUE(primary_->stub().GetConsistencyProof(&c5, creq, &p1).ok());
    ASSERT_TRUE(r->stub().GetConsistencyProof(&c6, creq, &p2).ok());
    EXPECT_EQ(p2.proof(), p1.proof());

    // Updates go to the primary.
    v1::UpdateRequest update;
    update.set_account("mallory");
    update.mutable_key_set()->add_devices()->set_device_id("x");
    grpc::ClientContext uctx;
    primary_->Authorize(&uctx);
    v1::UpdateResponse uresp;
    grpc::Status refused = r->stub().Update(&uctx, update, &uresp);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_NE(refused.error_message().find("read replica"), std::string::npos);
    EXPECT_NE(refused.error_message().find(LogServerHarness::kOrigin), std::string::npos)
        << refused.error_message();
  }

  // 1,000 lookups spread over the replicas (present and absent accounts),
  // each verified by the library an app embeds.
  auto app = Verifier::Create(policy_, "").value();
  int present = 0;
  for (int i = 0; i < 1000; ++i) {
    ReplicaHarness& r = i % 2 == 0 ? *a : *b;
    const std::string account = absl::StrCat("user", i % 400);  // 300..399 absent
    verifier::Result got = Lookup(*app, r.stub(), account);
    ASSERT_TRUE(got.status.ok()) << account << ": " << got.status;
    EXPECT_TRUE(got.alerts.empty());
    ASSERT_TRUE(got.account.has_value());
    if (got.account->version > 0) ++present;
  }
  EXPECT_EQ(present, 800);  // i % 400 < 300 for 300 + 300 + 200 of them

  // Alice watches her own account through replica a, Bob watches her through b.
  auto alice = Verifier::Create(policy_, "").value();
  ASSERT_TRUE(alice->SetOwnAccount("alice").ok());
  ASSERT_TRUE(alice->EnrollDevice("phone", "key of phone").ok());
  verifier::Result r = History(*alice, a->stub(), "alice");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.alerts.empty());
  auto bob = Verifier::Create(policy_, "").value();
  r = History(*bob, b->stub(), "alice");
  ASSERT_TRUE(r.status.ok()) << r.status;

  // The server adds a device nobody enrolled: seen through every replica.
  Publish("alice", 2, {"phone", "rogue"});
  const std::string rogue_note = Published();
  ASSERT_TRUE(a->WaitForCheckpoint(rogue_note, absl::Seconds(60)).ok()) << a->log();
  ASSERT_TRUE(b->WaitForCheckpoint(rogue_note, absl::Seconds(60)).ok()) << b->log();
  for (ReplicaHarness* replica : {a.get(), b.get()}) {
    auto again = Verifier::Create(policy_, alice->SaveState()).value();
    r = History(*again, replica->stub(), "alice");
    ASSERT_TRUE(r.status.ok()) << r.status;
    ASSERT_FALSE(r.alerts.empty());
    EXPECT_EQ(r.alerts[0].kind, AlertKind::kUnenrolledDevice);
    EXPECT_NE(r.alerts[0].explanation.find("rogue"), std::string::npos);
  }
  r = History(*bob, b->stub(), "alice");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].kind, AlertKind::kKeySetChanged);
  EXPECT_EQ(ErrorLines(a->log()), 0) << a->log();
  EXPECT_EQ(ErrorLines(b->log()), 0) << b->log();
}

TEST_F(ReplicaE2eTest, ABehindReplicaSaysRetryAndResumesAfterKillNine) {
  ASSERT_NO_FATAL_FAILURE(StartPrimary("replica_behind", {"--max_epoch_age=1h"}));
  ASSERT_TRUE(test::CreateAccounts(*primary_, 0, 50).ok());
  const std::string first = Published();
  // A replica that looks for new checkpoints only at start.
  auto r = StartReplica("replica_behind_r", {"--replica_poll_interval=1h"});
  ASSERT_TRUE(r->WaitForCheckpoint(first, absl::Seconds(60)).ok()) << r->log();

  // The log moves on in many epochs; an app verifies the newest at the primary.
  for (int round = 0; round < 20; ++round) {
    ASSERT_TRUE(test::CreateAccounts(*primary_, 1000 + round * 200, 200).ok());
  }
  const std::string newest = Published();
  auto app = Verifier::Create(policy_, "").value();
  verifier::Result got = Lookup(*app, primary_->stub(), "user1000");
  ASSERT_TRUE(got.status.ok()) << got.status;

  // The replica is behind what the app verified: retry, not a rollback.
  grpc::Status call;
  got = Lookup(*app, r->stub(), "user1000", &call);
  EXPECT_EQ(call.error_code(), grpc::StatusCode::UNAVAILABLE) << call.error_message();
  EXPECT_EQ(call.error_message().rfind("behind: ", 0), 0u) << call.error_message();
  EXPECT_TRUE(got.alerts.empty());

  // Restarted with polling, killed with kill -9 while it catches up (at
  // whatever point that is), restarted: it resumes and serves the newest.
  ASSERT_TRUE(r->Stop().ok());
  ASSERT_TRUE(r->Start().ok()) << r->log();
  absl::SleepFor(absl::Milliseconds(300));
  r->Kill();
  ASSERT_TRUE(r->Start().ok()) << r->log();
  ASSERT_TRUE(r->WaitForCheckpoint(newest, absl::Seconds(120)).ok()) << r->log();
  got = Lookup(*app, r->stub(), "user1000");
  ASSERT_TRUE(got.status.ok()) << got.status;
  EXPECT_TRUE(got.alerts.empty());
  for (int i = 1000; i < 5000; i += 397) {
    got = Lookup(*app, r->stub(), absl::StrCat("user", i));
    ASSERT_TRUE(got.status.ok()) << i << ": " << got.status;
    EXPECT_EQ(got.account->version, 1u) << i;
  }
  EXPECT_EQ(ErrorLines(r->log()), 0) << r->log();
}

TEST_F(ReplicaE2eTest, AFlippedByteInAPrivateBundleStopsTheReplicaAtItsLastGoodCheckpoint) {
  ASSERT_NO_FATAL_FAILURE(StartPrimary("replica_tamper", {"--max_epoch_age=1h"}));
  ASSERT_TRUE(test::CreateAccounts(*primary_, 0, 40).ok());
  const std::string good = Published();
  auto r = StartReplica("replica_tamper_r", {"--replica_poll_interval=1h"});
  ASSERT_TRUE(r->WaitForCheckpoint(good, absl::Seconds(60)).ok()) << r->log();
  ASSERT_TRUE(r->Stop().ok());

  // The next epoch's only private part, damaged in the store.
  ASSERT_TRUE(test::CreateAccounts(*primary_, 100, 10).ok());
  const std::string newer = Published();
  ASSERT_GT(SizeOf(newer), SizeOf(good));
  // The newest epoch with updates is the one of user100..user109.
  std::string damaged_path;
  for (uint64_t epoch = 1; epoch < 1000; ++epoch) {
    const std::string p = primary_->path("private/" + tiles::PrivateBundlePath(epoch, 0));
    if (!test::ReadFile(p).empty()) damaged_path = p;
  }
  ASSERT_FALSE(damaged_path.empty());
  std::string bytes = test::ReadFile(damaged_path);
  bytes[bytes.size() / 2] ^= 0x01;
  { std::ofstream(damaged_path, std::ios::binary | std::ios::trunc) << bytes; }
  ASSERT_FALSE(damaged_path.empty());

  ASSERT_TRUE(r->Start().ok()) << r->log();
  // It stops at the damaged part with one ERROR line...
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (ErrorLines(r->log()) == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  absl::SleepFor(absl::Milliseconds(500));  // long enough for a retry loop to show
  EXPECT_EQ(ErrorLines(r->log()), 1) << r->log();
  EXPECT_NE(r->log().find("private"), std::string::npos) << r->log();
  EXPECT_TRUE(test::WaitForServing(r->channel(), false, absl::Seconds(10)));
  // ...and keeps answering from its last good checkpoint, never beyond.
  auto served = r->Checkpoint();
  ASSERT_TRUE(served.ok()) << served.status();
  EXPECT_EQ(*served, good);
  auto app = Verifier::Create(policy_, "").value();
  verifier::Result got = Lookup(*app, r->stub(), "user7");
  ASSERT_TRUE(got.status.ok()) << got.status;
  EXPECT_EQ(got.account->version, 1u);
  got = Lookup(*app, r->stub(), "user100");
  ASSERT_TRUE(got.status.ok()) << got.status;
  EXPECT_EQ(got.account->version, 0u);  // not there at the good checkpoint
  EXPECT_NE(Metrics(*r).find("keytrail_replica"), std::string::npos);
}

TEST_F(ReplicaE2eTest, AStoreOutageKeepsServingAndReportsStaleness) {
  // Epochs every 200 ms even without updates, so the served epoch's age
  // says how stale a replica is.
  ASSERT_NO_FATAL_FAILURE(StartPrimary("replica_outage", {"--max_epoch_age=200ms"}));
  ASSERT_TRUE(test::CreateAccounts(*primary_, 0, 20).ok());
  auto r = StartReplica("replica_outage_r", {"--replica_max_staleness=2s"});
  ASSERT_TRUE(test::WaitForServing(r->channel(), true, absl::Seconds(60))) << r->log();

  // The store goes away (as an unreachable bucket would).
  const std::string tiles = primary_->path("tiles");
  const std::string away = primary_->path("tiles.away");
  ASSERT_EQ(std::rename(tiles.c_str(), away.c_str()), 0);
  EXPECT_TRUE(test::WaitForServing(r->channel(), false, absl::Seconds(30))) << r->log();
  auto app = Verifier::Create(policy_, "").value();
  verifier::Result got = Lookup(*app, r->stub(), "user3");
  ASSERT_TRUE(got.status.ok()) << got.status;
  EXPECT_EQ(got.account->version, 1u);
  const std::string metrics = Metrics(*r);
  EXPECT_NE(metrics.find("keytrail_replica"), std::string::npos) << metrics;

  // Back: it catches up and is healthy again.
  ASSERT_EQ(std::rename(away.c_str(), tiles.c_str()), 0);
  EXPECT_TRUE(test::WaitForServing(r->channel(), true, absl::Seconds(60))) << r->log();
  ASSERT_TRUE(test::CreateAccounts(*primary_, 100, 5).ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  do {
    got = Lookup(*app, r->stub(), "user104");
    if (got.status.ok() && got.account->version == 1) break;
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < deadline);
  ASSERT_TRUE(got.status.ok()) << got.status;
  EXPECT_EQ(got.account->version, 1u);
  EXPECT_TRUE(got.alerts.empty());
}

}  // namespace
}  // namespace keytrail
