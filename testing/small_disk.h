// SmallDisk: a small tmpfs mounted for an end-to-end test of a full disk
// with real binaries, which the test fills and frees on demand (the
// in-process alternative is testing/full_disk.h). Mounting needs root and
// mount(2); Mount says why not, so the test can skip. Test-only; not
// thread-safe.
#ifndef KEYTRAIL_TESTING_SMALL_DISK_H_
#define KEYTRAIL_TESTING_SMALL_DISK_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace keytrail::test {

class SmallDisk {
 public:
  // Mounts a tmpfs of `megabytes` MiB (mode 0700) on `dir`, made if
  // missing. FailedPrecondition naming the cause when not root or when
  // mount(2) fails.
  static absl::StatusOr<std::unique_ptr<SmallDisk>> Mount(const std::string& dir, int megabytes);
  ~SmallDisk();  // unmounts (lazily: a process may still hold files on it)

  const std::string& path() const { return dir_; }
  // Writes a filler file until the file system refuses a single byte more.
  // Internal if it never did.
  absl::Status Fill();
  // Deletes the filler.
  absl::Status Free();

 private:
  explicit SmallDisk(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_SMALL_DISK_H_
