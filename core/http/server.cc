#include "core/http/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/util/logging.h"

namespace keytrail::http {

struct Server::Pending {
  const Route* route = nullptr;
  ServerRequest request;
  bool over_cap = false;  // the body grew over the cap: 413 written, closing
  uint64_t discarded = 0;
  bool dispatched = false;
  bool answered = false;    // a response was queued
  ServerResponse response;  // written by a worker before it resumes
};

namespace {

MHD_Result Queue(MHD_Connection* connection, const ServerResponse& r) {
  MHD_Response* response = MHD_create_response_from_buffer(
      r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  if (!r.content_type.empty()) {
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, r.content_type.c_str());
  }
  for (const auto& [k, v] : r.headers) MHD_add_response_header(response, k.c_str(), v.c_str());
  const MHD_Result ret = MHD_queue_response(connection, static_cast<unsigned>(r.status), response);
  MHD_destroy_response(response);
  return ret;
}

ServerResponse Plain(int status, std::string body) {
  ServerResponse r;
  r.status = status;
  r.body = std::move(body);
  if (r.body.empty() || r.body.back() != '\n') r.body.push_back('\n');
  return r;
}

MHD_Result CollectPair(void* cls, MHD_ValueKind, const char* key, const char* value) {
  static_cast<Headers*>(cls)->emplace_back(key != nullptr ? key : "",
                                           value != nullptr ? value : "");
  return MHD_YES;
}

std::string PeerOf(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (info == nullptr || info->client_addr == nullptr) return "";
  char buf[INET6_ADDRSTRLEN] = "";
  const sockaddr* sa = info->client_addr;
  if (sa->sa_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof(buf));
  } else if (sa->sa_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof(buf));
  }
  return buf;
}

// Body bytes read and dropped after a 413 before the connection is closed.
constexpr uint64_t kMaxDiscard = 1 << 20;

