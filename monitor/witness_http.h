// WitnessHttpServer: the monitor's HTTP listener (cpp-httplib), serving
//   POST /add-checkpoint          c2sp.org/tlog-witness (Witness::AddCheckpoint)
//   GET  /<hex sha256(origin)>/checkpoint
//                                 the newest checkpoint this witness cosigned
//                                 for that origin (lowercase hex), verbatim
//                                 note with the log's signature and the
//                                 cosignature; 404 if none. tlog-witness
//                                 leaves monitor retrieval "TBD"; this is the
//                                 path form witnesses commonly use.
//   GET  /metrics                 Prometheus text: the monitor's (a callback)
//                                 followed by the witness's counters.
//   GET  /                        the HTML status page (SetStatusPage)
//   GET  /evidence/<name>         an evidence file the page links, as
//                                 application/octet-stream; 404 otherwise
// Bodies above core/witness's kMaxAddCheckpointBody get 413 from the library
// before the witness sees them.
//
// Start once, Stop once (the destructor stops a running server). Handlers run
// on the library's thread pool; Witness and the metrics callback must be
// thread-safe and outlive the server.
#ifndef KEYTRAIL_MONITOR_WITNESS_HTTP_H_
#define KEYTRAIL_MONITOR_WITNESS_HTTP_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "monitor/witness.h"

namespace httplib {
class Server;
}

namespace keytrail::monitor {

class WitnessHttpServer {
 public:
  // `metrics` may be empty (only the witness's counters are served).
  WitnessHttpServer(Witness* witness, std::function<std::string()> metrics);
  ~WitnessHttpServer();
  WitnessHttpServer(const WitnessHttpServer&) = delete;
  WitnessHttpServer& operator=(const WitnessHttpServer&) = delete;

  // Serves `page()` at "/" and `evidence(name)` (false: 404) at
  // "/evidence/<name>". Before Start; the callbacks must be thread-safe.
  void SetStatusPage(std::function<std::string()> page,
                     std::function<bool(const std::string& name, std::string* bytes)> evidence) {
    status_page_ = std::move(page);
    evidence_ = std::move(evidence);
  }

  // Binds `host`:`port` (port 0: one the kernel picks) and serves on a
  // background thread. Unavailable if the address cannot be bound;
  // FailedPrecondition if already started.
  absl::Status Start(const std::string& host, int port);
  // The bound port (0 before Start).
  int port() const { return port_; }
  // Stops serving and joins the thread. Idempotent.
  void Stop();

 private:
  Witness* const witness_;
  const std::function<std::string()> metrics_;
  std::function<std::string()> status_page_;
  std::function<bool(const std::string&, std::string*)> evidence_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<bool> listen_returned_{false};
  int port_ = 0;
};

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_WITNESS_HTTP_H_
