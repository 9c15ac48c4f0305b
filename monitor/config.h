// The monitor's configuration file: proto/monitor_config.proto in protobuf
// text format, parsed by protobuf itself and then checked.
//
// Stateless; thread-safe.
#ifndef KEYTRAIL_MONITOR_CONFIG_H_
#define KEYTRAIL_MONITOR_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "proto/monitor_config.pb.h"

namespace keytrail::monitor {

// Parses `text` and checks it: a data_dir; at least one log; each log with
// an origin, a note verifier key that parses and is named after the origin,
// and a gRPC address; no origin twice; peers with a name and a URL.
// Fills poll_interval_ms (1000) when 0. InvalidArgument naming the problem
// (with protobuf's line and column for a syntax error).
absl::StatusOr<v1::MonitorConfig> ParseMonitorConfig(const std::string& text);

// Reads and parses the file. NotFound if it can't be read.
absl::StatusOr<v1::MonitorConfig> LoadMonitorConfig(const std::string& path);

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_CONFIG_H_
