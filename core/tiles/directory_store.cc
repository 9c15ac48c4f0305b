#include "core/tiles/directory_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "core/tiles/tile_path.h"
#include "core/util/file.h"

namespace keytrail {
namespace tiles {
namespace {

// The store's codes for an errno (see the header).
absl::Status IoError(int err, absl::string_view step, absl::string_view path) {
  std::string message = absl::StrCat(step, " ", path, ": ", strerror(err));
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(absl::StrCat("disk full: ", message));
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(message);
    default:
      return absl::UnavailableError(message);
  }
}

absl::Status SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError(errno, "opening directory", dir);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return IoError(err, "syncing directory", dir);
  return absl::OkStatus();
}

std::string Parent(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// mkdir -p below `root` (which exists): each directory made is synced into
// its parent, so a file later synced in it survives a crash.
absl::Status MakeDirs(const std::string& root, const std::string& dir) {
  if (dir.size() <= root.size()) return absl::OkStatus();
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat(dir, " exists and is not a directory"));
  }
  absl::Status parent = MakeDirs(root, Parent(dir));
  if (!parent.ok()) return parent;
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return IoError(errno, "making directory", dir);
  }
  return SyncDir(Parent(dir));
}

// Writes and syncs a new file; on failure removes it.
absl::Status WriteSynced(const std::string& path, absl::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return IoError(errno, "creating", path);
  absl::Status status;
  size_t done = 0;
  while (status.ok() && done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      status = IoError(errno, "writing", path);
    else
      done += static_cast<size_t>(n);
  }
  if (status.ok() && ::fsync(fd) != 0) status = IoError(errno, "syncing", path);
  if (::close(fd) != 0 && status.ok()) status = IoError(errno, "closing", path);
  if (!status.ok()) ::unlink(path.c_str());
  return status;
}

}  // namespace

absl::StatusOr<std::unique_ptr<DirectoryTileStore>> DirectoryTileStore::Open(
    const std::string& root_in) {
  std::string root = root_in;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (root.empty()) return absl::InvalidArgumentError("tile directory: empty path");
  // The root's own parents: "/" exists; make the rest.
  absl::Status made = MakeDirs("", root);
  if (!made.ok()) return made;
  const std::string tmp = root + "/.tmp";
  made = MakeDirs(root, tmp);
  if (!made.ok()) return made;
  // Temporary files a crash left behind (never visible at a tile path).
  if (DIR* d = ::opendir(tmp.c_str())) {
    while (struct dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') ::unlink((tmp + "/" + e->d_name).c_str());
    }
    ::closedir(d);
  }
  return std::unique_ptr<DirectoryTileStore>(new DirectoryTileStore(root, /*read_only=*/false));
}

absl::StatusOr<std::unique_ptr<DirectoryTileStore>> DirectoryTileStore::OpenReadOnly(
    const std::string& root_in) {
  std::string root = root_in;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (root.empty()) return absl::InvalidArgumentError("tile directory: empty path");
  struct stat st;
  if (::stat(root.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat("tile directory ", root, " does not exist"));
    }
    return IoError(errno, "examining", root);
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat("tile directory ", root, " is not a directory"));
  }
  return std::unique_ptr<DirectoryTileStore>(new DirectoryTileStore(root, /*read_only=*/true));
}

absl::Status DirectoryTileStore::Put(absl::string_view path, absl::string_view bytes,
                                     ObjectKind kind) {
  if (read_only_) {
    return absl::FailedPreconditionError(
        absl::StrCat("tile directory ", root_, " is opened read-only: not writing ", path));
  }
  auto id = ParseObjectPath(path);
  if (!id.ok()) return id.status();
  const std::string full = absl::StrCat(root_, "/", path);
  const std::string dir = Parent(full);
  absl::Status made = MakeDirs(root_, dir);
  if (!made.ok()) return made;
  const std::string temp = absl::StrCat(root_, "/.tmp/", ::getpid(), "-", next_temp_.fetch_add(1));
  absl::Status written = WriteSynced(temp, bytes);
  if (!written.ok()) return written;
  if (kind == ObjectKind::kMutable) {
    if (::rename(temp.c_str(), full.c_str()) != 0) {
      const int err = errno;
      ::unlink(temp.c_str());
      return IoError(err, "renaming into", full);
    }
  } else {
    // link(2) never replaces: the create-only check and the creation are one step.
    const int rc = ::link(temp.c_str(), full.c_str());
    const int err = errno;
    ::unlink(temp.c_str());
    if (rc != 0 && err != EEXIST) return IoError(err, "linking", full);
    if (rc != 0) {
      auto existing = ReadFileToString(full, kMaxObjectBytes);
      if (!existing.ok()) {
        return absl::UnavailableError(
            absl::StrCat("reading the existing ", full, ": ", existing.status().message()));
      }
      if (*existing != bytes) {
        return absl::FailedPreconditionError(
            absl::StrCat(full, " exists with other contents (", existing->size(), " bytes, not ",
                         bytes.size(), "): not overwriting an immutable tile"));
      }
      // Identical: a retry after a crash. Its directory entry may not have
      // been synced yet; syncing again is cheap and makes OK mean durable.
    }
  }
  return SyncDir(dir);
}

absl::StatusOr<std::string> DirectoryTileStore::Get(absl::string_view path) {
  auto id = ParseObjectPath(path);
  if (!id.ok()) return id.status();
  const std::string full = absl::StrCat(root_, "/", path);
  auto read = ReadFileToString(full, kMaxObjectBytes);
  if (read.ok()) return read;
  switch (read.status().code()) {
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kPermissionDenied:
      return read.status();
    case absl::StatusCode::kInvalidArgument:  // too large, or not a file
      return absl::DataLossError(read.status().message());
    default:
      return absl::UnavailableError(read.status().message());
  }
}

}  // namespace tiles
}  // namespace keytrail
