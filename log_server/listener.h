// Listener: the log server's own TCP accept loop, in front of gRPC.
//
// gRPC 1.51's listener stops accepting for good after one failed accept4()
// (e.g. EMFILE when descriptors run out) while health checks on old
// connections still say SERVING, and it binds with SO_REUSEPORT, so a second
// server on the same port silently takes half the connections. So the log
// server binds and accepts itself and hands each accepted socket to gRPC
// (ServerBuilder's ExternalConnectionAcceptor, which also does TLS):
//  - binding never sets SO_REUSEPORT: a used port is an error at start-up;
//  - a failed accept is logged (at most once a minute per kind), waits a
//    little and is retried: the loop never stops until Stop();
//  - connections beyond a bound are closed at once (shed), so gRPC and
//    RocksDB keep the descriptors they need. The bound is on descriptors: an
//    accepted socket whose number is at or above `max_fd` (Linux hands out
//    the lowest free number, so that many descriptors are open) is shed.
//
// Thread-safe: Open() then Start() from one thread; Stop() from any; the
// accept loop runs on its own thread. Owns its sockets.
#ifndef KEYTRAIL_LOG_SERVER_LISTENER_H_
#define KEYTRAIL_LOG_SERVER_LISTENER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace keytrail {

class Listener {
 public:
  // Parses "host:port" ("[v6]:port" for IPv6 literals; an empty host means
  // every address; port 0 lets the OS pick one, the same on every address),
  // resolves the host and binds and listens on each of its addresses.
  // InvalidArgument "--listen ...: ..." for a malformed address or a host
  // that does not resolve; Unavailable naming the address and the system's
  // reason (e.g. "Address already in use") when a bind fails.
  static absl::StatusOr<std::unique_ptr<Listener>> Open(const std::string& address);

  ~Listener();  // Stop()s

  int port() const { return port_; }

  // Starts the accept loop: every accepted socket goes to `hand_off` (which
  // takes ownership of the descriptor), unless its number is >= max_fd (then
  // it is closed and counted as shed). `on_trouble(true)` is called when
  // accepting fails and `on_trouble(false)` when it works again, e.g. to
  // flip the health status. Both callbacks run on the accept thread.
  void Start(std::function<void(int fd)> hand_off, int max_fd,
             std::function<void(bool failing)> on_trouble);

  // Stops the loop and closes the listening sockets. Idempotent.
  void Stop();

  // Connections shed because of the bound, since Start().
  uint64_t shed() const { return shed_.load(); }

 private:
  Listener() = default;
  void Loop();

  std::vector<int> fds_;
  int wake_fd_ = -1;  // eventfd that wakes the loop for Stop()
  int port_ = 0;
  std::function<void(int)> hand_off_;
  std::function<void(bool)> on_trouble_;
  int max_fd_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> shed_{0};
  std::thread thread_;
};

// Raises the soft RLIMIT_NOFILE to the hard limit and returns the new soft
// limit (the old one if it can't be raised).
int RaiseDescriptorLimit();

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_LISTENER_H_
