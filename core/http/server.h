// keytrail::http server: the project's one HTTP server, on libmicrohttpd
// (Debian's libmicrohttpd-dev 0.9.75). Every HTTP endpoint of every role
// (the monitor's witness, monitoring endpoint, metrics and status page; the
// log server's tiles) is served by it, so they all get the same limits:
//
//  - one event loop (epoll, one thread) owns every connection: an idle or
//    slow client costs a descriptor and a small buffer, never a thread;
//  - handlers run on a small worker pool (`workers` threads) with a bounded
//    queue: the loop suspends the connection (MHD_suspend_connection), a
//    worker runs the handler and resumes it, so a slow handler never stalls
//    other connections; a full queue is answered 503 with Retry-After: 1;
//  - per connection, request line and headers must fit in
//    `connection_memory_bytes` (libmicrohttpd answers 431/414 otherwise);
//  - per route, a body cap, enforced while the body arrives whether it is
//    chunked or has a Content-Length: a declared length over the cap gets
//    413 before any body is read; a chunked body that grows over it gets
//    413 and the connection is closed, having kept at most the cap;
//  - `request_deadline`: the request's headers and body must have arrived
//    this long after the connection opened (or after the previous answer on
//    it was sent); otherwise the connection is closed. A slowloris client
//    that trickles header bytes cannot hold a connection longer;
//  - `idle_timeout`: a connection with no traffic for this long is closed;
//  - at most `max_connections` connections, `max_connections_per_ip` from one
//    client address; more are closed on accept.
//
// Routes are registered before Start: exact path, or prefix (longest wins,
// exact before prefix). HEAD is served by the GET route (without body). An
// unknown path gets 404, a known path with another method 405.
//
// Thread safety: Handle*() before Start(), from one thread. Handlers run on
// the worker threads, concurrently; they must be thread-safe and must not
// throw. Stop() from any thread but not from a handler; the destructor
// stops. stats() from any thread.
#ifndef KEYTRAIL_CORE_HTTP_SERVER_H_
#define KEYTRAIL_CORE_HTTP_SERVER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/http/client.h"  // Headers, FindHeader

struct MHD_Daemon;
struct MHD_Connection;

namespace keytrail::http {

struct ServerOptions {
  std::string name = "http";  // in log lines
  int max_connections = 512;
  int max_connections_per_ip = 16;
  size_t connection_memory_bytes = 32 * 1024;
  absl::Duration request_deadline = absl::Seconds(10);
  absl::Duration idle_timeout = absl::Seconds(30);
  int workers = 4;
  int max_queued = 64;
  size_t default_max_body_bytes = 64 * 1024;
};

struct ServerRequest {
  std::string method;  // "GET", "POST", ... (HEAD arrives as GET)
  std::string path;    // percent-decoded, without the query
  Headers query;       // decoded name/value pairs, in order
  Headers headers;
  std::string body;
  std::string peer;  // client address, e.g. "127.0.0.1" or "::1"
  std::optional<std::string> Header(absl::string_view name) const {
    return FindHeader(headers, name);
  }
};

struct ServerResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  Headers headers;  // e.g. Cache-Control, Retry-After
  std::string body;
};

using Handler = std::function<ServerResponse(const ServerRequest&)>;

struct ServerStats {
  uint64_t requests = 0;         // handed to a handler
  uint64_t too_large = 0;        // answered 413
  uint64_t overloaded = 0;       // answered 503: worker queue full
  uint64_t deadline_closed = 0;  // closed by request_deadline
};

class Server {
 public:
  explicit Server(ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // `max_body_bytes` 0 means options.default_max_body_bytes.
  void Handle(const std::string& method, const std::string& path, Handler handler,
              size_t max_body_bytes = 0);
  void HandlePrefix(const std::string& method, const std::string& prefix, Handler handler,
                    size_t max_body_bytes = 0);

  // Binds host:port ("" = every address; port 0 = the kernel picks) and
  // starts serving. InvalidArgument for a host that does not resolve;
  // Unavailable naming the address and the system's reason when it cannot
  // be bound (e.g. "Address already in use"); FailedPrecondition if already
  // started.
  absl::Status Start(const std::string& host, int port);
  int port() const { return port_; }  // the bound port; 0 before Start
  // Stops accepting, answers queued requests 503, waits for running
  // handlers, closes every connection. Idempotent.
  void Stop();

  ServerStats stats() const;

  struct Route {
    std::string method;
    std::string path;
    bool prefix = false;
    Handler handler;
    size_t max_body = 0;
  };
  struct Pending;      // one request in flight (server.cc)
  struct Connection {  // what the deadline sweeper knows of a connection
    int fd = -1;
    absl::Time since;     // when it started waiting for a request
    bool busy = false;    // its request is complete (with a handler or answering)
    bool closed = false;  // shut down by the sweeper already
  };

 private:
  friend struct Callbacks;
  const Route* Find(const std::string& method, const std::string& path, bool* path_known) const;
  void Work();
  void Sweep();

  const ServerOptions options_;
  std::vector<Route> routes_;
  MHD_Daemon* daemon_ = nullptr;
  int listen_fd_ = -1;
  int port_ = 0;

  std::mutex jobs_mu_;
  std::condition_variable jobs_cv_;
  std::deque<std::pair<Pending*, MHD_Connection*>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;

  std::mutex conns_mu_;
  std::condition_variable sweep_cv_;
  std::map<MHD_Connection*, Connection> conns_;
  std::thread sweeper_;

  std::atomic<uint64_t> requests_{0}, too_large_{0}, overloaded_{0}, deadline_closed_{0};
  std::atomic<int64_t> last_log_second_{0};
  std::atomic<int> logs_this_second_{0};
};

}  // namespace keytrail::http

#endif  // KEYTRAIL_CORE_HTTP_SERVER_H_
