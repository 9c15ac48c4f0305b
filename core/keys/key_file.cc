#include "core/keys/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/util/file.h"
#include "core/util/logging.h"

namespace keytrail {
namespace {

absl::Status ErrnoError(int err, absl::string_view op, const std::string& path) {
  return absl::ErrnoToStatus(err, absl::StrCat("key file ", path, ": ", op));
}

absl::Status ContentError(const std::string& path, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat("key file ", path, ": ", reason));
}

// Checks `contents` as a key file's bytes; on success sets *line to the key
// string (a view into contents). The errors say what, never quote.
absl::Status CheckContents(const std::string& path, absl::string_view contents,
                           absl::string_view* line) {
  if (contents.size() > kMaxKeyFileSize) {
    return ContentError(path,
                        absl::StrCat("larger than ", kMaxKeyFileSize, " bytes; not a key file"));
  }
  absl::string_view l = contents;
  if (!l.empty() && l.back() == '\n') l.remove_suffix(1);
  if (l.empty()) return ContentError(path, "is empty");
  for (size_t i = 0; i < l.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(l[i]);
    if (c == '\n') {
      return ContentError(path, "has more than one line; want one key");
    }
    if (c < 0x20) {  // as in notes: key names may hold anything else
      return ContentError(path, absl::StrFormat("control character 0x%02x at byte %d%s", c, i,
                                                c == '\r' ? " (a CRLF line ending?)" : ""));
    }
  }
  *line = l;
  return absl::OkStatus();
}

// 0 on success, else the errno.
int WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

absl::Status SyncDirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, "opening its directory", path);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoError(err, "syncing its directory", path);
  return absl::OkStatus();
}

absl::Status WriteKeyFile(const std::string& path, absl::string_view contents, mode_t mode) {
  absl::string_view line;
  absl::Status valid = CheckContents(path, contents, &line);
  if (!valid.ok()) return valid;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return ErrnoError(errno, "creating", path);
  // From here on the file is ours: remove it if anything fails.
  auto fail = [&](int err, absl::string_view op) {
    ::close(fd);
    ::unlink(path.c_str());
    return ErrnoError(err, op, path);
  };
  if (::fchmod(fd, mode) != 0) return fail(errno, "setting its mode");
  if (const int err = WriteAll(fd, contents); err != 0) {
    return fail(err, "writing");
  }
  if (::fsync(fd) != 0) return fail(errno, "syncing");
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(path.c_str());
    return ErrnoError(err, "closing", path);
  }
  absl::Status synced = SyncDirectoryOf(path);
  if (!synced.ok()) ::unlink(path.c_str());
  return synced;
}

}  // namespace

absl::Status WritePrivateKeyFile(const std::string& path, absl::string_view contents) {
  return WriteKeyFile(path, contents, 0600);
}

absl::Status WritePublicKeyFile(const std::string& path, absl::string_view contents) {
  return WriteKeyFile(path, contents, 0644);
}

absl::StatusOr<std::string> ReadKeyFile(const std::string& path) {
  absl::StatusOr<std::string> contents = ReadFileToString(path, kMaxKeyFileSize, FileKind::kSecret);
  if (!contents.ok()) {
    return absl::Status(contents.status().code(),
                        absl::StrCat("key file ", contents.status().message()));
  }
  absl::StatusOr<std::string> line = KeyFileLine(path, *contents);
  WipeString(&*contents);
  return line;
}

absl::StatusOr<std::string> KeyFileLine(const std::string& path, absl::string_view contents) {
  absl::string_view line;
  absl::Status valid = CheckContents(path, contents, &line);
  if (!valid.ok()) return valid;
  return std::string(line);
}

absl::Status CheckPrivateKeyFileMode(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoError(errno, "stat", path);
  const unsigned mode = st.st_mode & 07777;
  if ((mode & 077) != 0) {
    return absl::FailedPreconditionError(
        absl::StrFormat("key file %s: mode %04o lets group or others access the private key; "
                        "chmod 600 it",
                        path, mode));
  }
  return absl::OkStatus();
}

absl::Status CheckSecretFileMode(const std::string& path, bool allow_insecure) {
  absl::Status mode = CheckPrivateKeyFileMode(path);
  if (mode.code() != absl::StatusCode::kFailedPrecondition) return mode;
  if (allow_insecure) {
    LogWarning("%s (allowed by %s)", mode.message(), kAllowInsecureKeyPermissionsFlag);
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(
      absl::StrCat(mode.message(), " (or pass ", kAllowInsecureKeyPermissionsFlag, ")"));
}

}  // namespace keytrail
