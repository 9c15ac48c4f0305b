#include "testing/replica_harness.h"

#include <signal.h>

#include "absl/strings/str_cat.h"
#include "core/grpc/status_convert.h"

namespace keytrail::test {

absl::StatusOr<std::vector<std::string>> PrimaryReplicaFlags(LogServerHarness& primary) {
  auto rc = RunProgram(Runfile("cli/keytrail"), {"keygen", "replica", primary.path("replica.key")},
                       primary.path("keygen-replica.log"));
  if (!rc.ok()) return rc.status();
  if (*rc != 0) {
    return absl::InternalError(
        absl::StrCat("keygen replica failed: ", ReadFile(primary.path("keygen-replica.log"))));
  }
  return std::vector<std::string>{"--replica_key_file=" + primary.path("replica.key"),
                                  "--tiles_dir=" + primary.path("tiles"),
                                  "--private_dir=" + primary.path("private")};
}

absl::Status CreateAccounts(LogServerHarness& primary, int first, int count) {
  v1::BatchUpdateRequest req;
  for (int i = first; i < first + count; ++i) {
    v1::UpdateRequest* u = req.add_updates();
    u->set_account(absl::StrCat("user", i));
    v1::Device* d = u->mutable_key_set()->add_devices();
    d->set_device_id("phone");
    d->set_device_key(absl::StrCat("key of user", i));
  }
  grpc::ClientContext ctx;
  primary.Authorize(&ctx);
  v1::BatchUpdateResponse resp;
  grpc::Status s = primary.stub().BatchUpdate(&ctx, req, &resp);
  if (!s.ok()) return FromGrpcStatus(s, "BatchUpdate");
  for (const v1::UpdateResult& r : resp.results()) {
    if (r.code() != 0) return absl::InternalError(absl::StrCat("an update failed: ", r.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> WaitForPublishedCheckpoint(
    LogServerHarness& primary, const std::function<absl::StatusOr<std::string>()>& published) {
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  std::string last;
  while (absl::Now() < deadline) {
    auto served = primary.Checkpoint(/*newest=*/false);
    if (!served.ok()) return served.status();
    auto in_store = published();
    if (in_store.ok() && *in_store == *served) return *served;
    last = in_store.ok() ? *in_store : in_store.status().ToString();
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("the tile store's checkpoint never became the primary's; last: ", last));
}

ReplicaHarness::ReplicaHarness(const std::string& name, const LogServerHarness& primary,
                               std::vector<std::string> store_flags)
    : dir_(TempDir(name)), primary_dir_(primary.dir()), store_flags_(std::move(store_flags)) {}

absl::Status ReplicaHarness::Start(const std::vector<std::string>& extra_flags) {
  ++starts_;
  const std::string port_file = absl::StrCat(dir_, "/port.", starts_);
  const std::string metrics_port_file = absl::StrCat(dir_, "/metrics_port.", starts_);
  std::vector<std::string> args = {
      "--replica",
      "--listen=127.0.0.1:0",
      "--port_file=" + port_file,
      "--metrics_listen=127.0.0.1:0",
      "--metrics_port_file=" + metrics_port_file,
      "--data_dir=" + dir_ + "/data",
      "--vrf_key=" + primary_dir_ + "/vrf.key",
      "--note_vkey=" + primary_dir_ + "/note.pub",
      "--replica_key_file=" + primary_dir_ + "/replica.key",
      "--primary=the primary of " + std::string(LogServerHarness::kOrigin),
      "--replica_poll_interval=50ms",
      "--tiles_retry_min=10ms",
      "--tiles_retry_max=200ms",
      "--block_cache_mb=16",
  };
  args.insert(args.end(), store_flags_.begin(), store_flags_.end());
  args.insert(args.end(), extra_flags.begin(), extra_flags.end());
  auto process = ChildProcess::Start(Runfile("log_server/log_server"), args, dir_ + "/replica.log");
  if (!process.ok()) return process.status();
  process_.emplace(*std::move(process));
  auto port = WaitForPortFile(port_file, absl::Seconds(60), &*process_);
  if (port.ok()) {
    port_ = *port;
    port = WaitForPortFile(metrics_port_file, absl::Seconds(10), &*process_);
  }
  if (!port.ok()) {
    return absl::Status(port.status().code(),
                        absl::StrCat(port.status().message(), "; replica log:\n", log()));
  }
  metrics_port_ = *port;
  channel_ =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials());
  stub_ = v1::KeyTransparencyLog::NewStub(channel_);
  return absl::OkStatus();
}

void ReplicaHarness::Kill() {
  if (!process_) return;
  process_->Signal(SIGKILL);
  (void)process_->Wait(absl::Seconds(30));
  process_.reset();
}

absl::StatusOr<int> ReplicaHarness::Stop() {
  if (!process_) return absl::FailedPreconditionError("not running");
  process_->Signal(SIGTERM);
  auto rc = process_->Wait(absl::Seconds(30));
  process_.reset();
  return rc;
}

std::string ReplicaHarness::log() const { return ReadFile(dir_ + "/replica.log"); }

absl::StatusOr<std::string> ReplicaHarness::Checkpoint() {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::GetCheckpointResponse resp;
  grpc::Status s = stub_->GetCheckpoint(&ctx, {}, &resp);
  if (!s.ok()) return FromGrpcStatus(s);
  return resp.checkpoint();
}

absl::Status ReplicaHarness::WaitForCheckpoint(const std::string& note, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::StatusOr<std::string> last = absl::UnknownError("not asked yet");
  while (absl::Now() < deadline) {
    last = Checkpoint();
    if (last.ok() && *last == note) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("the replica did not serve the checkpoint within ",
                   absl::FormatDuration(timeout), "; it last answered ",
                   last.ok() ? *last : last.status().ToString(), "\nreplica log:\n", log()));
}

}  // namespace keytrail::test
