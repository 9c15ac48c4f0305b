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
// Thread-safe (no shared state).
#ifndef KEYTRAIL_CORE_UTIL_FILE_H_
#define KEYTRAIL_CORE_UTIL_FILE_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "core/util/wipe.h"

namespace keytrail {

enum class FileKind { kPublic, kSecret };

absl::StatusOr<std::string> ReadFileToString(const std::string& path, size_t max_size,
                                             FileKind kind = FileKind::kPublic);

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_UTIL_FILE_H_
