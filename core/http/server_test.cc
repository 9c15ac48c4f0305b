// The libmicrohttpd server, driven with curl (the command), our client and
// raw sockets: routing, the body caps (declared and chunked), header
// memory, the request deadline, the connection caps, the worker pool.
#include "core/http/server.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "core/http/client.h"
#include "gtest/gtest.h"
#include "testing/loopback.h"
#include "testing/scripted_peer.h"

namespace keytrail::http {
namespace {

using test::ConnectLoopback;
using test::ConnectLoopbackFrom;
using test::ScriptedPeer;

// Runs the curl command; returns its stdout ("-w" output included).
std::string Curl(const std::string& args) {
  std::string out;
  FILE* f = ::popen(("curl -sS --max-time 10 " + args + " 2>&1").c_str(), "r");
  if (f == nullptr) return "popen failed";
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  ::pclose(f);
  return out;
}

// Reads what the server sends until it closes (or `wait` passes); returns
// it, with *closed telling whether it closed.
std::string ReadUntilClosed(int fd, absl::Duration wait, bool* closed) {
  std::string got;
  *closed = false;
  const absl::Time end = absl::Now() + wait;
  char buf[4096];
  while (absl::Now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      *closed = true;
      break;
    }
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

Request Get(const std::string& url) {
  Request r;
  r.url = url;
  return r;
}

class ServerTest : public testing::Test {
 protected:
  void StartServer(ServerOptions options) {
    server_ = std::make_unique<Server>(std::move(options));
    server_->Handle("GET", "/hello", [](const ServerRequest& r) {
      ServerResponse out;
      out.headers.emplace_back("Cache-Control", "no-store");
      out.body =
          absl::StrCat("hello ", r.peer,
                       " q=", r.query.empty() ? "" : r.query[0].first + "=" + r.query[0].second);
      return out;
    });
    server_->Handle(
        "POST", "/echo",
        [this](const ServerRequest& r) {
          ++echoed_;
          ServerResponse out;
          out.body = absl::StrCat(r.body.size(), ":", r.Header("X-Tag").value_or(""));
          return out;
        },
        1000);
    server_->HandlePrefix("GET", "/tile/", [](const ServerRequest& r) {
      ServerResponse out;
      out.body = "tile " + r.path;
      return out;
    });
    server_->Handle("GET", "/slow", [this](const ServerRequest&) {
      ++slow_entered_;
      release_.WaitForNotificationWithTimeout(absl::Seconds(10));
      return ServerResponse{200, "text/plain", {}, "slow done"};
    });
    ASSERT_TRUE(server_->Start("127.0.0.1", 0).ok());
    base_ = absl::StrCat("http://127.0.0.1:", server_->port());
  }
  void TearDown() override {
    if (!release_.HasBeenNotified()) release_.Notify();
  }

  std::unique_ptr<Server> server_;
  std::string base_;
  std::atomic<int> echoed_{0};
  std::atomic<int> slow_entered_{0};
  absl::Notification release_;
};

TEST_F(ServerTest, RoutesWithCurl) {
  StartServer({});
  EXPECT_EQ(Curl(base_ + "/hello?a=b%20c"), "hello 127.0.0.1 q=a=b c");
  EXPECT_EQ(Curl("-o /dev/null -w '%{http_code}' " + base_ + "/nope"), "404");
  EXPECT_EQ(Curl("-o /dev/null -w '%{http_code}' -X POST " + base_ + "/hello"), "405");
  EXPECT_EQ(Curl(base_ + "/tile/0/x001"), "tile /tile/0/x001");
  EXPECT_EQ(Curl("-H 'X-Tag: t1' --data-binary 0123456789 " + base_ + "/echo"), "10:t1");
  // HEAD is served by GET, without the body.
  const std::string head = Curl("-I " + base_ + "/hello");
  EXPECT_NE(head.find("HTTP/1.1 200"), std::string::npos) << head;
  EXPECT_NE(head.find("Cache-Control: no-store"), std::string::npos) << head;
  EXPECT_EQ(head.find("hello 127"), std::string::npos) << head;
}

TEST_F(ServerTest, DeclaredBodyOverTheCapIs413BeforeReading) {
  StartServer({});
  EXPECT_EQ(Curl("-o /dev/null -w '%{http_code}' --data-binary " + std::string(1001, 'a') + " " +
                 base_ + "/echo"),
            "413");
  // Lengths no one can send: 413 at once, not a worker held waiting.
  for (const char* length : {"18446744073709551615", "99999999999999999999999", "-1", "x"}) {
    const int fd = ConnectLoopback(server_->port());
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(ScriptedPeer::SendAll(
        fd,
        absl::StrCat("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ", length, "\r\n\r\n")));
    bool closed = false;
    const std::string got = ReadUntilClosed(fd, absl::Seconds(5), &closed);
    EXPECT_TRUE(got.rfind("HTTP/1.1 413", 0) == 0 || got.rfind("HTTP/1.1 400", 0) == 0)
        << length << ": " << got;
    ::close(fd);
  }
  // At the cap: served.
  EXPECT_EQ(Curl("--data-binary " + std::string(1000, 'a') + " " + base_ + "/echo"), "1000:");
  EXPECT_EQ(echoed_.load(), 1);
}

TEST_F(ServerTest, ChunkedBodyOverTheCapIsCutOff) {
  StartServer({});
  // 20 MB chunked; the route takes 1000 bytes.
  const int fd = ConnectLoopback(server_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(ScriptedPeer::SendAll(
      fd, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk = "1000\r\n" + std::string(4096, 'z') + "\r\n";
  size_t sent = 0;
  for (int i = 0; i < 5000; ++i) {
    if (!ScriptedPeer::SendAll(fd, chunk)) break;
    sent += 4096;
  }
  EXPECT_LT(sent, 20u * 1000 * 1000) << "the server read the whole body";
  bool closed = false;
  const std::string got = ReadUntilClosed(fd, absl::Seconds(5), &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(got.rfind("HTTP/1.1 413", 0), 0u) << got;
  ::close(fd);
  EXPECT_EQ(echoed_.load(), 0);
  EXPECT_EQ(server_->stats().too_large, 1u);
  // The same with curl, 2 MB from a file.
  const std::string file = std::string(getenv("TEST_TMPDIR")) + "/big";
  FILE* f = std::fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  const std::string mb(1 << 20, 'y');
  std::fwrite(mb.data(), 1, mb.size(), f);
  std::fwrite(mb.data(), 1, mb.size(), f);
  std::fclose(f);
  const std::string code = Curl(
      "-o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' "
      "--data-binary @" +
      file + " " + base_ + "/echo");
  EXPECT_TRUE(code.find("413") != std::string::npos) << code;
  // A small chunked body is fine.
  EXPECT_EQ(Curl("-H 'Transfer-Encoding: chunked' --data-binary abc " + base_ + "/echo"), "3:");
}

TEST_F(ServerTest, EndlessHeadersStopAtTheConnectionMemory) {
  ServerOptions o;
  o.connection_memory_bytes = 16 * 1024;
  StartServer(o);
  const int fd = ConnectLoopback(server_->port());
  ASSERT_GE(fd, 0);
  ScriptedPeer::SendAll(fd, "GET /hello HTTP/1.1\r\nHost: x\r\n");
  size_t sent = 0;
  const std::string line = "X-Fill: " + std::string(100, 'f') + "\r\n";
  for (int i = 0; i < 100000; ++i) {  // 10 MB if nobody stops it
    if (!ScriptedPeer::SendAll(fd, line)) break;
    sent += line.size();
  }
  EXPECT_LT(sent, 10u * 1000 * 1000);
  bool closed = false;
  const std::string got = ReadUntilClosed(fd, absl::Seconds(5), &closed);
  EXPECT_TRUE(closed);
  // libmicrohttpd answers 431 (or just closes when it can't even do that).
  EXPECT_TRUE(got.empty() || got.rfind("HTTP/1.1 431", 0) == 0 || got.rfind("HTTP/1.1 413", 0) == 0)
      << got.substr(0, 200);
  ::close(fd);
  EXPECT_EQ(Curl(base_ + "/hello"), "hello 127.0.0.1 q=");
}

TEST_F(ServerTest, SlowlorisIsClosedAtTheRequestDeadline) {
  ServerOptions o;
  o.request_deadline = absl::Seconds(1);
  o.idle_timeout = absl::Seconds(30);
  StartServer(o);
  const int fd = ConnectLoopback(server_->port());
  ASSERT_GE(fd, 0);
  // A header byte every 200 ms: never idle, never done.
  const std::string req = "GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(100, 's');
  bool closed = false;
  const absl::Time start = absl::Now();
  for (char ch : req) {
    if (!ScriptedPeer::SendAll(fd, std::string(1, ch))) break;
    ReadUntilClosed(fd, absl::Milliseconds(200), &closed);
    if (closed) break;
  }
  EXPECT_TRUE(closed) << "still open after " << absl::Now() - start;
  ::close(fd);
  EXPECT_GE(server_->stats().deadline_closed, 1u);
}

TEST_F(ServerTest, IdleKeepAliveIsClosed) {
  ServerOptions o;
  o.request_deadline = absl::Seconds(30);
  o.idle_timeout = absl::Seconds(1);
  StartServer(o);
  const int fd = ConnectLoopback(server_->port());
  ASSERT_GE(fd, 0);
  bool closed = false;
  ReadUntilClosed(fd, absl::Seconds(5), &closed);
  EXPECT_TRUE(closed);
  ::close(fd);
}

TEST_F(ServerTest, PerAddressAndTotalConnectionCaps) {
  ServerOptions o;
  o.max_connections_per_ip = 3;
  o.max_connections = 8;
  StartServer(o);
  // Three from 127.0.0.2 are held; a fourth from there is closed at once.
  std::vector<int> held;
  for (int i = 0; i < 3; ++i) held.push_back(ConnectLoopbackFrom(server_->port(), 2));
  const int fourth = ConnectLoopbackFrom(server_->port(), 2);
  ASSERT_GE(fourth, 0);  // the kernel accepts; the server closes
  bool closed = false;
  ReadUntilClosed(fourth, absl::Seconds(5), &closed);
  EXPECT_TRUE(closed);
  ::close(fourth);
  // Another address is still served.
  auto res = Fetch(Get(base_ + "/hello"));
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 200);
  // Fill the total from more addresses: at the limit the library stops
  // accepting, so a ninth connection waits in the kernel's queue, unserved,
  // until one of the others goes.
  for (int h = 3; h < 8; ++h) held.push_back(ConnectLoopbackFrom(server_->port(), h));
  absl::SleepFor(absl::Milliseconds(200));  // let the loop accept them
  const int ninth = ConnectLoopbackFrom(server_->port(), 20);
  ASSERT_GE(ninth, 0);
  ASSERT_TRUE(ScriptedPeer::SendAll(ninth, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string got = ReadUntilClosed(ninth, absl::Milliseconds(500), &closed);
  EXPECT_EQ(got, "");
  ::close(held.back());
  held.pop_back();
  got = ReadUntilClosed(ninth, absl::Seconds(5), &closed);
  EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got;
  ::close(ninth);
  for (int fd : held) ::close(fd);
}

TEST_F(ServerTest, SlowHandlerDoesNotStallOthers) {
  ServerOptions o;
  o.workers = 2;
  StartServer(o);
  std::thread slow([this] {
    auto r = Fetch(Get(base_ + "/slow"));
    EXPECT_TRUE(r.ok() && r->body == "slow done") << r.status();
  });
  while (slow_entered_.load() == 0) absl::SleepFor(absl::Milliseconds(5));
  // The loop and the other worker still serve.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Curl(base_ + "/hello"), "hello 127.0.0.1 q=");
  release_.Notify();
  slow.join();
}

TEST_F(ServerTest, FullQueueIs503) {
  ServerOptions o;
  o.workers = 1;
  o.max_queued = 1;
  StartServer(o);
  std::vector<std::thread> waiting;
  // One running, one queued.
  for (int i = 0; i < 2; ++i) {
    waiting.emplace_back([this] { (void)Fetch(Get(base_ + "/slow")); });
  }
  while (slow_entered_.load() == 0) absl::SleepFor(absl::Milliseconds(5));
  Request second = Get(base_ + "/slow");
  second.timeout = absl::Milliseconds(500);  // until the queue is full, ours may be queued
  // The queue is full once the second request sits in it.
  absl::StatusOr<Response> r;
  for (int i = 0; i < 100; ++i) {
    r = Fetch(second);
    if (r.ok() && r->status == 503) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->Header("Retry-After").value_or(""), "1");
  EXPECT_GE(server_->stats().overloaded, 1u);
  release_.Notify();
  for (std::thread& t : waiting) t.join();
}

TEST_F(ServerTest, UsedPortIsAnError) {
  StartServer({});
  Server second;
  absl::Status s = second.Start("127.0.0.1", server_->port());
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("Address already in use"), std::string::npos) << s;
  EXPECT_EQ(Server().Start("no-such-host.invalid", 0).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ServerTest, StopAnswersAndReturns) {
  StartServer({});
  EXPECT_EQ(Curl(base_ + "/hello"), "hello 127.0.0.1 q=");
  server_->Stop();
  server_->Stop();
  EXPECT_EQ(Fetch(Get(base_ + "/hello")).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace keytrail::http
