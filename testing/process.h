// ChildProcess: starts a program for an end-to-end test and controls it
// (signals, waiting), with its stderr captured to a file. Test-only.
//
// The child runs in its own process group so a test can kill everything it
// started. The destructor kills a child that is still running (SIGKILL) and
// reaps it. Not thread-safe.
#ifndef KEYTRAIL_TESTING_PROCESS_H_
#define KEYTRAIL_TESTING_PROCESS_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace keytrail::test {

class ChildProcess {
 public:
  // Starts `program` with `args`; stdout and stderr go to `log_file`.
  // With `die_with_parent`, the kernel sends the child SIGKILL when the
  // thread that started it exits (PR_SET_PDEATHSIG), so a test killed on
  // timeout leaves no daemon behind even though the child has its own
  // process group; start such children from the test's main thread.
  static absl::StatusOr<ChildProcess> Start(const std::string& program,
                                            const std::vector<std::string>& args,
                                            const std::string& log_file,
                                            bool die_with_parent = false);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  void Signal(int signal);
  // Waits for the child to exit; returns its exit status (128 + signal when
  // killed), or DeadlineExceeded after `timeout`.
  absl::StatusOr<int> Wait(absl::Duration timeout);
  bool running() const { return pid_ > 0; }
  // The exit status (as Wait) if the child has exited, without waiting;
  // nullopt while it runs.
  std::optional<int> ExitedStatus();

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_;
};

// Runs a program to completion (stdout+stderr to `log_file`); returns its
// exit status.
absl::StatusOr<int> RunProgram(const std::string& program, const std::vector<std::string>& args,
                               const std::string& log_file,
                               absl::Duration timeout = absl::Seconds(60));

// The path of a runfile of this workspace ("log_server/log_server").
std::string Runfile(const std::string& path);

// A fresh, empty directory under TEST_TMPDIR named after `name` (with a
// number appended when that name is taken, e.g. by an earlier test of the
// same binary).
std::string TempDir(const std::string& name);

// Polls until `path` holds a port number (written by --port_file). With
// `child`, returns FailedPrecondition as soon as the child exits without
// writing it (a refused flag, a taken port) instead of waiting out `timeout`.
absl::StatusOr<int> WaitForPortFile(const std::string& path, absl::Duration timeout,
                                    ChildProcess* child = nullptr);

// The whole file (up to 64 MiB), or "" if it cannot be read (not there yet).
std::string ReadFile(const std::string& path);

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_PROCESS_H_
