#include "log_server/write_auth.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/crypto/constant_time.h"
#include "core/keys/key_file.h"

namespace keytrail {

absl::StatusOr<WriteAuthorizer> WriteAuthorizer::Create(const std::string& token_file,
                                                        bool client_certificates) {
  std::string token;
  if (!token_file.empty()) {
    auto contents = ReadKeyFile(token_file);
    if (!contents.ok()) return contents.status();
    // ReadKeyFile dropped one final newline and refused control characters
    // (tabs, CRs, further lines). A space would silently become part of the
    // token, and bearer tokens (RFC 6750) never hold one: refuse it rather
    // than guess what the operator meant.
    token = *std::move(contents);
    if (token.find(' ') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("write token in ", token_file,
                       " contains a space (trailing whitespace?); a token is one word"));
    }
    if (token.size() < kMinWriteTokenSize) {
      return absl::InvalidArgumentError(
          absl::StrCat("write token in ", token_file, " is shorter than ", kMinWriteTokenSize,
                       " bytes; use a random token (keytrail keygen token)"));
    }
  }
  return WriteAuthorizer(std::move(token), client_certificates);
}

absl::Status WriteAuthorizer::CheckCredentials(const std::string* authorization,
                                               bool peer_certificate_verified) const {
  if (client_certificates_ && peer_certificate_verified) return absl::OkStatus();
  if (token_.empty() && !client_certificates_) {
    return absl::PermissionDeniedError(
        "this log server accepts no writes: start it with --write_token_file or "
        "--tls_client_ca_file");
  }
  if (authorization == nullptr) {
    return absl::UnauthenticatedError(
        token_.empty() ? "writes need a verified TLS client certificate"
                       : "writes need an \"authorization: Bearer <token>\" header");
  }
  constexpr absl::string_view kBearer = "Bearer ";
  if (token_.empty() || !absl::StartsWith(*authorization, kBearer)) {
    return absl::UnauthenticatedError("authorization header is not a bearer token");
  }
  if (!ConstantTimeEquals(absl::string_view(*authorization).substr(kBearer.size()), token_)) {
    return absl::PermissionDeniedError("wrong write token");
  }
  return absl::OkStatus();
}

absl::Status WriteAuthorizer::Check(const grpc::ServerContextBase& context) const {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  std::string value;
  if (it != metadata.end()) value.assign(it->second.data(), it->second.size());
  auto auth = context.auth_context();
  bool verified = auth != nullptr && auth->IsPeerAuthenticated();
  return CheckCredentials(it == metadata.end() ? nullptr : &value, verified);
}

}  // namespace keytrail
