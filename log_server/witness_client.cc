#include "log_server/witness_client.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/note/checkpoint.h"
#include "core/witness/add_checkpoint.h"
#include "httplib.h"

namespace keytrail {

absl::StatusOr<MonitorEndpoint> ParseMonitorFlag(absl::string_view value) {
  const size_t first = value.find('=');
  const size_t last = value.rfind('=');
  if (first == absl::string_view::npos || first == last || first == 0) {
    return absl::InvalidArgumentError(
        "--monitors: want NAME=URL=VKEY (URL like http://host:port)");
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
    : monitor_(std::move(monitor)) {
  // Split "scheme://host:port/prefix" into the client's base and the path.
  const size_t scheme_end = monitor_.url.find("://");
  const size_t path_start = monitor_.url.find('/', scheme_end + 3);
  std::string base = monitor_.url.substr(0, path_start);
  if (path_start != std::string::npos) path_prefix_ = monitor_.url.substr(path_start);
  client_ = std::make_unique<httplib::Client>(base);
  const int64_t usec = absl::ToInt64Microseconds(timeout);
  client_->set_connection_timeout(usec / 1000000, usec % 1000000);
  client_->set_read_timeout(usec / 1000000, usec % 1000000);
  client_->set_write_timeout(usec / 1000000, usec % 1000000);
  client_->set_keep_alive(true);  // the spec asks clients to
  // Headers and body are written separately: without this, Nagle's
  // algorithm and the witness's delayed ACK stall each push ~40 ms.
  client_->set_tcp_nodelay(true);
}

WitnessClient::~WitnessClient() = default;

absl::StatusOr<note::NoteSignature> WitnessClient::Push(
    absl::string_view checkpoint_note, uint64_t size, const ProofSource& proof_from) {
  auto parsed = note::ParseNote(checkpoint_note);
  if (!parsed.ok()) return parsed.status();
  for (int attempt = 0; attempt <= kMaxResyncs; ++attempt) {
    if (witness_size_ > size) {
      return absl::FailedPreconditionError(absl::StrCat(
          "witness ", monitor_.name, " already cosigned size ", witness_size_,
          " > ", size));
    }
    const uint64_t old_size = witness_size_;
    std::vector<Hash> proof;
    if (old_size != 0 && old_size != size) {
      auto p = proof_from(old_size);
      if (!p.ok()) return p.status();
      proof = *std::move(p);
    }
    const std::string body =
        witness::FormatAddCheckpointRequest(old_size, proof, checkpoint_note);
    httplib::Result res = client_->Post(
        (path_prefix_ + "/add-checkpoint").c_str(), body, "text/plain; charset=utf-8");
    if (!res) {
      return absl::UnavailableError(absl::StrCat(
          "witness ", monitor_.name, ": ", httplib::to_string(res.error())));
    }
    const int status = res->status;
    if (status == 200) {
      absl::Status shape = witness::CheckSignatureLines(res->body);
      if (!shape.ok()) return shape;
      const note::NoteVerifier* keys[] = {&monitor_.key};
      auto opened = note::OpenNote(absl::StrCat(checkpoint_note, res->body), keys);
      if (!opened.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "witness ", monitor_.name, ": ", opened.status().message()));
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
    const std::string what = absl::StrCat("witness ", monitor_.name, " answered ",
                                          status, ": ", res->body.substr(0, 200));
    if (status >= 500) return absl::UnavailableError(what);
    return absl::FailedPreconditionError(what);
  }
  return absl::UnavailableError(
      absl::StrCat("witness ", monitor_.name, ": size keeps changing (409)"));
}

}  // namespace keytrail
