// The log server under hostile conditions (issue 9), with the real binary:
// a flood of idle connections under a low descriptor limit, a flood of
// absent-account lookups (each a VRF proof), a second server on a used
// port, and start-up refusals that must be one clear line.
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/log_service.grpc.pb.h"
#include "testing/log_server_harness.h"
#include "testing/loopback.h"
#include "testing/process.h"

namespace keytrail {
namespace {

using test::ConnectLoopback;
using test::LogServerHarness;

// One GetLogInfo over a brand-new channel (a new TCP connection).
grpc::Status FreshCall(int port) {
  grpc::ChannelArguments args;
  args.SetInt("grpc.use_local_subchannel_pool", 1);  // never share a connection
  auto channel = grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                           grpc::InsecureChannelCredentials(), args);
  auto stub = v1::KeyTransparencyLog::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::GetLogInfoRequest req;
  v1::GetLogInfoResponse resp;
  return stub->GetLogInfo(&ctx, req, &resp);
}

class HardeningTest : public testing::Test {
 protected:
  void SetUp() override {
    auto h = LogServerHarness::Create("hardening");
    ASSERT_TRUE(h.ok()) << h.status();
    h_ = *std::move(h);
  }

  std::vector<std::string> BaseArgs(const std::string& data_dir) const {
    return {"--data_dir=" + h_->path(data_dir), "--note_key=" + h_->path("note.key"),
            "--vrf_key=" + h_->path("vrf.key"), "--write_token_file=" + h_->path("token"),
            "--block_cache_mb=16"};
  }

  // Runs log_server to exit with `flags`; returns its output.
  std::string RunRefused(const std::vector<std::string>& flags, int* exit_code) {
    std::string log = h_->path("refused.log");
    std::remove(log.c_str());
    auto rc = test::RunProgram(test::Runfile("log_server/log_server"), flags, log);
    EXPECT_TRUE(rc.ok()) << rc.status();
    *exit_code = rc.ok() ? *rc : -1;
    return test::ReadFile(log);
  }

  void ExpectOneLineRefusal(const std::vector<std::string>& flags, const std::string& want) {
    int rc = 0;
    std::string out = RunRefused(flags, &rc);
    EXPECT_EQ(rc, 1) << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
    EXPECT_EQ(out.rfind("log_server: ", 0), 0u) << out;
    EXPECT_NE(out.find(want), std::string::npos) << "want \"" << want << "\" in: " << out;
  }

  std::unique_ptr<LogServerHarness> h_;
};

// Regression (issue 9, bug 1): with a 1024-descriptor limit, 1,100 idle
// connections made gRPC 1.51's listener fail accept4 with EMFILE and never
// accept again, while health still said SERVING. Now the server bounds what
// it accepts; once the flood closes, a new connection works.
TEST_F(HardeningTest, NewConnectionsWorkAfterADescriptorFlood) {
  // The flood needs descriptors on this side too.
  rlimit r;
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &r), 0);
  r.rlim_cur = r.rlim_max;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &r), 0);
  ASSERT_GE(r.rlim_cur, 1400u) << "the test needs 1,400 descriptors";

  std::vector<std::string> args = BaseArgs("data");
  args.insert(args.begin(),
              {"-c", "ulimit -n 1024 && exec \"$0\" \"$@\"", test::Runfile("log_server/log_server"),
               "--listen=127.0.0.1:0", "--port_file=" + h_->path("flood.port")});
  auto child = test::ChildProcess::Start("/bin/sh", args, h_->path("flood.log"));
  ASSERT_TRUE(child.ok()) << child.status();
  auto port = test::WaitForPortFile(h_->path("flood.port"), absl::Seconds(60));
  ASSERT_TRUE(port.ok()) << test::ReadFile(h_->path("flood.log"));
  ASSERT_TRUE(FreshCall(*port).ok());

  std::vector<int> flood;
  for (int i = 0; i < 1100; ++i) {
    const int fd = ConnectLoopback(*port);
    if (fd >= 0) flood.push_back(fd);
  }
  EXPECT_GT(flood.size(), 1000u);
  // Wait until the server has taken them (slow under sanitizers): it sheds
  // what is beyond its descriptor bound.
  for (int i = 0; i < 600; ++i) {
    if (test::ReadFile(h_->path("flood.log")).find("too many connections") != std::string::npos) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  for (int fd : flood) ::close(fd);
  absl::SleepFor(absl::Milliseconds(500));

  // A new connection works, again and again.
  for (int i = 0; i < 3; ++i) {
    grpc::Status s = FreshCall(*port);
    EXPECT_TRUE(s.ok()) << i << ": " << s.error_message() << "\n"
                        << test::ReadFile(h_->path("flood.log"));
  }
  const std::string log = test::ReadFile(h_->path("flood.log"));
  EXPECT_NE(log.find("too many connections"), std::string::npos) << log;
  EXPECT_EQ(log.find("Failed accept4"), std::string::npos) << log;
  child->Signal(SIGTERM);
  auto rc = child->Wait(absl::Seconds(30));
  ASSERT_TRUE(rc.ok());
  EXPECT_EQ(*rc, 0) << test::ReadFile(h_->path("flood.log"));
}

