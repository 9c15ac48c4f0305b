// `keytrail monitor status --server=HOST:PORT`: prints a monitor's
// MonitorService.GetStatus answer, one block per followed log.
#ifndef KEYTRAIL_CLI_MONITOR_STATUS_COMMAND_H_
#define KEYTRAIL_CLI_MONITOR_STATUS_COMMAND_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace keytrail::cli {

// Runs `monitor` with the arguments after the word "monitor". The gRPC
// status of a failed call is returned (as Unavailable etc.); InvalidArgument
// for a wrong command line.
absl::Status RunMonitorCommand(const std::vector<std::string>& args);

}  // namespace keytrail::cli

#endif  // KEYTRAIL_CLI_MONITOR_STATUS_COMMAND_H_
