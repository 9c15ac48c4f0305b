#include "core/util/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace keytrail {
namespace {

absl::Status ErrnoError(int err, const std::string& path, const char* op) {
  return absl::ErrnoToStatus(err, absl::StrCat(path, ": ", op));
}

// Closes `fd` when it goes out of scope.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() { ::close(fd_); }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

}  // namespace

absl::StatusOr<std::string> ReadFileToString(const std::string& path, size_t max_size,
                                             FileKind kind) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return ErrnoError(errno, path, "opening");
  FdCloser closer(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoError(errno, path, "stat");
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
  }
  const bool secret = kind == FileKind::kSecret;
  // Room for the size the file has now, plus one byte so that reaching the
  // end is seen without another allocation, up to one byte past the cap so
  // that an oversized file is seen as such.
  const size_t limit = max_size == SIZE_MAX ? max_size : max_size + 1;
  std::string buf(std::min<size_t>(static_cast<size_t>(st.st_size) + 1, limit), '\0');
  size_t size = 0;
  auto fail = [&](absl::Status s) {
    if (secret) WipeString(&buf);
    return s;
  };
  for (;;) {
    if (size == buf.size()) {
      if (buf.size() >= limit) break;  // read one byte past the cap
      // The file grew since fstat: move to a larger buffer, wiping the old.
      std::string bigger(std::min<size_t>(std::max<size_t>(2 * buf.size(), 4096), limit), '\0');
      std::copy(buf.begin(), buf.end(), bigger.begin());
      if (secret) WipeString(&buf);
      buf.swap(bigger);
    }
    const ssize_t n = ::read(fd, &buf[size], buf.size() - size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(ErrnoError(errno, path, "reading"));
    }
    if (n == 0) break;
    size += static_cast<size_t>(n);
  }
  if (size > max_size) {
    return fail(
        absl::InvalidArgumentError(absl::StrCat(path, ": larger than ", max_size, " bytes")));
  }
  if (secret) {
    // Copy out exactly `size` bytes, then wipe the (larger) buffer.
    std::string out(buf.data(), size);
    WipeString(&buf);
    return out;
  }
  buf.resize(size);
  return buf;
}

absl::Status WriteFileDurably(const std::string& path, const std::string& data, mode_t mode) {
  const std::string tmp = path + ".tmp";
  {
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) return ErrnoError(errno, tmp, "creating");
    FdCloser closer(fd);
    // A file left over from a crash keeps its old mode: set the one asked for.
    if (::fchmod(fd, mode) != 0) return ErrnoError(errno, tmp, "chmod");
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoError(errno, tmp, "writing");
      }
      done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) return ErrnoError(errno, tmp, "syncing");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoError(err, path, "renaming over");
  }
  // The rename is durable once the directory holding it is synced.
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return ErrnoError(errno, dir, "opening directory");
  FdCloser dir_closer(dfd);
  if (::fsync(dfd) != 0) return ErrnoError(errno, dir, "syncing directory");
  return absl::OkStatus();
}

}  // namespace keytrail
