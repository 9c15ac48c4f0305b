#include "core/net/listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/util/logging.h"

namespace keytrail {
namespace {

absl::Status BadAddress(const std::string& what, const std::string& address,
                        absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(what, " \"", address, "\": ", why));
}

int BoundPort(int fd) {
  sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

void SetPort(sockaddr* sa, int port) {
  if (sa->sa_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(sa)->sin_port = htons(static_cast<uint16_t>(port));
  } else {
    reinterpret_cast<sockaddr_in6*>(sa)->sin6_port = htons(static_cast<uint16_t>(port));
  }
}

std::string AddressText(const sockaddr* sa, int port) {
  char buf[INET6_ADDRSTRLEN] = "?";
  if (sa->sa_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof(buf));
    return absl::StrCat(buf, ":", port);
  }
  ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof(buf));
  return absl::StrCat("[", buf, "]:", port);
}

// Errors after which accepting again later can work: out of descriptors or
// memory, or a connection that died before we took it.
bool IsTransient(int err) {
  switch (err) {
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM:
    case ECONNABORTED:
    case EPROTO:
    case EPERM:
    case EINTR:
    case EAGAIN:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
      return true;
    default:
      return false;
  }
}

}  // namespace

absl::Status SplitHostPort(const std::string& what, const std::string& address, std::string* host,
                           int* port) {
  std::string port_text;
  if (!address.empty() && address[0] == '[') {
    const size_t close = address.find(']');
    if (close == std::string::npos || close + 1 >= address.size() || address[close + 1] != ':') {
      return BadAddress(what, address, "want [IPv6 address]:port");
    }
    *host = address.substr(1, close - 1);
    port_text = address.substr(close + 2);
  } else {
    const size_t colon = address.rfind(':');
    if (colon == std::string::npos) return BadAddress(what, address, "want host:port");
    *host = address.substr(0, colon);
    if (host->find(':') != std::string::npos) {
      return BadAddress(what, address, "put an IPv6 address in brackets: [::1]:port");
    }
    port_text = address.substr(colon + 1);
  }
  uint32_t p = 0;
  if (port_text.empty() || port_text.size() > 5 ||
      port_text.find_first_not_of("0123456789") != std::string::npos ||
      !absl::SimpleAtoi(port_text, &p) || p > 65535) {
    return BadAddress(what, address, "the port must be a number from 0 to 65535");
  }
  *port = static_cast<int>(p);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Listener>> Listener::Open(const std::string& address,
                                                         const std::string& what,
                                                         const std::string& limit_setting) {
  std::string host;
  int port = 0;
  absl::Status split = SplitHostPort(what, address, &host, &port);
  if (!split.ok()) return split;

  addrinfo hints;
  std::memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_ADDRCONFIG;
  addrinfo* found = nullptr;
  const int gai = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), std::to_string(port).c_str(),
                                &hints, &found);
  if (gai != 0) {
    return BadAddress(what, address,
                      absl::StrCat("can't resolve \"", host, "\": ", ::gai_strerror(gai)));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, &::freeaddrinfo);

  std::unique_ptr<Listener> l(new Listener());
  l->limit_setting_ = limit_setting;
  int bound_port = port;
  std::string skipped;  // why an address family was left out
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    const int fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
      // A host without IPv6 (or IPv4): serve on what it has, as gRPC does
      // for "localhost".
      if (errno == EAFNOSUPPORT) {
        skipped = std::strerror(errno);
        continue;
      }
      return absl::UnavailableError(
          absl::StrCat("can't listen on ", address, ": socket: ", std::strerror(errno)));
    }
    const int one = 1;
    // SO_REUSEADDR lets a restarted server bind while old connections are in
    // TIME_WAIT; unlike SO_REUSEPORT it never lets two listeners share a port.
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    // Each address family gets its own socket, so "::" must not also take
    // IPv4 (that would collide with 0.0.0.0 on the same port).
    if (ai->ai_family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    SetPort(ai->ai_addr, bound_port);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      const int err = errno;
      ::close(fd);
      if (err == EADDRNOTAVAIL && found->ai_next != nullptr) {
        skipped = std::strerror(err);
        continue;
      }
      return absl::UnavailableError(absl::StrCat(
          "can't listen on ", AddressText(ai->ai_addr, bound_port), ": ", std::strerror(err),
          err == EADDRINUSE ? " (another server on this port?)" : ""));
    }
    l->fds_.push_back(fd);
    if (::listen(fd, SOMAXCONN) != 0) {
      return absl::UnavailableError(
          absl::StrCat("can't listen on ", address, ": ", std::strerror(errno)));
    }
    if (bound_port == 0) bound_port = BoundPort(fd);  // the same port on the rest
  }
  if (l->fds_.empty() && !skipped.empty()) {
    return absl::UnavailableError(absl::StrCat("can't listen on ", address, ": ", skipped));
  }
  if (l->fds_.empty()) return BadAddress(what, address, "no IPv4 or IPv6 address");
  l->port_ = bound_port;
  l->wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (l->wake_fd_ < 0) {
    return absl::UnavailableError(absl::StrCat("eventfd: ", std::strerror(errno)));
  }
  return l;
}

