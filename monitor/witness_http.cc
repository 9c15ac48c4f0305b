#include "monitor/witness_http.h"

#include <chrono>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/util/logging.h"
#include "core/witness/add_checkpoint.h"
#include "httplib.h"

namespace keytrail::monitor {
namespace {

void Send(const WitnessResponse& w, httplib::Response& res) {
  res.status = w.status;
  if (w.retry_after_seconds > 0) {
    res.set_header("Retry-After", std::to_string(w.retry_after_seconds));
  }
  res.set_content(w.body, w.content_type.c_str());
}

}  // namespace

WitnessHttpServer::WitnessHttpServer(Witness* witness,
                                     std::function<std::string()> metrics)
    : witness_(witness),
      metrics_(std::move(metrics)),
      server_(std::make_unique<httplib::Server>()) {}

WitnessHttpServer::~WitnessHttpServer() { Stop(); }

absl::Status WitnessHttpServer::Start(const std::string& host, int port) {
  if (thread_.joinable() || port_ != 0) {
    return absl::FailedPreconditionError("witness http: already started");
  }
  httplib::Server& s = *server_;
  s.set_payload_max_length(witness::kMaxAddCheckpointBody);
  s.set_read_timeout(10);
  s.set_write_timeout(10);
  // The library writes headers and body separately; with Nagle's algorithm
  // and the peer's delayed ACK each answer stalled ~40 ms (add-checkpoint
  // p50 90 ms for an already audited checkpoint, bench/witness_push_bench).
  s.set_tcp_nodelay(true);
  s.Post("/add-checkpoint",
         [this](const httplib::Request& req, httplib::Response& res) {
           Send(witness_->AddCheckpoint(req.body), res);
         });
  s.Get(R"(/([0-9a-f]{64})/checkpoint)",
        [this](const httplib::Request& req, httplib::Response& res) {
          Send(witness_->CosignedCheckpoint(req.matches[1].str()), res);
        });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    std::string text = metrics_ ? metrics_() : std::string();
    if (!text.empty() && text.back() != '\n') text.push_back('\n');
    text += witness_->MetricsText();
    res.set_content(text, "text/plain; version=0.0.4; charset=utf-8");
  });
  if (status_page_) {
    s.Get("/", [this](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "no-store");
      res.set_content(status_page_(), "text/html; charset=utf-8");
    });
    // The name is only looked up among the evidence the page lists, never
    // used as a path.
    s.Get(R"(/evidence/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      std::string bytes;
      if (!evidence_ || !evidence_(req.matches[1].str(), &bytes)) {
        res.status = 404;
        res.set_content("no such evidence\n", "text/plain; charset=utf-8");
        return;
      }
      res.set_header("Content-Disposition", "attachment");
      res.set_content(bytes, "application/octet-stream");
    });
  }
  if (port == 0) {
    port_ = s.bind_to_any_port(host);
    if (port_ < 0) port_ = 0;
  } else if (s.bind_to_port(host, port)) {
    port_ = port;
  }
  if (port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("witness http: cannot bind ", host, ":", port));
  }
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    listen_returned_ = true;
  });
  LogInfo("witness http: listening on %s:%d", host, port_);
  return absl::OkStatus();
}

void WitnessHttpServer::Stop() {
  if (!thread_.joinable()) return;
  // stop() only acts on a running server: wait for the thread to get there
  // (or to have given up) so the join cannot hang.
  while (!server_->is_running() && !listen_returned_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server_->stop();
  thread_.join();
}

}  // namespace keytrail::monitor
