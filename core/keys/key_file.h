// Key files: one key string per file, on one line, optionally ending in a
// single "\n" (the format of the `keygen` output and of Go's note keys).
//
// Writers create the file with O_CREAT|O_EXCL (an existing file, or a
// symlink, at `path` is never overwritten or followed), set the mode exactly
// (fchmod, so the umask cannot loosen or tighten it), write, fsync the file,
// then fsync its directory so the new name is durable. On any failure after
// creating the file they remove it: a half-written key is worse than none.
//
// Error codes (messages always name the path, never the file's contents):
//  - NotFound: the file (reader) or its directory (writer) does not exist;
//  - PermissionDenied: no permission, or a read-only file system;
//  - AlreadyExists: a writer found something at `path`;
//  - InvalidArgument: contents that are empty, larger than kMaxKeyFileSize,
//    more than one line, or contain a control character (a CRLF ending is
//    one), or a path that is not a regular file (reader);
//  - ResourceExhausted: no space or quota (writer);
//  - otherwise the code absl::ErrnoToStatus gives the errno.
// All functions are thread-safe (they share no state), but two writers to
// one path race like any file creation: one gets AlreadyExists.
#ifndef KEYTRAIL_CORE_KEYS_KEY_FILE_H_
#define KEYTRAIL_CORE_KEYS_KEY_FILE_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace keytrail {

// Key strings are well under 1 KiB; post-quantum keys a few KiB. The cap
// keeps a wrong path (a log, a disk image) from being read whole.
constexpr size_t kMaxKeyFileSize = 64 * 1024;

// Creates `path` with mode 0600 holding `contents` (a key string, with or
// without its final "\n"; written as given). InvalidArgument, before
// touching the file system, if ReadKeyFile would not accept `contents`.
absl::Status WritePrivateKeyFile(const std::string& path, absl::string_view contents);

// The same with mode 0644.
absl::Status WritePublicKeyFile(const std::string& path, absl::string_view contents);

// The key string in `path`, without its final newline.
absl::StatusOr<std::string> ReadKeyFile(const std::string& path);

// What ReadKeyFile does with the bytes it read: the key string in a key
// file's `contents` (named `path` in errors), or the InvalidArgument
// ReadKeyFile returns for them (empty, oversized, more than one line, a
// control character). For callers that hold the bytes already (and fuzzing).
absl::StatusOr<std::string> KeyFileLine(const std::string& path, absl::string_view contents);

// OK if group and others have no access to `path` (mode & 077 == 0).
// FailedPrecondition otherwise, naming the mode: callers warn (ssh refuses;
// we leave that to the caller, since e.g. mounted secrets are often 0644).
// NotFound / PermissionDenied as above.
absl::Status CheckPrivateKeyFileMode(const std::string& path);

// The flag of every keytrail program that reads secret files (log_server,
// monitor, the keytrail tool), named in CheckSecretFileMode's refusal.
constexpr char kAllowInsecureKeyPermissionsFlag[] = "--allow_insecure_key_permissions";

// The one rule every program applies before reading a file that holds a
// secret (a private key, a write token): group and others must have no
// access to it.
//  - OK when CheckPrivateKeyFileMode is OK;
//  - when group or others have access: FailedPrecondition "<the mode
//    message> (or pass --allow_insecure_key_permissions)", unless
//    `allow_insecure`: then one warning line (core/util/logging.h, naming
//    the path and mode, never the contents) and OK;
//  - NotFound / PermissionDenied / other stat errors as CheckPrivateKeyFileMode
//    returns them (naming the path).
// Thread-safe.
absl::Status CheckSecretFileMode(const std::string& path, bool allow_insecure);

}  // namespace keytrail

#endif  // KEYTRAIL_CORE_KEYS_KEY_FILE_H_