Listener::~Listener() {
  Stop();
  for (int fd : fds_) ::close(fd);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void Listener::Start(std::function<void(int)> hand_off, int max_fd,
                     std::function<void(bool)> on_trouble) {
  hand_off_ = std::move(hand_off);
  on_trouble_ = std::move(on_trouble);
  max_fd_ = max_fd;
  thread_ = std::thread([this] { Loop(); });
}

void Listener::Stop() {
  if (stopping_.exchange(true)) {
    return;
  }
  if (wake_fd_ >= 0) {
    const uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof(one));
  }
  if (thread_.joinable()) thread_.join();
}

void Listener::Loop() {
  std::vector<pollfd> polled;
  for (int fd : fds_) polled.push_back({fd, POLLIN, 0});
  polled.push_back({wake_fd_, POLLIN, 0});
  bool failing = false;
  absl::Time last_error_log = absl::InfinitePast();
  absl::Time last_shed_log = absl::InfinitePast();
  uint64_t shed_since_log = 0;
  while (!stopping_.load()) {
    for (auto& p : polled) p.revents = 0;
    const int n = ::poll(polled.data(), polled.size(), 1000);
    if (n < 0 && errno != EINTR) {
      LogError("listener: poll: %s", std::strerror(errno));
      absl::SleepFor(absl::Milliseconds(100));
      continue;
    }
    for (size_t i = 0; i + 1 < polled.size() && !stopping_.load(); ++i) {
      if (polled[i].revents == 0) continue;
      // Drain what is queued on this socket.
      for (int k = 0; k < 64 && !stopping_.load(); ++k) {
        const int fd = ::accept4(polled[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
          const int err = errno;
          if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) break;
          if (!failing) {
            failing = true;
            if (on_trouble_) on_trouble_(true);
          }
          if (absl::Now() - last_error_log >= absl::Minutes(1)) {
            last_error_log = absl::Now();
            LogError("listener: accept failed: %s%s; retrying (connections wait meanwhile)",
                     std::strerror(err),
                     err == EMFILE || err == ENFILE
                         ? absl::StrCat(" (out of file descriptors: raise `ulimit -n` or lower ",
                                        limit_setting_, ")")
                         : "");
          }
          if (!IsTransient(err)) LogError("listener: unexpected accept error %d", err);
          // Back off so a full descriptor table does not spin the CPU; the
          // pending connection stays in the kernel's queue.
          absl::SleepFor(absl::Milliseconds(50));
          break;
        }
        if (failing) {
          failing = false;
          LogInfo("listener: accepting connections again");
          if (on_trouble_) on_trouble_(false);
        }
        if (fd >= max_fd_) {
          ::close(fd);
          shed_.fetch_add(1);
          ++shed_since_log;
          if (absl::Now() - last_shed_log >= absl::Minutes(1)) {
            last_shed_log = absl::Now();
            LogWarning(
                "listener: too many connections: closed %d new ones at once "
                "(limit %s)",
                shed_since_log, limit_setting_);
            shed_since_log = 0;
          }
          continue;
        }
        // gRPC wants a non-blocking socket.
        const int flags = ::fcntl(fd, F_GETFL);
        ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
        hand_off_(fd);
      }
    }
  }
}

int RaiseDescriptorLimit() {
  rlimit r;
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return 1024;
  if (r.rlim_cur < r.rlim_max) {
    rlimit raised = r;
    raised.rlim_cur = r.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) r = raised;
  }
  return r.rlim_cur > 1 << 30 ? 1 << 30 : static_cast<int>(r.rlim_cur);
}

absl::StatusOr<DescriptorBudget> ConnectionDescriptorBudget(int64_t max_connections) {
  DescriptorBudget b;
  b.fd_limit = RaiseDescriptorLimit();
  const int reserve = std::max(64, b.fd_limit / 8);
  b.max_fd = b.fd_limit - reserve;
  if (max_connections > 0) {
    const int baseline = ::dup(0);  // the lowest free descriptor now
    if (baseline >= 0) ::close(baseline);
    b.max_fd =
        static_cast<int>(std::min<int64_t>(b.max_fd, std::max(baseline, 3) + max_connections));
  }
  if (b.max_fd <= 16) {
    return absl::FailedPreconditionError(absl::StrCat(
        "only ", b.fd_limit, " file descriptors allowed (ulimit -n); this server needs more"));
  }
  return b;
}

}  // namespace keytrail