// A channel of its own (its own TCP connection) to 127.0.0.1:port.
std::unique_ptr<v1::KeyTransparencyLog::Stub> OwnStub(int port) {
  grpc::ChannelArguments args;
  args.SetInt("grpc.use_local_subchannel_pool", 1);
  return v1::KeyTransparencyLog::NewStub(grpc::CreateCustomChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials(), args));
}

// Issue 9: lookups of absent accounts cost a VRF proof each, and a flood of
// them starved ordinary lookups. Now they are proved on their own worker
// within a per-client limit: the flooding client gets RESOURCE_EXHAUSTED
// naming the limit for what waited over it too long, while another
// connection's ordinary lookups all succeed, and the flooder's own lookups
// work again afterwards.
TEST_F(HardeningTest, AbsentAccountFloodIsRefusedOverTheClientLimit) {
  // The flood is 2,000 calls sent at once over four connections (one
  // client: one host). A parked call is refused unless the client's 4
  // calls ahead of it finish within 10 ms; the 2,000 proofs take one
  // worker at least ~0.2 s even on a fast idle core, so most of the flood
  // waits far longer than that, on any machine. (With 50 ms the test failed
  // once in CI, which keeps no test log; that no call waited 50 ms there is
  // the likely cause, not a seen one.)
  ASSERT_TRUE(h_->Start({"--vrf_workers=1", "--vrf_worker_nice=0", "--max_vrf_proofs_per_client=4",
                         "--vrf_proof_cache_entries=0", "--vrf_max_wait=10ms"})
                  .ok())
      << h_->log();
  {
    v1::UpdateRequest update;
    update.set_account("alice@example.org");
    v1::Device* d = update.mutable_key_set()->add_devices();
    d->set_device_id("phone");
    d->set_device_key(std::string(32, 'k'));
    grpc::ClientContext ctx;
    h_->Authorize(&ctx);
    v1::UpdateResponse resp;
    grpc::Status s = h_->stub().Update(&ctx, update, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  std::vector<std::unique_ptr<v1::KeyTransparencyLog::Stub>> flooders;
  for (int i = 0; i < 4; ++i) flooders.push_back(OwnStub(h_->port()));
  constexpr int kFlood = 2000;
  struct Call {
    grpc::ClientContext ctx;
    v1::LookupRequest req;
    v1::LookupResponse resp;
  };
  std::vector<std::unique_ptr<Call>> calls;
  absl::Mutex mu;
  std::map<grpc::StatusCode, int> codes;
  int client_limit_refusals = 0;
  std::string refusal;
  int done = 0;
  for (int i = 0; i < kFlood; ++i) {
    calls.push_back(std::make_unique<Call>());
    Call* c = calls.back().get();
    c->req.set_account(absl::StrCat("nobody-", i, "@example.org"));
    c->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    auto& flooder = flooders[i % flooders.size()];
    flooder->async()->Lookup(&c->ctx, &c->req, &c->resp, [&](grpc::Status s) {
      absl::MutexLock lock(&mu);
      ++codes[s.error_code()];
      if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
        refusal = s.error_message();
        if (refusal.find("--max_vrf_proofs_per_client=4") != std::string::npos) {
          ++client_limit_refusals;
        }
      }
      ++done;
    });
  }
  // Meanwhile, another connection's ordinary lookups (a stored account: no
  // proving) are all answered.
  auto reader = OwnStub(h_->port());
  for (int i = 0; i < 20; ++i) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::LookupRequest req;
    req.set_account("alice@example.org");
    v1::LookupResponse resp;
    grpc::Status s = reader->Lookup(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << i << ": " << s.error_message();
    EXPECT_EQ(resp.current().version(), 1u);
  }
  {
    absl::MutexLock lock(&mu);
    auto all_done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return done == kFlood; };
    ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&all_done), absl::Seconds(120)));
    const std::string counts = absl::StrCat(
        "OK ", codes[grpc::StatusCode::OK], ", RESOURCE_EXHAUSTED ",
        codes[grpc::StatusCode::RESOURCE_EXHAUSTED], " (over the client limit ",
        client_limit_refusals, "), other codes ",
        kFlood - codes[grpc::StatusCode::OK] - codes[grpc::StatusCode::RESOURCE_EXHAUSTED]);
    EXPECT_GT(codes[grpc::StatusCode::RESOURCE_EXHAUSTED], 0) << counts;
    EXPECT_EQ(codes[grpc::StatusCode::OK] + codes[grpc::StatusCode::RESOURCE_EXHAUSTED], kFlood)
        << counts;
    EXPECT_GT(client_limit_refusals, 0) << counts << "; last refusal: " << refusal;
  }
  // The flood is over: the flooder's absent-account lookups work again
  // (tries for up to ~30 s: on a loaded machine the worker may not start
  // one within the test's 10 ms).
  {
    grpc::Status s;
    v1::LookupResponse resp;
    const auto& flooder = flooders[0];
    for (int attempt = 0; attempt < 300; ++attempt) {
      grpc::ClientContext ctx;
      v1::LookupRequest req;
      req.set_account("nobody-after@example.org");
      resp.Clear();
      s = flooder->Lookup(&ctx, req, &resp);
      if (s.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) break;
      absl::SleepFor(absl::Milliseconds(100));
    }
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_FALSE(resp.has_current());
    EXPECT_EQ(resp.vrf_proof().size(), 81u);
  }
  auto rc = h_->Stop();
  ASSERT_TRUE(rc.ok() && *rc == 0) << h_->log();
  EXPECT_NE(h_->log().find("read limits: refused"), std::string::npos) << h_->log();
}

