// WitnessHttpServer: the monitor's HTTP port (core/http's libmicrohttpd
// server, with its connection, header, body and time limits), serving
//   POST /add-checkpoint          c2sp.org/tlog-witness (Witness::AddCheckpoint)
//   GET  /<hex sha256(origin)>/checkpoint
//                                 the newest checkpoint this witness cosigned
//                                 for that origin (lowercase hex), verbatim
//                                 note with the log's signature and the
//                                 cosignature; 404 if none. tlog-witness
//                                 leaves monitor retrieval "TBD"; this is the
//                                 path form witnesses commonly use.
//   GET  /metrics                 Prometheus text: the monitor's (a callback)
//                                 followed by the witness's counters and the
//                                 HTTP server's.
//   GET  /                        the HTML status page (SetStatusPage)
//   GET  /evidence/<name>         an evidence file the page links, as
//                                 application/octet-stream; 404 otherwise
// and whatever else is added with Handle() before Start (e.g. a status page
// at GET /: an exact path wins over the checkpoint prefix).
// A body above core/witness's kMaxAddCheckpointBody gets 413 from the server
// before the witness sees it (also a chunked one); GET bodies are capped at
// 1 KiB.
//
// Start once, Stop once (the destructor stops a running server). Handlers run
// on the server's worker pool; Witness and the metrics callback must be
// thread-safe and outlive the server.
#ifndef KEYTRAIL_MONITOR_WITNESS_HTTP_H_
#define KEYTRAIL_MONITOR_WITNESS_HTTP_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "core/http/server.h"
#include "monitor/witness.h"

namespace keytrail::monitor {

// "/<64 lowercase hex>/checkpoint" -> the hex; "" for any other path.
// Fuzzed: fuzz/checkpoint_path_fuzzer.cc.
std::string ParseCheckpointPath(const std::string& path);

class WitnessHttpServer {
 public:
  // `metrics` may be empty (only the witness's counters are served).
  WitnessHttpServer(Witness* witness, std::function<std::string()> metrics,
                    http::ServerOptions options = DefaultOptions());
  ~WitnessHttpServer();
  WitnessHttpServer(const WitnessHttpServer&) = delete;
  WitnessHttpServer& operator=(const WitnessHttpServer&) = delete;

  // The monitor's defaults (docs/MONITOR.md, "HTTP limits").
  static http::ServerOptions DefaultOptions();

  // Another route, before Start (see http::Server::Handle).
  void Handle(const std::string& method, const std::string& path, http::Handler handler);

  // Binds `host`:`port` (port 0: one the kernel picks) and serves.
  // Unavailable if the address cannot be bound; InvalidArgument for a host
  // that does not resolve; FailedPrecondition if already started.
  // Serves `page()` at "/" and `evidence(name)` (false: 404) at
  // "/evidence/<name>". Before Start; the callbacks must be thread-safe.
  void SetStatusPage(std::function<std::string()> page,
                     std::function<bool(const std::string& name, std::string* bytes)> evidence);

  absl::Status Start(const std::string& host, int port);
  // The bound port (0 before Start).
  int port() const { return server_.port(); }
  // Stops serving. Idempotent.
  void Stop() { server_.Stop(); }

  // Prometheus text for the HTTP server's own counters.
  std::string ServerMetricsText() const;

 private:
  Witness* const witness_;
  const std::function<std::string()> metrics_;
  http::Server server_;
  bool started_ = false;
};

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_WITNESS_HTTP_H_
