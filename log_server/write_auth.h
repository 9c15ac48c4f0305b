// WriteAuthorizer: decides whether a call may write (Update, BatchUpdate).
//
// Two credentials, either of which suffices when configured:
//   - a bearer token: metadata "authorization: Bearer <token>", compared in
//     constant time with the token read from a file at start-up;
//   - a TLS client certificate that verified against the configured CA
//     (the listener then asks every client for a certificate but only
//     writers need one; reads stay public).
// With neither configured every write is refused: a log must never accept
// anonymous updates by accident.
//
// Check() returns OK, UNAUTHENTICATED (no credential presented) or
// PERMISSION_DENIED (a wrong token). The token is never logged. Immutable
// after construction; thread-safe.
#ifndef KEYTRAIL_LOG_SERVER_WRITE_AUTH_H_
#define KEYTRAIL_LOG_SERVER_WRITE_AUTH_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"

namespace keytrail {

// Tokens shorter than this are refused as guessable.
constexpr size_t kMinWriteTokenSize = 16;

class WriteAuthorizer {
 public:
  // token_file may be empty (no token). The token is the file's one line
  // without its final newline (ReadKeyFile). InvalidArgument for a token
  // file that is empty, holds more than one line or a control character,
  // contains a space (so trailing whitespace never becomes part of the
  // token, and all-space tokens are refused), or is shorter than
  // kMinWriteTokenSize bytes; NotFound/PermissionDenied when it can't be
  // read. The file's mode is the caller's business (LogServer::Start).
  static absl::StatusOr<WriteAuthorizer> Create(const std::string& token_file,
                                                bool client_certificates);

  absl::Status Check(const grpc::ServerContextBase& context) const;
  // The check on the raw "authorization" value and whether the peer has a
  // verified client certificate; Check() extracts both from the context.
  absl::Status CheckCredentials(const std::string* authorization,
                                bool peer_certificate_verified) const;

 private:
  WriteAuthorizer(std::string token, bool client_certificates)
      : token_(std::move(token)), client_certificates_(client_certificates) {}
  std::string token_;
  bool client_certificates_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_WRITE_AUTH_H_
