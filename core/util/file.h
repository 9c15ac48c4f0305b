// Reading a whole file into memory, with the error codes keytrail uses and a
// size cap, so that a wrong path (a log, a disk image, a device) is refused
// instead of read whole. Every file keytrail reads whole goes through here
// (key files, TLS certificates and keys, the client's pinned state, tests).
//
// ReadFileToString(path, max_size, kind) returns the file's bytes, or
//  - NotFound: `path` does not exist;
//  - PermissionDenied: no permission to open or read it;
//  - InvalidArgument: `path` is not a regular file (a directory, a FIFO, a
//    device), or the file holds more than `max_size` bytes;
//  - otherwise the code absl::ErrnoToStatus gives the errno (e.g.
//    FailedPrecondition for a path through a non-directory, ENOTDIR).
// Reads interrupted by a signal (EINTR) are retried.
// Messages name the path and what failed, never the contents.
//
// With FileKind::kSecret every buffer the function discards (on failure, or
// when a growing file outgrows the first buffer) is overwritten first; the
// returned string is the caller's to wipe.
//
// WriteFileDurably(path, data, mode) replaces `path` with `data` so that a
// crash at any moment leaves either the old file or the new one, and the new
// one survives a crash once the call returns OK: it writes `path`.tmp
// (created with `mode`, truncated if left over), syncs it, renames it over
// `path` and syncs the directory. On failure it returns the code
// absl::ErrnoToStatus gives the errno (PermissionDenied, NotFound for a
// missing directory, ResourceExhausted for a full disk, ...), with a message
// naming the path and the step; `path` is then unchanged.
//
// Thread-safe (no shared state); two concurrent writers of one path race on
// its .tmp file, so callers serialize writes to one path.
#ifndef KEYTRAIL_CORE_UTIL_FILE_H_
#define KEYTRAIL_CORE_UTIL_FILE_H_

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/util/wipe.h"

namespace keytrail {

enum class FileKind { kPublic, kSecret };

absl::StatusOr<std::string> ReadFileToString(const std::string& path, size_t max_size,
                                             FileKind kind = FileKind::kPublic);

absl::Status WriteFileDurably(const std::string& path, const std::string& data, mode_t mode = 0644);

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_UTIL_FILE_H_
