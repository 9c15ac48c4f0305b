#include "log_server/witness_client.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/http/client.h"
#include "core/note/checkpoint.h"
#include "core/witness/add_checkpoint.h"

namespace keytrail {

absl::StatusOr<MonitorEndpoint> ParseMonitorFlag(absl::string_view value) {
  const size_t first = value.find('=');
  const size_t last = value.rfind('=');
  if (first == absl::string_view::npos || first == last || first == 0) {
    return absl::InvalidArgumentError("--monitors: want NAME=URL=VKEY (URL like http://host:port)");
  }
  std::string url(value.substr(first + 1, last - first - 1));
  if (!absl::StartsWith(url, "http://") && !absl::StartsWith(url, "https://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("--monitors: URL \"", url, "\" must start with http:// or https://"));
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  auto key = note::ParseCosignatureVerifierKey(value.substr(last + 1));
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--monitors ", value.substr(0, first), ": ", key.status().message()));
  }
  return MonitorEndpoint{std::string(value.substr(0, first)), std::move(url), *std::move(key)};
}

WitnessClient::WitnessClient(MonitorEndpoint monitor, absl::Duration timeout)
    : monitor_(std::move(monitor)), timeout_(timeout) {}

WitnessClient::~WitnessClient() = default;

absl::StatusOr<note::NoteSignature> WitnessClient::Push(absl::string_view checkpoint_note,
                                                        uint64_t size,
                                                        const ProofSource& proof_from) {
  auto parsed = note::ParseNote(checkpoint_note);
  if (!parsed.ok()) return parsed.status();
  for (int attempt = 0; attempt <= kMaxResyncs; ++attempt) {
    if (witness_size_ > size) {
      return absl::FailedPreconditionError(absl::StrCat(
          "witness ", monitor_.name, " already cosigned size ", witness_size_, " > ", size));
    }
    const uint64_t old_size = witness_size_;
    std::vector<Hash> proof;
    if (old_size != 0 && old_size != size) {
      auto p = proof_from(old_size);
      if (!p.ok()) return p.status();
      proof = *std::move(p);
    }
    const std::string body = witness::FormatAddCheckpointRequest(old_size, proof, checkpoint_note);
    http::Request req;
    req.method = "POST";
    req.url = monitor_.url + "/add-checkpoint";
    req.content_type = "text/plain; charset=utf-8";
    req.body = body;
    req.timeout = timeout_;
    req.max_response_header_bytes = 16 * 1024;
    req.max_response_body_bytes = witness::kMaxCosignatureResponse;
    auto res = http::Fetch(req);
    if (!res.ok()) {
      const absl::StatusCode code = res.status().code() == absl::StatusCode::kResourceExhausted
                                        ? absl::StatusCode::kResourceExhausted
                                        : absl::StatusCode::kUnavailable;
      return absl::Status(code,
                          absl::StrCat("witness ", monitor_.name, ": ", res.status().message()));
    }
    const int status = res->status;
    if (status == 200) {
      absl::Status shape = witness::CheckSignatureLines(res->body);
      if (!shape.ok()) return shape;
      const note::NoteVerifier* keys[] = {&monitor_.key};
      auto opened = note::OpenNote(absl::StrCat(checkpoint_note, res->body), keys);
      if (!opened.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("witness ", monitor_.name, ": ", opened.status().message()));
      }
      witness_size_ = size;
      return opened->verified.front().signature;
    }
    if (status == 409) {
      auto theirs = witness::ParseTlogSize(res->body);
      if (!theirs.ok()) return theirs.status();
      if (*theirs == old_size) {
        // Same size, another root: the witness holds a fork of this log.
        return absl::FailedPreconditionError(absl::StrCat(
            "witness ", monitor_.name, " holds another checkpoint at size ", old_size));
      }
      witness_size_ = *theirs;
      continue;
    }
    const std::string what = absl::StrCat("witness ", monitor_.name, " answered ", status, ": ",
                                          res->body.substr(0, 200));
    if (status >= 500) return absl::UnavailableError(what);
    return absl::FailedPreconditionError(what);
  }
  return absl::UnavailableError(
      absl::StrCat("witness ", monitor_.name, ": size keeps changing (409)"));
}

}  // namespace keytrail
