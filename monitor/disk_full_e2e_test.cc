// End to end with the real binaries: a real log_server pushes every epoch to
// a real monitor (which also follows the log) whose data directory is on a
// small tmpfs that fills up.
//   - While the monitor's disk is full its gRPC health is NOT_SERVING,
//     GetStatus says STORAGE_FAILING / serving=false, /metrics says so, and
//     it logs one line; it cosigns nothing beyond what it had stored (the
//     log keeps serving the last cosigned checkpoint).
//   - Once space is freed it resumes by itself, without a restart: health
//     SERVING again (one more line), it catches up and cosigns the newest
//     checkpoint.
//   - Every checkpoint it cosigned is consistent with the log; after a
//     SIGKILL and restart its stored state covers everything it cosigned and
//     it finds no rule broken (nothing applied twice or lost).
//
// Needs root (mount(2) of a tmpfs); skipped with a message otherwise.
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "core/bytes/encoding.h"
#include "core/crypto/sha256.h"
#include "core/http/client.h"
#include "core/merkle/hash_list.h"
#include "core/merkle/verify.h"
#include "core/note/checkpoint.h"
#include "core/note/cosignature.h"
#include "core/note/note.h"
#include "gtest/gtest.h"
#include "proto/log_service.grpc.pb.h"
#include "proto/monitor_service.grpc.pb.h"
#include "testing/health_check.h"
#include "testing/log_lines.h"
#include "testing/log_server_harness.h"
#include "testing/monitor_harness.h"
#include "testing/process.h"
#include "testing/signed_checkpoint.h"
#include "testing/small_disk.h"

namespace keytrail::monitor {
namespace {

using ::keytrail::test::CheckpointOf;
using ::keytrail::test::CountLinesContaining;
using keytrail::test::LogServerHarness;
using keytrail::test::MonitorHarness;

class MonitorDiskFullTest : public testing::Test {
 protected:
  void SetUp() override {
    auto h = LogServerHarness::Create("monitor_disk_full");
    ASSERT_TRUE(h.ok()) << h.status();
    log_ = *std::move(h);
    monitor_ = std::make_unique<MonitorHarness>(keytrail::test::TempDir("monitor_disk_full_m"),
                                                "monitor.example/full");
    auto disk = keytrail::test::SmallDisk::Mount(monitor_->dir() + "/small", 32);
    if (!disk.ok()) {
      GTEST_SKIP() << disk.status() << "; //monitor:witness_test (WitnessFullDiskTest) and "
                   << "//core/storage:database_test still ran the injected-failure cases";
    }
    disk_ = *std::move(disk);
    // First without monitors: the monitor needs the log's address and the
    // log its URL; the log keeps its port when restarted below.
    ASSERT_TRUE(log_->Start().ok()) << log_->log();
    log_port_ = log_->port();
    grpc::ClientContext ctx;
    ASSERT_TRUE(log_->stub().GetLogInfo(&ctx, {}, &info_).ok());
    monitor_->SetDataDir(disk_->path() + "/data");
    monitor_->SetExtraFlags({"--storage_retry_min=100ms", "--storage_retry_max=400ms"});
    monitor_->AddLog(info_.origin(), info_.note_verifier_key(),
                     absl::StrCat("127.0.0.1:", log_port_), 50);
    ASSERT_NO_FATAL_FAILURE(monitor_->Start());
    auto key = note::ParseCosignatureVerifierKey(monitor_->cosigner_key());
    ASSERT_TRUE(key.ok()) << key.status();
    monitor_key_ = std::make_unique<note::CosignatureVerifier>(*key);
    ASSERT_TRUE(log_->Stop().ok());
    absl::Status s = log_->Start({absl::StrCat("--listen=127.0.0.1:", log_port_),
                                  absl::StrCat("--monitors=", monitor_->name(), "=",
                                               monitor_->url(), "=", monitor_->cosigner_key()),
                                  "--required_cosignatures=1", "--epoch_interval=50ms"});
    ASSERT_TRUE(s.ok()) << s;
    monitor_channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", monitor_->grpc_port()),
                                           grpc::InsecureChannelCredentials());
  }

  void TearDown() override {
    if (monitor_ != nullptr && HasFailure()) {
      std::printf("monitor log:\n%s\n", monitor_->log().c_str());
    }
    if (monitor_ != nullptr) monitor_->Kill();
    if (log_ != nullptr) (void)log_->Stop();
    disk_.reset();  // unmounts
  }

