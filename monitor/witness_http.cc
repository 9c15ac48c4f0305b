#include "monitor/witness_http.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/witness/add_checkpoint.h"

namespace keytrail::monitor {
namespace {

http::ServerResponse FromWitness(const WitnessResponse& w) {
  http::ServerResponse r;
  r.status = w.status;
  r.content_type = w.content_type;
  r.body = w.body;
  if (w.retry_after_seconds > 0) {
    r.headers.emplace_back("Retry-After", std::to_string(w.retry_after_seconds));
  }
  return r;
}

}  // namespace

std::string ParseCheckpointPath(const std::string& path) {
  constexpr size_t kHex = 64;
  const std::string suffix = "/checkpoint";
  if (path.size() != 1 + kHex + suffix.size() || path[0] != '/' || !absl::EndsWith(path, suffix)) {
    return "";
  }
  const std::string hex = path.substr(1, kHex);
  for (char c : hex) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return "";
  }
  return hex;
}

namespace {

constexpr size_t kMaxGetBody = 1024;

}  // namespace

http::ServerOptions WitnessHttpServer::DefaultOptions() {
  http::ServerOptions o;
  o.name = "witness http";
  return o;
}

WitnessHttpServer::WitnessHttpServer(Witness* witness, std::function<std::string()> metrics,
                                     http::ServerOptions options)
    : witness_(witness), metrics_(std::move(metrics)), server_(std::move(options)) {
  server_.Handle(
      "POST", "/add-checkpoint",
      [this](const http::ServerRequest& req) {
        return FromWitness(witness_->AddCheckpoint(req.body));
      },
      witness::kMaxAddCheckpointBody);
  server_.HandlePrefix(
      "GET", "/",
      [this](const http::ServerRequest& req) {
        const std::string hex = ParseCheckpointPath(req.path);
        if (hex.empty()) {
          http::ServerResponse r;
          r.status = 404;
          r.body = "not found\n";
          return r;
        }
        return FromWitness(witness_->CosignedCheckpoint(hex));
      },
      kMaxGetBody);
  server_.Handle(
      "GET", "/metrics",
      [this](const http::ServerRequest&) {
        std::string text = metrics_ ? metrics_() : std::string();
        if (!text.empty() && text.back() != '\n') text.push_back('\n');
        text += witness_->MetricsText();
        text += ServerMetricsText();
        http::ServerResponse r;
        r.content_type = "text/plain; version=0.0.4; charset=utf-8";
        r.body = std::move(text);
        return r;
      },
      kMaxGetBody);
}

WitnessHttpServer::~WitnessHttpServer() { Stop(); }

void WitnessHttpServer::Handle(const std::string& method, const std::string& path,
                               http::Handler handler) {
  server_.Handle(method, path, std::move(handler), kMaxGetBody);
}

void WitnessHttpServer::SetStatusPage(
    std::function<std::string()> page,
    std::function<bool(const std::string& name, std::string* bytes)> evidence) {
  server_.Handle(
      "GET", "/",
      [page = std::move(page)](const http::ServerRequest&) {
        http::ServerResponse r;
        r.content_type = "text/html; charset=utf-8";
        r.headers.emplace_back("Cache-Control", "no-store");
        r.body = page();
        return r;
      },
      kMaxGetBody);
  // The name is only looked up among the evidence the page lists, never
  // used as a path.
  server_.HandlePrefix(
      "GET", "/evidence/",
      [evidence = std::move(evidence)](const http::ServerRequest& req) {
        http::ServerResponse r;
        const std::string name = req.path.substr(std::string("/evidence/").size());
        std::string bytes;
        if (name.empty() || name.find('/') != std::string::npos || !evidence ||
            !evidence(name, &bytes)) {
          r.status = 404;
          r.body = "no such evidence\n";
          return r;
        }
        r.content_type = "application/octet-stream";
        r.headers.emplace_back("Content-Disposition", "attachment");
        r.body = std::move(bytes);
        return r;
      },
      kMaxGetBody);
}

absl::Status WitnessHttpServer::Start(const std::string& host, int port) {
  if (started_) return absl::FailedPreconditionError("witness http: already started");
  started_ = true;
  return server_.Start(host, port);
}

std::string WitnessHttpServer::ServerMetricsText() const {
  const http::ServerStats s = server_.stats();
  return absl::StrCat(
      "# HELP keytrail_monitor_http_requests_total HTTP requests handed to a handler.\n"
      "# TYPE keytrail_monitor_http_requests_total counter\n"
      "keytrail_monitor_http_requests_total ",
      s.requests, "\n",
      "# HELP keytrail_monitor_http_refused_total HTTP requests refused by the server's limits.\n"
      "# TYPE keytrail_monitor_http_refused_total counter\n"
      "keytrail_monitor_http_refused_total{reason=\"body_too_large\"} ",
      s.too_large, "\n", "keytrail_monitor_http_refused_total{reason=\"overloaded\"} ",
      s.overloaded, "\n", "keytrail_monitor_http_refused_total{reason=\"request_deadline\"} ",
      s.deadline_closed, "\n");
}

}  // namespace keytrail::monitor
