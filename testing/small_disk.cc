#include "testing/small_disk.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace keytrail::test {

absl::StatusOr<std::unique_ptr<SmallDisk>> SmallDisk::Mount(const std::string& dir, int megabytes) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::FailedPreconditionError(absl::StrCat("mkdir ", dir, ": ", std::strerror(errno)));
  }
  if (::geteuid() != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("needs root to mount a ", megabytes, " MiB tmpfs"));
  }
  const std::string options = absl::StrCat("size=", megabytes, "m,mode=0700");
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("mount(2) of a tmpfs on ", dir, ": ", std::strerror(errno)));
  }
  return std::unique_ptr<SmallDisk>(new SmallDisk(dir));
}

SmallDisk::~SmallDisk() { ::umount2(dir_.c_str(), MNT_DETACH); }

absl::Status SmallDisk::Fill() {
  const std::string path = dir_ + "/filler";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return absl::InternalError(absl::StrCat("open ", path, ": ", std::strerror(errno)));
  const std::string chunk(1 << 20, 'x');
  for (size_t size = chunk.size(); size > 0; size /= 2) {
    while (::write(fd, chunk.data(), size) == static_cast<ssize_t>(size)) {
    }
  }
  const bool full = errno == ENOSPC;
  ::close(fd);
  if (!full) return absl::InternalError(absl::StrCat("filling ", path, ": ", std::strerror(errno)));
  return absl::OkStatus();
}

absl::Status SmallDisk::Free() {
  const std::string path = dir_ + "/filler";
  if (::unlink(path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("unlink ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace keytrail::test