  void Update(int serial) {
    v1::UpdateRequest req;
    req.set_account(absl::StrCat("user", serial % 7, "@example.org"));
    v1::Device* d = req.mutable_key_set()->add_devices();
    d->set_device_id("phone");
    d->set_device_key(absl::StrCat("key ", serial, std::string(200, 'k')));
    v1::UpdateResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    log_->Authorize(&ctx);
    grpc::Status st = log_->stub().Update(&ctx, req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }

  std::string Checkpoint(bool newest) {
    auto cp = log_->Checkpoint(newest);
    EXPECT_TRUE(cp.ok()) << cp.status();
    return cp.ok() ? *cp : "";
  }

  bool CosignedByMonitor(const std::string& text) {
    const note::NoteVerifier* keys[] = {monitor_key_.get()};
    return note::OpenNote(text, keys).ok();
  }

  // Remembers `text` when the monitor cosigned it; its size (0 if not).
  uint64_t Seen(const std::string& text) {
    if (!CosignedByMonitor(text)) return 0;
    cosigned_.insert(text);
    return CheckpointOf(text).size;
  }

  // The checkpoint the log serves (only cosigned ones, with
  // --required_cosignatures=1), remembered.
  uint64_t ServedSize() { return Seen(Checkpoint(false)); }

  std::string HttpGet(const std::string& path) {
    http::Request req;
    req.url = absl::StrCat("http://127.0.0.1:", monitor_->http_port(), path);
    req.timeout = absl::Seconds(10);
    auto res = http::Fetch(req);
    return res.ok() && res->status == 200 ? res->body : "";
  }

  // The monitor's own monitoring endpoint: its newest cosigned checkpoint.
  uint64_t EndpointSize() {
    return Seen(
        HttpGet(absl::StrCat("/", HexEncode(HashView(Sha256Of(info_.origin()))), "/checkpoint")));
  }

  double Metric(const std::string& prefix) {
    for (absl::string_view line : absl::StrSplit(HttpGet("/metrics"), '\n')) {
      if (absl::StartsWith(line, prefix)) {
        double v = -1;
        if (absl::SimpleAtod(line.substr(prefix.size()), &v)) return v;
      }
    }
    return -1;
  }

  bool Serving() { return keytrail::test::IsServing(monitor_channel_); }
  bool WaitForServing(bool want, absl::Duration timeout) {
    return keytrail::test::WaitForServing(monitor_channel_, want, timeout);
  }

  // Waits until the log serves a checkpoint the monitor cosigned at `size`.
  bool WaitServed(uint64_t size, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (ServedSize() < size) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return true;
  }

  // Every checkpoint the monitor cosigned is the log's tree at its size.
  void ExpectAllCosignedConsistentWith(const std::string& newest_text) {
    const note::Checkpoint newest = CheckpointOf(newest_text);
    ASSERT_GT(newest.size, 0u);
    for (const std::string& text : cosigned_) {
      const note::Checkpoint cp = CheckpointOf(text);
      ASSERT_LE(cp.size, newest.size);
      if (cp.size == newest.size) {
        EXPECT_EQ(cp.root, newest.root) << text;
        continue;
      }
      v1::GetConsistencyProofRequest req;
      req.set_first_size(cp.size);
      req.set_second_size(newest.size);
      v1::GetConsistencyProofResponse resp;
      grpc::ClientContext ctx;
      ASSERT_TRUE(log_->stub().GetConsistencyProof(&ctx, req, &resp).ok());
      auto proof = merkle::DecodeHashList(resp.proof(), 65, "consistency proof");
      ASSERT_TRUE(proof.ok()) << proof.status();
      EXPECT_TRUE(
          merkle::VerifyConsistency(cp.size, newest.size, *proof, cp.root, newest.root).ok())
          << "cosigned checkpoint at size " << cp.size << " is not in the log's history";
    }
  }

  std::unique_ptr<LogServerHarness> log_;
  std::unique_ptr<MonitorHarness> monitor_;
  std::unique_ptr<keytrail::test::SmallDisk> disk_;
  std::unique_ptr<note::CosignatureVerifier> monitor_key_;
  std::shared_ptr<grpc::Channel> monitor_channel_;
  v1::GetLogInfoResponse info_;
  int log_port_ = 0;
  std::set<std::string> cosigned_;  // every cosigned checkpoint seen
};

TEST_F(MonitorDiskFullTest, FullDiskStopsCosigningAndHealthThenRecoversWithoutRestart) {
  int serial = 0;
  for (int i = 0; i < 3; ++i) ASSERT_NO_FATAL_FAILURE(Update(++serial));
  const uint64_t first = CheckpointOf(Checkpoint(true)).size;
  ASSERT_TRUE(WaitServed(first, absl::Seconds(30))) << log_->log();
  ASSERT_TRUE(Serving());
  EXPECT_EQ(Metric("keytrail_monitor_serving "), 1);

  // (Before this the log was restarted with --monitors: an UNREACHABLE
  // line then is expected; none after.)
  const size_t log_before_fill = monitor_->log().size();
  ASSERT_TRUE(disk_->Fill().ok());
  // Each update is an epoch the monitor replays and tries to commit; the
  // write-ahead log's last page may take a few more.
  for (int i = 0; i < 200 && Serving(); ++i) {
    ASSERT_NO_FATAL_FAILURE(Update(++serial));
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(WaitForServing(false, absl::Seconds(10))) << "health stays SERVING";

  v1::GetStatusResponse status = monitor_->Status();
  ASSERT_EQ(status.logs_size(), 1);
  EXPECT_FALSE(status.serving());
  EXPECT_EQ(status.logs(0).state(), v1::LogStatus::STORAGE_FAILING) << status.DebugString();
  EXPECT_TRUE(absl::StrContains(status.logs(0).storage_error(), "disk full"))
      << status.DebugString();
  bool audit_failing = false;
  for (const v1::StorageStatus& db : status.storage()) {
    if (absl::StartsWith(db.database(), "audit database of ")) audit_failing = db.failing();
  }
  EXPECT_TRUE(audit_failing) << status.DebugString();
  EXPECT_EQ(Metric("keytrail_monitor_serving "), 0);
  EXPECT_EQ(Metric(absl::StrCat("keytrail_monitor_storage_failing{database=\"audit database of ",
                                info_.origin(), "\"} ")),
            1);
  EXPECT_EQ(Metric(absl::StrCat("keytrail_monitor_state{origin=\"", info_.origin(),
                                "\",state=\"STORAGE_FAILING\"} ")),
            1);

  // What it stored is all it cosigns: the log grows, the cosigned
  // checkpoint does not go past the stored verified size.
  const uint64_t stored = status.logs(0).verified_size();
  for (int i = 0; i < 5; ++i) ASSERT_NO_FATAL_FAILURE(Update(++serial));
  absl::SleepFor(absl::Seconds(1));  // several retries on a still-full disk
  const uint64_t newest_while_full = CheckpointOf(Checkpoint(true)).size;
  EXPECT_GT(newest_while_full, stored);
  EXPECT_LE(ServedSize(), stored);
  EXPECT_LE(EndpointSize(), stored);
  EXPECT_FALSE(Serving());
  EXPECT_LE(monitor_->Status().logs(0).verified_size(), stored);

  ASSERT_TRUE(disk_->Free().ok());
  const absl::Time freed = absl::Now();
  ASSERT_TRUE(WaitForServing(true, absl::Seconds(30))) << monitor_->log();
  const absl::Duration to_serving = absl::Now() - freed;
  ASSERT_NO_FATAL_FAILURE(Update(++serial));
  const std::string newest = Checkpoint(true);
  ASSERT_TRUE(WaitServed(CheckpointOf(newest).size, absl::Seconds(30))) << log_->log();
  // Informational (--storage_retry_max=400ms; polled every 20 ms).
  std::printf(
      "space freed -> health SERVING in %.0f ms; -> newest checkpoint cosigned and "
      "served in %.0f ms\n",
      absl::ToDoubleMilliseconds(to_serving), absl::ToDoubleMilliseconds(absl::Now() - freed));
  EXPECT_GE(EndpointSize(), CheckpointOf(newest).size);
  status = monitor_->Status();
  EXPECT_TRUE(status.serving());
  EXPECT_EQ(status.logs(0).state(), v1::LogStatus::OK) << status.DebugString();
  EXPECT_TRUE(status.logs(0).storage_error().empty());
  EXPECT_EQ(status.logs(0).evidence_size(), 0);
  EXPECT_EQ(Metric("keytrail_monitor_serving "), 1);

  const std::string log = monitor_->log().substr(log_before_fill);
  EXPECT_EQ(CountLinesContaining(log, "storage failing (disk full) in the audit database"), 1)
      << log;
  EXPECT_EQ(CountLinesContaining(log, "storage recovered in the audit database"), 1) << log;
  // The witness database fails only if a cosignature write hit the full
  // disk; either way it says so once and recovers once.
  EXPECT_EQ(CountLinesContaining(log, "storage failing (disk full) in the witness database"),
            CountLinesContaining(log, "storage recovered in the witness database"))
      << log;
  EXPECT_LE(CountLinesContaining(log, "in the witness database"), 2) << log;
  EXPECT_EQ(CountLinesContaining(log, "UNREACHABLE"), 0) << log;
  EXPECT_EQ(CountLinesContaining(log, "MISBEHAVING"), 0) << log;

  ExpectAllCosignedConsistentWith(newest);
  EXPECT_GE(cosigned_.size(), 2u);

  // A SIGKILL now: what it cosigned was stored before it was handed out.
  uint64_t max_cosigned = 0;
  for (const std::string& text : cosigned_)
    max_cosigned = std::max(max_cosigned, CheckpointOf(text).size);
  monitor_->Kill();
  ASSERT_NO_FATAL_FAILURE(monitor_->Start());
  status = monitor_->Status();
  EXPECT_GE(status.logs(0).verified_size(), max_cosigned) << status.DebugString();
  EXPECT_GE(EndpointSize(), max_cosigned);
  // It goes on from there and finds nothing wrong.
  ASSERT_NO_FATAL_FAILURE(Update(++serial));
  const std::string last = Checkpoint(true);
  ASSERT_TRUE(WaitServed(CheckpointOf(last).size, absl::Seconds(30))) << log_->log();
  status = monitor_->Status();
  EXPECT_EQ(status.logs(0).evidence_size(), 0);
  EXPECT_NE(status.logs(0).state(), v1::LogStatus::MISBEHAVING);
  ExpectAllCosignedConsistentWith(last);
}

}  // namespace
}  // namespace keytrail::monitor
