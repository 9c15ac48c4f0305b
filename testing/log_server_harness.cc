#include "testing/log_server_harness.h"

#include <signal.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "core/grpc/status_convert.h"

namespace keytrail::test {

absl::StatusOr<std::unique_ptr<LogServerHarness>> LogServerHarness::Create(
    const std::string& name) {
  auto h = std::make_unique<LogServerHarness>();
  h->dir_ = TempDir(name);
  const std::string keytrail = Runfile("cli/keytrail");
  const std::vector<std::vector<std::string>> keygens = {
      {"keygen", "note", kOrigin, h->path("note.key"), h->path("note.pub")},
      {"keygen", "vrf", kOrigin, h->path("vrf.key"), h->path("vrf.pub")},
      {"keygen", "token", h->path("token")},
  };
  for (const auto& args : keygens) {
    auto rc = RunProgram(keytrail, args, h->path("keygen.log"));
    if (!rc.ok()) return rc.status();
    if (*rc != 0) {
      return absl::InternalError(absl::StrCat("keygen failed: ", ReadFile(h->path("keygen.log"))));
    }
  }
  h->token_ = std::string(absl::StripAsciiWhitespace(ReadFile(h->path("token"))));
  return h;
}

absl::Status LogServerHarness::Start(const std::vector<std::string>& extra_flags) {
  std::string port_file = path(absl::StrCat("port.", ++starts_));
  std::vector<std::string> args = {
      "--listen=127.0.0.1:0",         "--port_file=" + port_file,
      "--data_dir=" + path("data"),   "--note_key=" + path("note.key"),
      "--vrf_key=" + path("vrf.key"), "--write_token_file=" + path("token"),
      "--epoch_interval=50ms",        "--block_cache_mb=16",
  };
  args.insert(args.end(), extra_flags.begin(), extra_flags.end());
  auto process = ChildProcess::Start(Runfile("log_server/log_server"), args, path("server.log"));
  if (!process.ok()) return process.status();
  process_.emplace(*std::move(process));
  auto port = WaitForPortFile(port_file, absl::Seconds(60), &*process_);
  if (!port.ok()) {
    return absl::Status(port.status().code(),
                        absl::StrCat(port.status().message(), "; server log:\n", log()));
  }
  port_ = *port;
  channel_ =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials());
  stub_ = v1::KeyTransparencyLog::NewStub(channel_);
  return absl::OkStatus();
}

void LogServerHarness::Kill() {
  if (!process_) return;
  process_->Signal(SIGKILL);
  (void)process_->Wait(absl::Seconds(30));
  process_.reset();
}

absl::StatusOr<int> LogServerHarness::Stop() {
  if (!process_) return absl::FailedPreconditionError("not running");
  process_->Signal(SIGTERM);
  auto rc = process_->Wait(absl::Seconds(30));
  process_.reset();
  return rc;
}

void LogServerHarness::Authorize(grpc::ClientContext* context) const {
  context->AddMetadata("authorization", "Bearer " + token_);
}

absl::Status LogServerHarness::UpdateOnePhone(const std::string& account, uint64_t version) {
  v1::UpdateRequest req;
  req.set_account(account);
  req.set_expected_version(version - 1);
  v1::Device* d = req.mutable_key_set()->add_devices();
  d->set_device_id("phone");
  d->set_device_key(absl::StrCat("key of ", account, " ", version));
  v1::UpdateResponse resp;
  grpc::ClientContext ctx;
  Authorize(&ctx);
  return FromGrpcStatus(stub_->Update(&ctx, req, &resp), "Update");
}

absl::StatusOr<std::string> LogServerHarness::Checkpoint(bool newest) {
  v1::GetCheckpointRequest req;
  req.set_newest(newest);
  v1::GetCheckpointResponse resp;
  grpc::ClientContext ctx;
  const grpc::Status s = stub_->GetCheckpoint(&ctx, req, &resp);
  if (!s.ok()) return FromGrpcStatus(s, "GetCheckpoint");
  return resp.checkpoint();
}

std::string LogServerHarness::log() const { return ReadFile(dir_ + "/server.log"); }

}  // namespace keytrail::test
