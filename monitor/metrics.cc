#include "monitor/metrics.h"

#include "absl/strings/str_cat.h"

namespace keytrail::monitor {
namespace {

// Prometheus label values escape backslash, double quote and newline.
std::string Label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

void Family(std::string* out, const char* name, const char* type, const char* help) {
  absl::StrAppend(out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

}  // namespace

std::string RenderMetrics(const v1::GetStatusResponse& status) {
  std::string out;
  auto each = [&](const char* name, const char* type, const char* help, auto value) {
    Family(&out, name, type, help);
    for (const v1::LogStatus& log : status.logs()) {
      absl::StrAppend(&out, name, "{origin=\"", Label(log.origin()), "\"} ", value(log), "\n");
    }
  };
  each("keytrail_monitor_entries_audited_total", "counter",
       "Log entries replayed and checked since the monitor started.",
       [](const v1::LogStatus& l) { return l.entries_audited(); });
  each("keytrail_monitor_verified_size", "gauge",
       "Entries replayed, checked and proven in a log-signed checkpoint.",
       [](const v1::LogStatus& l) { return l.verified_size(); });
  each("keytrail_monitor_lag_entries", "gauge",
       "Newest checkpoint size seen minus the verified size.",
       [](const v1::LogStatus& l) { return l.lag(); });
  each("keytrail_monitor_evidence", "gauge", "Pieces of evidence of misbehaviour on file.",
       [](const v1::LogStatus& l) { return l.evidence_size(); });
  Family(&out, "keytrail_monitor_state", "gauge", "1 for the log's current audit state.");
  for (const v1::LogStatus& log : status.logs()) {
    for (int s = v1::LogStatus::OK; s <= v1::LogStatus::State_MAX; ++s) {
      absl::StrAppend(&out, "keytrail_monitor_state{origin=\"", Label(log.origin()), "\",state=\"",
                      v1::LogStatus::State_Name(static_cast<v1::LogStatus::State>(s)), "\"} ",
                      log.state() == s ? 1 : 0, "\n");
    }
  }
  Family(&out, "keytrail_monitor_serving", "gauge",
         "1 while the gRPC health service says SERVING (0 while a database fails writes).");
  absl::StrAppend(&out, "keytrail_monitor_serving ", status.serving() ? 1 : 0, "\n");
  Family(&out, "keytrail_monitor_storage_failing", "gauge",
         "1 while writes to this database fail (a full disk): nothing new is audited or "
         "cosigned.");
  for (const v1::StorageStatus& db : status.storage()) {
    absl::StrAppend(&out, "keytrail_monitor_storage_failing{database=\"", Label(db.database()),
                    "\"} ", db.failing() ? 1 : 0, "\n");
  }
  Family(&out, "keytrail_monitor_storage_failed_writes_total", "counter",
         "Writes to this database that failed since the monitor started.");
  for (const v1::StorageStatus& db : status.storage()) {
    absl::StrAppend(&out, "keytrail_monitor_storage_failed_writes_total{database=\"",
                    Label(db.database()), "\"} ", db.failed_writes(), "\n");
  }
  return out;
}

}  // namespace keytrail::monitor
