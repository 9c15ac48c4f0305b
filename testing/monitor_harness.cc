#include "testing/monitor_harness.h"

#include <signal.h>

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace keytrail::test {

MonitorHarness::MonitorHarness(std::string dir, std::string name)
    : dir_(std::move(dir)), name_(std::move(name)) {
  EXPECT_EQ(
      RunProgram(Runfile("cli/keytrail"),
                 {"keygen", "cosigner", name_, dir_ + "/cosigner.key", dir_ + "/cosigner.pub"},
                 dir_ + "/keygen.log")
          .value_or(-1),
      0)
      << ReadFile(dir_ + "/keygen.log");
  vkey_ = std::string(absl::StripAsciiWhitespace(ReadFile(dir_ + "/cosigner.pub")));
  config_.set_data_dir(dir_ + "/data");
  config_.set_cosigner_key_file(dir_ + "/cosigner.key");
  config_.set_grpc_listen("127.0.0.1:0");
  config_.set_http_listen("127.0.0.1:0");
}

MonitorHarness::~MonitorHarness() {
  if (process_.has_value()) Kill();
}

void MonitorHarness::AddLog(const std::string& origin, const std::string& note_verifier_key,
                            const std::string& grpc_address, uint64_t poll_interval_ms) {
  v1::FollowedLog* l = config_.add_logs();
  l->set_origin(origin);
  l->set_note_verifier_key(note_verifier_key);
  l->set_grpc_address(grpc_address);
  l->set_poll_interval_ms(poll_interval_ms);
}

void MonitorHarness::AddPeer(const std::string& name, const std::string& cosigner_key,
                             const std::string& url) {
  v1::Peer* p = config_.add_peers();
  p->set_name(name);
  p->set_cosigner_key(cosigner_key);
  p->set_url(url);
}

void MonitorHarness::WriteConfig() {
  std::string text;
  ASSERT_TRUE(google::protobuf::TextFormat::PrintToString(config_, &text));
  std::ofstream(dir_ + "/monitor.textproto") << text;
}

void MonitorHarness::Start() {
  ASSERT_FALSE(process_.has_value()) << "already running";
  // A restart keeps the HTTP port: logs and peers know it.
  if (http_port_ != 0) config_.set_http_listen(absl::StrCat("127.0.0.1:", http_port_));
  ASSERT_NO_FATAL_FAILURE(WriteConfig());
  ++starts_;
  const std::string port_file = absl::StrCat(dir_, "/grpc_port.", starts_);
  const std::string http_port_file = absl::StrCat(dir_, "/http_port.", starts_);
  std::vector<std::string> args = {"--config=" + dir_ + "/monitor.textproto",
                                   "--port_file=" + port_file,
                                   "--http_port_file=" + http_port_file};
  args.insert(args.end(), extra_flags_.begin(), extra_flags_.end());
  std::string program = Runfile("monitor/monitor");
  if (descriptor_limit_ > 0) {
    // sh sets the limit and execs the monitor (same process id).
    args.insert(
        args.begin(),
        {"-c", absl::StrCat("ulimit -n ", descriptor_limit_, " && exec \"$0\" \"$@\""), program});
    program = "/bin/sh";
  }
  auto p = ChildProcess::Start(program, args, absl::StrCat(dir_, "/monitor.", starts_, ".log"));
  ASSERT_TRUE(p.ok()) << p.status();
  process_.emplace(*std::move(p));
  auto port = WaitForPortFile(port_file, absl::Seconds(60), &*process_);
  ASSERT_TRUE(port.ok()) << port.status() << "\n" << log();
  grpc_port_ = *port;
  auto http = WaitForPortFile(http_port_file, absl::Seconds(5), &*process_);
  ASSERT_TRUE(http.ok()) << http.status() << "\n" << log();
  http_port_ = *http;
  stub_ = v1::MonitorService::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", grpc_port_),
                                                          grpc::InsecureChannelCredentials()));
}

void MonitorHarness::Kill() {
  if (!process_.has_value()) return;
  process_->Signal(SIGKILL);
  (void)process_->Wait(absl::Seconds(30));
  process_.reset();
}

int MonitorHarness::Stop() {
  if (!process_.has_value()) return -1;
  process_->Signal(SIGTERM);
  auto code = process_->Wait(absl::Seconds(30));
  process_.reset();
  return code.ok() ? *code : -1;
}

std::string MonitorHarness::url() const {
  return absl::StrCat("http://127.0.0.1:", http_port_, "/");
}

std::string MonitorHarness::log() const {
  return ReadFile(absl::StrCat(dir_, "/monitor.", starts_, ".log"));
}

v1::GetStatusResponse MonitorHarness::Status() {
  v1::GetStatusResponse resp;
  if (stub_ == nullptr) {
    ADD_FAILURE() << "not started";
    return resp;
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Status s = stub_->GetStatus(&ctx, v1::GetStatusRequest(), &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp;
}

}  // namespace keytrail::test
