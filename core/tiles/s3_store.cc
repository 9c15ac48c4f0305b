#include "core/tiles/s3_store.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/keys/key_file.h"
#include "core/tiles/tile_path.h"

namespace keytrail {
namespace tiles {
namespace {

bool IsKeyChar(char c) { return c > ' ' && c < 0x7f && c != ':'; }

bool ValidBucket(absl::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '.' || c == '-')) return false;
  }
  return absl::ascii_isalnum(b.front()) && absl::ascii_isalnum(b.back());
}

bool ValidPrefix(absl::string_view p) {
  if (p.empty()) return true;
  for (absl::string_view segment : absl::StrSplit(p, '/')) {
    if (segment.empty() || segment == "." || segment == "..") return false;
    for (char c : segment) {
      if (!(absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '-')) return false;
    }
  }
  return true;
}

bool ValidEndpoint(absl::string_view e) {
  absl::string_view rest = e;
  if (!absl::ConsumePrefix(&rest, "http://") && !absl::ConsumePrefix(&rest, "https://")) {
    return false;
  }
  if (rest.empty()) return false;
  for (char c : rest) {
    // host, IPv6 literal brackets, port; no path, query, user info.
    if (!(absl::ascii_isalnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']')) {
      return false;
    }
  }
  return true;
}

// The S3 error code of an error response ("<Code>NoSuchKey</Code>"), for
// decisions and messages: at most 64 letters and digits, "" if none. The
// body is only searched, never parsed further.
std::string ErrorCode(const std::string& body) {
  size_t start = body.find("<Code>");
  if (start == std::string::npos) return "";
  start += 6;
  std::string code;
  for (size_t i = start; i < body.size() && code.size() < 64 && absl::ascii_isalnum(body[i]); ++i) {
    code.push_back(body[i]);
  }
  return code;
}

// The status of an S3 answer that is not a success, by tile_store.h's and
// s3_store.h's rules.
absl::Status StatusOf(const http::Response& r, absl::string_view what, const std::string& bucket) {
  const std::string code = ErrorCode(r.body);
  const std::string detail =
      absl::StrCat(what, ": HTTP ", r.status, code.empty() ? "" : absl::StrCat(" ", code));
  if (r.status == 507 || code == "QuotaExceeded" || code == "InsufficientStorage") {
    return absl::ResourceExhaustedError(absl::StrCat(detail, " (store full)"));
  }
  if (r.status >= 500 || r.status == 408 || r.status == 429 || r.status == 409 ||
      code == "SlowDown" || code == "RequestTimeout") {
    return absl::UnavailableError(detail);
  }
  if (r.status == 401 || r.status == 403) return absl::PermissionDeniedError(detail);
  if (r.status == 404 && code == "NoSuchBucket") {
    return absl::UnavailableError(absl::StrCat(detail, " (create bucket ", bucket, ")"));
  }
  if (r.status == 404) return absl::NotFoundError(detail);
  return absl::FailedPreconditionError(detail);
}

}  // namespace

absl::StatusOr<S3Credentials> ParseS3Credentials(const std::string& path,
                                                 absl::string_view contents) {
  absl::StatusOr<std::string> line = KeyFileLine(path, contents);
  if (!line.ok()) return line.status();
  std::vector<absl::string_view> fields = absl::StrSplit(*line, ':');
  auto valid = [](absl::string_view f) {
    if (f.empty()) return false;
    for (char c : f) {
      if (!IsKeyChar(c)) return false;
    }
    return true;
  };
  if (fields.size() != 2 || !valid(fields[0]) || !valid(fields[1])) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not one line ACCESS_KEY_ID:SECRET_ACCESS_KEY"));
  }
  return S3Credentials{std::string(fields[0]), std::string(fields[1])};
}

absl::StatusOr<std::unique_ptr<S3TileStore>> S3TileStore::Open(const S3StoreConfig& config) {
  S3StoreConfig c = config;
  while (absl::EndsWith(c.endpoint, "/")) c.endpoint.pop_back();
  if (!ValidEndpoint(c.endpoint)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "S3 endpoint \"", c.endpoint, "\": want http(s)://host[:port] without a path"));
  }
  if (!ValidBucket(c.bucket)) {
    return absl::InvalidArgumentError(
        absl::StrCat("S3 bucket \"", c.bucket, "\": want 3-63 of a-z 0-9 . -"));
  }
  if (!ValidPrefix(c.prefix)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "S3 prefix \"", c.prefix, "\": want segments of A-Z a-z 0-9 . _ - joined by '/'"));
  }
  if (c.region.empty() || !std::all_of(c.region.begin(), c.region.end(), [](char ch) {
        return absl::ascii_isalnum(ch) || ch == '-';
      })) {
    return absl::InvalidArgumentError(absl::StrCat("S3 region \"", c.region, "\""));
  }
  if (c.credentials_file.empty()) {
    return absl::InvalidArgumentError("S3 credentials file: none given");
  }
  if (absl::Status s = CheckSecretFileMode(c.credentials_file, c.allow_insecure_credentials_file);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<std::string> contents = ReadKeyFile(c.credentials_file);
  if (!contents.ok()) return contents.status();
  absl::StatusOr<S3Credentials> credentials = ParseS3Credentials(c.credentials_file, *contents);
  if (!credentials.ok()) return credentials.status();
  return std::unique_ptr<S3TileStore>(new S3TileStore(std::move(c), *std::move(credentials)));
}

