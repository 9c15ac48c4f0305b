#include "core/util/logging.h"

#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace keytrail {
namespace {

absl::Mutex name_mutex(absl::kConstInit);
std::string* program_name ABSL_GUARDED_BY(name_mutex) = nullptr;

std::string ProgramName() {
  absl::MutexLock lock(&name_mutex);
  return program_name ? *program_name : "keytrail";
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarning:
      return "WARNING";
    case LogLevel::kError:
      return "ERROR";
  }
  return "?";
}

}  // namespace

void SetLogProgramName(absl::string_view name) {
  absl::MutexLock lock(&name_mutex);
  delete program_name;
  program_name = new std::string(name);
}

std::string FormatLogLine(LogLevel level, absl::string_view message) {
  std::string text(message);
  std::replace(text.begin(), text.end(), '\n', ' ');
  return absl::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()),
                      " ", LevelName(level), " ", ProgramName(), ": ", text);
}

void LogLine(LogLevel level, absl::string_view message) {
  std::string line = FormatLogLine(level, message);
  line.push_back('\n');
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) return;  // nowhere to report a failure to log
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace keytrail