// libmicrohttpd 0.9.75 takes a response only before the first body byte is
// read or after the last (MHD_queue_response fails in between), and a
// chunked body may never end. So a body that grows over its cap gets its 413
// written here, straight to the socket: the library has written nothing on
// this connection for this request and will write nothing more (the
// connection is closed after). The socket is non-blocking; the few bytes
// fit in an empty send buffer.
void Write413(MHD_Connection* connection, size_t cap) {
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
  if (info == nullptr) return;
  const std::string body = absl::StrCat("request body over ", cap, " bytes\n");
  const std::string answer = absl::StrCat(
      "HTTP/1.1 413 Content Too Large\r\nConnection: close\r\n"
      "Content-Type: text/plain; charset=utf-8\r\nContent-Length: ",
      body.size(), "\r\n\r\n", body);
  (void)!::send(info->connect_fd, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

}  // namespace

// libmicrohttpd's C callbacks; `cls` is the Server.
struct Callbacks {
  static void Log(void* cls, const char* format, va_list ap) {
    auto* s = static_cast<Server*>(cls);
    // Hostile clients can make the library complain on every connection:
    // at most 10 lines a second reach the log.
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    if (s->last_log_second_.exchange(now) != now) s->logs_this_second_ = 0;
    if (++s->logs_this_second_ > 10) return;
    char buf[512];
    std::vsnprintf(buf, sizeof(buf), format, ap);
    LogWarning("%s: libmicrohttpd: %s", s->options_.name, buf);
  }

  static void Notify(void* cls, MHD_Connection* connection, void**,
                     MHD_ConnectionNotificationCode code) {
    auto* s = static_cast<Server*>(cls);
    std::lock_guard<std::mutex> lock(s->conns_mu_);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
      const MHD_ConnectionInfo* info =
          MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
      Server::Connection c;
      c.fd = info != nullptr ? info->connect_fd : -1;
      c.since = absl::Now();
      s->conns_[connection] = c;
    } else {
      // Called before the library closes the socket: once erased here the
      // sweeper can no longer touch the descriptor (it holds conns_mu_).
      s->conns_.erase(connection);
    }
  }

  static void Completed(void* cls, MHD_Connection* connection, void** con_cls,
                        MHD_RequestTerminationCode) {
    auto* s = static_cast<Server*>(cls);
    delete static_cast<Server::Pending*>(*con_cls);
    *con_cls = nullptr;
    std::lock_guard<std::mutex> lock(s->conns_mu_);
    auto it = s->conns_.find(connection);
    if (it != s->conns_.end()) {
      it->second.busy = false;
      it->second.since = absl::Now();  // the deadline for the next request starts
    }
  }

  static void SetBusy(Server* s, MHD_Connection* connection) {
    std::lock_guard<std::mutex> lock(s->conns_mu_);
    auto it = s->conns_.find(connection);
    if (it != s->conns_.end()) it->second.busy = true;
  }

  static MHD_Result Answer(void* cls, MHD_Connection* connection, const char* url,
                           const char* method, const char*, const char* upload_data,
                           size_t* upload_data_size, void** con_cls) {
    auto* s = static_cast<Server*>(cls);
    auto* p = static_cast<Server::Pending*>(*con_cls);
    if (p == nullptr) {
      // First call: the headers are in.
      p = new Server::Pending();
      *con_cls = p;
      p->request.method = std::strcmp(method, "HEAD") == 0 ? "GET" : method;
      p->request.path = url;
      bool path_known = false;
      p->route = s->Find(p->request.method, p->request.path, &path_known);
      if (p->route == nullptr) {
        p->answered = true;
        SetBusy(s, connection);
        return Queue(connection,
                     path_known ? Plain(405, "method not allowed") : Plain(404, "not found"));
      }
      MHD_get_connection_values(connection, MHD_HEADER_KIND, &CollectPair, &p->request.headers);
      MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, &CollectPair, &p->request.query);
      p->request.peer = PeerOf(connection);
      const char* length =
          MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
      uint64_t declared = 0;
      if (length != nullptr && absl::SimpleAtoi(length, &declared) &&
          declared > p->route->max_body) {
        // Refused before a byte of the body is read.
        p->answered = true;
        ++s->too_large_;
        SetBusy(s, connection);
        return Queue(connection,
                     Plain(413, absl::StrCat("request body over ", p->route->max_body, " bytes")));
      }
      return MHD_YES;
    }
    if (*upload_data_size != 0) {
      if (!p->answered && p->request.body.size() + *upload_data_size > p->route->max_body) {
        p->over_cap = true;
        p->answered = true;
        std::string().swap(p->request.body);
        ++s->too_large_;
        Write413(connection, p->route->max_body);
      }
      if (p->over_cap) {
        // Read on a little, discarding, so that the client sees the 413
        // before we close (closing with unread data sends a reset, which
        // can destroy the answer in flight); then close.
        p->discarded += *upload_data_size;
        *upload_data_size = 0;
        return p->discarded > kMaxDiscard ? MHD_NO : MHD_YES;
      }
      if (!p->answered) p->request.body.append(upload_data, *upload_data_size);
      *upload_data_size = 0;  // answered early (404, 405, 413): ignored
      return MHD_YES;
    }
    if (p->over_cap) return MHD_NO;  // answered by Write413: close
    // The whole request is in (or a worker has resumed us).
    if (p->answered) return MHD_YES;
    if (p->dispatched) {
      p->answered = true;
      return Queue(connection, p->response);
    }
    SetBusy(s, connection);
    {
      std::lock_guard<std::mutex> lock(s->jobs_mu_);
      if (s->stopping_ || static_cast<int>(s->jobs_.size()) >= s->options_.max_queued) {
        ++s->overloaded_;
        p->answered = true;
        ServerResponse busy = Plain(503, "busy, try again");
        busy.headers.emplace_back("Retry-After", "1");
        return Queue(connection, busy);
      }
      p->dispatched = true;
      // Suspend before a worker can resume (it takes the job after we
      // release the lock).
      MHD_suspend_connection(connection);
      s->jobs_.emplace_back(p, connection);
    }
    s->jobs_cv_.notify_one();
    ++s->requests_;
    return MHD_YES;
  }
};

Server::Server(ServerOptions options) : options_(std::move(options)) {}

Server::~Server() { Stop(); }

void Server::Handle(const std::string& method, const std::string& path, Handler handler,
                    size_t max_body_bytes) {
  routes_.push_back(Route{method, path, false, std::move(handler),
                          max_body_bytes != 0 ? max_body_bytes : options_.default_max_body_bytes});
}

void Server::HandlePrefix(const std::string& method, const std::string& prefix, Handler handler,
                          size_t max_body_bytes) {
  routes_.push_back(Route{method, prefix, true, std::move(handler),
                          max_body_bytes != 0 ? max_body_bytes : options_.default_max_body_bytes});
}

const Server::Route* Server::Find(const std::string& method, const std::string& path,
                                  bool* path_known) const {
  const Route* best = nullptr;
  *path_known = false;
  for (const Route& r : routes_) {
    const bool match = r.prefix ? path.compare(0, r.path.size(), r.path) == 0 : path == r.path;
    if (!match) continue;
    *path_known = true;
    if (r.method != method) continue;
    if (!r.prefix) return &r;
    if (best == nullptr || r.path.size() > best->path.size()) best = &r;
  }
  return best;
}

