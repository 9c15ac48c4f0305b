// One line per significant event, to stderr:
//   2026-11-28T03:50:03.123Z INFO log_server: epoch 12 committed: ...
// Each line goes out in a single write(2), so lines from several threads
// never interleave. Thread-safe. Nothing secret may be passed in: callers
// log key names and fingerprints, never key material or tokens.
#ifndef KEYTRAIL_CORE_UTIL_LOGGING_H_
#define KEYTRAIL_CORE_UTIL_LOGGING_H_

#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace keytrail {

enum class LogLevel { kInfo, kWarning, kError };

// The program name printed on every line (default "keytrail").
void SetLogProgramName(absl::string_view name);

// Writes one line. A message containing newlines is written with them
// replaced by spaces so that one event stays one line.
void LogLine(LogLevel level, absl::string_view message);

template <typename... Args>
void LogInfo(const absl::FormatSpec<Args...>& format, const Args&... args) {
  LogLine(LogLevel::kInfo, absl::StrFormat(format, args...));
}
template <typename... Args>
void LogWarning(const absl::FormatSpec<Args...>& format, const Args&... args) {
  LogLine(LogLevel::kWarning, absl::StrFormat(format, args...));
}
template <typename... Args>
void LogError(const absl::FormatSpec<Args...>& format, const Args&... args) {
  LogLine(LogLevel::kError, absl::StrFormat(format, args...));
}

// The line LogLine would write at this moment (without the newline), for
// tests.
std::string FormatLogLine(LogLevel level, absl::string_view message);

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_UTIL_LOGGING_H_