// Regression (issue 9, bug 2): a second log server, with another data
// directory, started on a used port (gRPC's SO_REUSEPORT) and took half of
// the new connections. It must fail to start with one clear line.
TEST_F(HardeningTest, SecondServerOnAUsedPortFailsToStart) {
  ASSERT_TRUE(h_->Start().ok()) << h_->log();
  std::vector<std::string> args = BaseArgs("other-data");
  args.push_back(absl::StrCat("--listen=127.0.0.1:", h_->port()));
  ExpectOneLineRefusal(args, "Address already in use");
  ASSERT_TRUE(FreshCall(h_->port()).ok());
  auto rc = h_->Stop();
  ASSERT_TRUE(rc.ok() && *rc == 0) << h_->log();
}

TEST_F(HardeningTest, BadListenAddressIsOneLine) {
  for (const char* listen : {"--listen=localhost", "--listen=localhost:99999",
                             "--listen=no-such-host.invalid:0", "--listen=::1:0"}) {
    std::vector<std::string> args = BaseArgs("data");
    args.push_back(listen);
    ExpectOneLineRefusal(args, "--listen");
  }
}

TEST_F(HardeningTest, NonPemTlsFilesAreOneLine) {
  { std::ofstream(h_->path("garbage.pem")) << "not a certificate\n"; }
  ASSERT_EQ(::chmod(h_->path("garbage.pem").c_str(), 0600), 0);
  std::vector<std::string> args = BaseArgs("data");
  args.push_back("--listen=127.0.0.1:0");
  args.push_back("--tls_cert_file=" + h_->path("garbage.pem"));
  args.push_back("--tls_key_file=" + h_->path("garbage.pem"));
  ExpectOneLineRefusal(args, "--tls_cert_file");
}

// Private key and token files open to group or others are refused, naming
// the file and its mode, unless --allow_insecure_key_permissions.
TEST_F(HardeningTest, InsecureKeyAndTokenFileModes) {
  for (const char* file : {"note.key", "vrf.key", "token"}) {
    const std::string path = h_->path(file);
    ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
    std::vector<std::string> args = BaseArgs("data");
    args.push_back("--listen=127.0.0.1:0");
    ExpectOneLineRefusal(args, absl::StrCat(path, ": mode 0644"));
    ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  }
  ASSERT_EQ(::chmod(h_->path("note.key").c_str(), 0640), 0);
  ASSERT_TRUE(h_->Start({"--allow_insecure_key_permissions"}).ok()) << h_->log();
  EXPECT_NE(h_->log().find("mode 0640"), std::string::npos) << h_->log();
  auto rc = h_->Stop();
  ASSERT_TRUE(rc.ok() && *rc == 0) << h_->log();
}

}  // namespace
}  // namespace keytrail
