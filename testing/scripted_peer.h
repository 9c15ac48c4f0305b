// ScriptedPeer: a misbehaving HTTP peer for tests, on a raw TCP socket on
// 127.0.0.1 (a port the kernel picks). Every accepted connection runs
// `script(fd, head)` on its own thread, where `head` is what the client sent
// up to the end of its request headers (at most 64 KiB); the script writes
// whatever it likes (endless headers, a byte a second, nothing) and returns;
// the connection is closed after. Scripts poll stopping() in their loops.
// The destructor stops accepting, sets stopping(), shuts every connection
// down and joins the threads. Test-only; the script runs concurrently with
// itself for concurrent connections.
#ifndef KEYTRAIL_TESTING_SCRIPTED_PEER_H_
#define KEYTRAIL_TESTING_SCRIPTED_PEER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace keytrail::test {

class ScriptedPeer {
 public:
  using Script = std::function<void(int fd, const std::string& head)>;
  static absl::StatusOr<std::unique_ptr<ScriptedPeer>> Start(Script script);
  ~ScriptedPeer();

  int port() const { return port_; }
  std::string url() const;  // "http://127.0.0.1:PORT"
  bool stopping() const { return stopping_.load(); }
  int connections() const { return connections_.load(); }

  // Writes all of `data`; false once the peer has gone (or on stop).
  static bool SendAll(int fd, absl::string_view data);

 private:
  ScriptedPeer() = default;
  void Accept();

  Script script_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
};

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_SCRIPTED_PEER_H_
