#include "testing/deployment.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "testing/process.h"

namespace keytrail::test {

std::string Deployment::log_address() const { return absl::StrCat("127.0.0.1:", log_port_); }

void Deployment::Start() {
  auto h = LogServerHarness::Create(name_ + "_log");
  ASSERT_TRUE(h.ok()) << h.status();
  log_ = *std::move(h);
  // First without monitors: the monitors need the log's address and the
  // log their URLs; the log keeps its port when it is restarted below.
  ASSERT_TRUE(log_->Start().ok()) << log_->log();
  log_port_ = log_->port();
  grpc::ClientContext ctx;
  ASSERT_TRUE(log_->stub().GetLogInfo(&ctx, {}, &info_).ok());
  for (const char* name : {"a", "b"}) {
    monitors_.push_back(std::make_unique<MonitorHarness>(
        TempDir(absl::StrCat(name_, "_monitor_", name)), absl::StrCat("monitor.example/", name)));
    monitors_.back()->AddLog(info_.origin(), info_.note_verifier_key(), log_address(), 50);
    ASSERT_NO_FATAL_FAILURE(monitors_.back()->Start());
  }
  // Each gossips with the other: stop, add the peer, start on the same port.
  MonitorHarness& a = *monitors_[0];
  MonitorHarness& b = *monitors_[1];
  ASSERT_EQ(a.Stop(), 0);
  ASSERT_EQ(b.Stop(), 0);
  a.AddPeer(b.name(), b.cosigner_key(), b.url());
  b.AddPeer(a.name(), a.cosigner_key(), a.url());
  ASSERT_NO_FATAL_FAILURE(a.Start());
  ASSERT_NO_FATAL_FAILURE(b.Start());
  ASSERT_TRUE(log_->Stop().ok());
  ASSERT_NO_FATAL_FAILURE(StartLog());
}

void Deployment::StartLog() {
  // --monitors is one comma-separated list (a repeated flag replaces it);
  // the URL's trailing '/' is allowed.
  std::vector<std::string> pushes;
  for (const auto& m : monitors_) {
    pushes.push_back(absl::StrCat(m->name(), "=", m->url(), "=", m->cosigner_key()));
  }
  absl::Status s =
      log_->Start({absl::StrCat("--listen=", log_address()),
                   "--monitors=" + absl::StrJoin(pushes, ","), "--required_cosignatures=2"});
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_EQ(log_->port(), log_port_);
}

}  // namespace keytrail::test