absl::Status Server::Start(const std::string& host, int port) {
  if (daemon_ != nullptr) return absl::FailedPreconditionError("http server already started");
  addrinfo hints;
  std::memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const int gai = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), std::to_string(port).c_str(),
                                &hints, &found);
  if (gai != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(options_.name, ": can't resolve \"", host, "\": ", ::gai_strerror(gai)));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, &::freeaddrinfo);
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat(options_.name, ": socket: ", std::strerror(errno)));
  }
  const int one = 1;
  // SO_REUSEADDR (restart while old connections sit in TIME_WAIT), never
  // SO_REUSEPORT: a second server on a used port must fail here.
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
    const int err = errno;
    ::close(fd);
    return absl::UnavailableError(absl::StrCat(options_.name, ": can't listen on ", host, ":", port,
                                               ": ", std::strerror(err)));
  }
  sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  port_ = ntohs(ss.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                        : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  listen_fd_ = fd;

  stopping_ = false;
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { Work(); });
  const unsigned idle_s =
      static_cast<unsigned>(std::max<int64_t>(1, absl::ToInt64Seconds(options_.idle_timeout)));
  daemon_ = MHD_start_daemon(
      MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, nullptr,
      nullptr, &Callbacks::Answer, this, MHD_OPTION_EXTERNAL_LOGGER, &Callbacks::Log,
      this,  // first, or some lines go to stderr
      MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
      static_cast<unsigned>(options_.max_connections), MHD_OPTION_PER_IP_CONNECTION_LIMIT,
      static_cast<unsigned>(options_.max_connections_per_ip), MHD_OPTION_CONNECTION_MEMORY_LIMIT,
      options_.connection_memory_bytes, MHD_OPTION_CONNECTION_TIMEOUT, idle_s,
      MHD_OPTION_NOTIFY_COMPLETED, &Callbacks::Completed, this, MHD_OPTION_NOTIFY_CONNECTION,
      &Callbacks::Notify, this, MHD_OPTION_END);
  if (daemon_ == nullptr) {
    Stop();
    return absl::UnavailableError(absl::StrCat(options_.name, ": libmicrohttpd did not start"));
  }
  sweeper_ = std::thread([this] { Sweep(); });
  LogInfo("%s: listening on %s:%d", options_.name, host, port_);
  return absl::OkStatus();
}

void Server::Work() {
  for (;;) {
    std::pair<Pending*, MHD_Connection*> job;
    {
      std::unique_lock<std::mutex> lock(jobs_mu_);
      jobs_cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, nothing left
      job = jobs_.front();
      jobs_.pop_front();
    }
    Pending* p = job.first;
    bool stopping;
    {
      std::lock_guard<std::mutex> lock(jobs_mu_);
      stopping = stopping_;
    }
    if (stopping) {
      p->response = Plain(503, "shutting down");
    } else {
      p->response = p->route->handler(p->request);
    }
    MHD_resume_connection(job.second);
  }
}

void Server::Sweep() {
  std::unique_lock<std::mutex> lock(conns_mu_);
  while (!sweep_cv_.wait_for(lock, std::chrono::milliseconds(250),
                             [this] { return daemon_ == nullptr; })) {
    const absl::Time cutoff = absl::Now() - options_.request_deadline;
    for (auto& [connection, c] : conns_) {
      if (c.busy || c.closed || c.fd < 0 || c.since > cutoff) continue;
      // The library still owns (and will close) the descriptor: shutdown
      // makes its next read see the end, and it closes the connection.
      ++deadline_closed_;
      c.closed = true;
      ::shutdown(c.fd, SHUT_RDWR);
    }
  }
}

void Server::Stop() {
  {
    std::lock_guard<std::mutex> lock(jobs_mu_);
    stopping_ = true;
  }
  jobs_cv_.notify_all();
  // Workers answer what is queued with 503 and resume every connection
  // before the daemon goes (it must not stop with suspended connections).
  for (std::thread& t : workers_) t.join();
  workers_.clear();
  MHD_Daemon* d = nullptr;
  {
    std::lock_guard<std::mutex> lock(conns_mu_);
    d = daemon_;
    daemon_ = nullptr;
  }
  sweep_cv_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
  if (d != nullptr) {
    // Quiescing hands the listening socket back to us (we close it below);
    // if that fails the library closes it itself.
    if (MHD_quiesce_daemon(d) < 0) listen_fd_ = -1;
    MHD_stop_daemon(d);
  }
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
}

ServerStats Server::stats() const {
  return ServerStats{requests_.load(), too_large_.load(), overloaded_.load(),
                     deadline_closed_.load()};
}

}  // namespace keytrail::http
