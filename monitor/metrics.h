// The Prometheus text exposition of a monitor's status, for /metrics (the
// witness engineer's HTTP server calls a std::function<std::string()> that
// returns it and appends its own counters in the same format).
//
// Metrics, each labelled origin="<log origin>":
//   keytrail_monitor_entries_audited_total  counter: entries replayed since start
//   keytrail_monitor_verified_size          gauge: entries verified
//   keytrail_monitor_lag_entries            gauge: newest checkpoint size - verified
//   keytrail_monitor_evidence               gauge: pieces of evidence on file
//   keytrail_monitor_state                  gauge: 1 for the current state,
//                                           0 for the others (label state=)
// and, for the monitor as a whole:
//   keytrail_monitor_serving                gauge: 1 while gRPC health is SERVING
// and, labelled database="<name>" (monitor/storage_health.h):
//   keytrail_monitor_storage_failing        gauge: 1 while its writes fail
//   keytrail_monitor_storage_failed_writes_total  counter: failed writes since start
//
// Pure function: thread-safe.
#ifndef KEYTRAIL_MONITOR_METRICS_H_
#define KEYTRAIL_MONITOR_METRICS_H_

#include <string>

#include "proto/monitor_service.pb.h"

namespace keytrail::monitor {

std::string RenderMetrics(const v1::GetStatusResponse& status);

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_METRICS_H_
