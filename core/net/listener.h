// Listener: a TCP accept loop of our own in front of gRPC, shared by the
// log server and the monitor.
//
// gRPC 1.51's listener stops accepting for good after one failed accept4()
// (e.g. EMFILE when descriptors run out) while health checks on old
// connections still say SERVING, and it binds with SO_REUSEPORT, so a second
// server on the same port silently takes half the connections. So the
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
#ifndef KEYTRAIL_CORE_NET_LISTENER_H_
#define KEYTRAIL_CORE_NET_LISTENER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace keytrail {

// Splits a listen address "host:port", "[v6]:port" or ":port" (every
// address) into the host (without brackets) and the port (0..65535).
// InvalidArgument "<what> \"<address>\": <why>" otherwise (`what` names the
// setting, e.g. "--tiles_listen"). Every server address setting goes
// through it: the gRPC listener's and core/http's servers'.
absl::Status SplitHostPort(const std::string& what, const std::string& address, std::string* host,
                           int* port);

class Listener {
 public:
  // Parses "host:port" ("[v6]:port" for IPv6 literals; an empty host means
  // every address; port 0 lets the OS pick one, the same on every address),
  // resolves the host and binds and listens on each of its addresses.
  // InvalidArgument "<what> ...: ..." for a malformed address or a host
  // that does not resolve (`what` names the setting, e.g. "--listen");
  // Unavailable naming the address and the system's reason (e.g. "Address
  // already in use") when a bind fails. `limit_setting` is named in the
  // log lines about shed connections and descriptors running out.
  static absl::StatusOr<std::unique_ptr<Listener>> Open(
      const std::string& address, const std::string& what = "--listen",
      const std::string& limit_setting = "--max_connections");

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

  std::string limit_setting_;
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

// The bound to give Listener::Start: raises the descriptor limit, keeps a
// reserve free for the rest of the process (an eighth, at least 64: RocksDB,
// gRPC's internals, HTTP connections, logs) and, with `max_connections` > 0,
// allows at most that many above the descriptors open now.
// FailedPrecondition "only N file descriptors allowed (ulimit -n)..." when
// that leaves 16 or fewer.
struct DescriptorBudget {
  int fd_limit = 0;  // the soft limit after raising it
  int max_fd = 0;    // accepted sockets numbered at or above it are shed
};
absl::StatusOr<DescriptorBudget> ConnectionDescriptorBudget(int64_t max_connections);

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_NET_LISTENER_H_