std::string S3TileStore::Describe() const {
  return absl::StrCat("s3 ", config_.endpoint, "/", config_.bucket,
                      config_.prefix.empty() ? "" : "/", config_.prefix);
}

std::string S3TileStore::Url(absl::string_view path) const {
  // Tile paths and the prefix hold only unreserved characters and '/':
  // nothing to percent-encode.
  return absl::StrCat(config_.endpoint, "/", config_.bucket, "/", config_.prefix,
                      config_.prefix.empty() ? "" : "/", path);
}

http::Request S3TileStore::NewRequest(const std::string& method, absl::string_view path) const {
  http::Request r;
  r.method = method;
  r.url = Url(path);
  r.timeout = config_.timeout;
  r.sigv4 = http::SigV4{absl::StrCat("aws:amz:", config_.region, ":s3"), credentials_.access_key,
                        credentials_.secret_key};
  return r;
}

absl::Status S3TileStore::Put(absl::string_view path, absl::string_view bytes, ObjectKind kind) {
  absl::StatusOr<ObjectId> id = ParseObjectPath(path);
  if (!id.ok()) return id.status();
  http::Request r = NewRequest("PUT", path);
  r.body = std::string(bytes);
  r.content_type = path == "checkpoint" ? kCheckpointContentType : kTileContentType;
  const bool immutable = kind == ObjectKind::kImmutable;
  const char* cache_control = immutable ? kImmutableCacheControl : kMutableCacheControl;
  if (id->type == ObjectType::kPrivateBundle) cache_control = kPrivateCacheControl;
  r.headers.emplace_back("Cache-Control", cache_control);
  if (immutable) r.headers.emplace_back("If-None-Match", "*");
  // An answer to a PUT is a short XML error at most.
  r.max_response_body_bytes = 64 * 1024;
  const std::string what = absl::StrCat("S3 PUT ", path);
  absl::StatusOr<http::Response> response = http::Fetch(r);
  if (!response.ok()) {
    if (absl::IsResourceExhausted(response.status())) {
      return absl::UnavailableError(absl::StrCat(what, ": oversized answer"));
    }
    return absl::Status(response.status().code(),
                        absl::StrCat(what, ": ", response.status().message()));
  }
  if (response->status >= 200 && response->status < 300) return absl::OkStatus();
  if (immutable && response->status == 412) {
    absl::StatusOr<std::string> existing = Get(path);
    if (!existing.ok()) return existing.status();
    if (*existing == bytes) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat(what, ": the store holds a different object at this path (", existing->size(),
                     " bytes, ours ", bytes.size(), "); immutable objects are never overwritten"));
  }
  if (immutable && response->status == 501) {
    return absl::FailedPreconditionError(absl::StrCat(
        what, ": HTTP 501: the store does not support conditional create (If-None-Match: *)"));
  }
  return StatusOf(*response, what, config_.bucket);
}

absl::StatusOr<std::string> S3TileStore::Get(absl::string_view path) {
  if (absl::StatusOr<ObjectId> id = ParseObjectPath(path); !id.ok()) return id.status();
  http::Request r = NewRequest("GET", path);
  r.max_response_body_bytes = kMaxObjectBytes;
  const std::string what = absl::StrCat("S3 GET ", path);
  absl::StatusOr<http::Response> response = http::Fetch(r);
  if (!response.ok()) {
    if (absl::IsResourceExhausted(response.status())) {
      return absl::DataLossError(
          absl::StrCat(what, ": larger than any tlog-tiles object (", kMaxObjectBytes, " bytes)"));
    }
    return absl::Status(response.status().code(),
                        absl::StrCat(what, ": ", response.status().message()));
  }
  if (response->status == 200) return std::move(response->body);
  return StatusOf(*response, what, config_.bucket);
}

}  // namespace tiles
}  // namespace keytrail
