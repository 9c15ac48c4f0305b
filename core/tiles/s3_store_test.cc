// S3TileStore against a fake S3 server built here on the project's HTTP
// server: what it sends (SigV4 authorization, conditional create, caching
// headers, paths), and what it makes of every kind of misbehaving answer.
// s3_store_radosgw_test.cc runs it against a real S3 server.
#include "core/tiles/s3_store.h"

#include <sys/stat.h>

#include <fstream>
#include <map>
#include <mutex>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/http/server.h"
#include "gtest/gtest.h"

namespace keytrail::tiles {
namespace {

constexpr char kAccess[] = "AKIDFAKE";
constexpr char kSecret[] = "fake-secret-never-logged";

// An S3 bucket "tiles" in memory: PUT (honouring If-None-Match: *), GET;
// `answer`, when set, answers instead (to misbehave).
class FakeS3 {
 public:
  FakeS3() {
    server_.HandlePrefix(
        "PUT", "/", [this](const http::ServerRequest& r) { return Serve(r); }, kMaxObjectBytes + 1);
    server_.HandlePrefix("GET", "/", [this](const http::ServerRequest& r) { return Serve(r); });
    EXPECT_TRUE(server_.Start("127.0.0.1", 0).ok());
  }
  std::string endpoint() const { return absl::StrCat("http://127.0.0.1:", server_.port()); }

  struct Object {
    std::string bytes, cache_control, content_type;
  };
  std::mutex mu;
  std::map<std::string, Object> objects;  // by path, "/tiles/..."
  std::vector<http::ServerRequest> requests;
  std::function<std::optional<http::ServerResponse>(const http::ServerRequest&)> answer;

 private:
  static http::ServerResponse Error(int status, const std::string& code) {
    http::ServerResponse out;
    out.status = status;
    out.content_type = "application/xml";
    out.body = absl::StrCat("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>", code,
                            "</Code><Message></Message></Error>");
    return out;
  }
  http::ServerResponse Serve(const http::ServerRequest& r) {
    std::lock_guard<std::mutex> lock(mu);
    requests.push_back(r);
    if (answer) {
      if (std::optional<http::ServerResponse> a = answer(r)) return *a;
    }
    if (!absl::StartsWith(r.path, "/tiles/")) return Error(404, "NoSuchBucket");
    http::ServerResponse out;
    if (r.method == "PUT") {
      if (r.Header("If-None-Match").value_or("") == "*" && objects.count(r.path)) {
        return Error(412, "PreconditionFailed");
      }
      objects[r.path] = {r.body, r.Header("Cache-Control").value_or(""),
                         r.Header("Content-Type").value_or("")};
      return out;
    }
    auto it = objects.find(r.path);
    if (it == objects.end()) return Error(404, "NoSuchKey");
    out.content_type = it->second.content_type;
    out.body = it->second.bytes;
    return out;
  }
  http::Server server_;
};

http::ServerResponse Answer(int status, const std::string& code, std::string body = "") {
  http::ServerResponse out;
  out.status = status;
  out.body = body.empty() && !code.empty() ? absl::StrCat("<Error><Code>", code, "</Code></Error>")
                                           : std::move(body);
  return out;
}

std::string WriteCredentials(const std::string& name, const std::string& text, mode_t mode) {
  std::string path = absl::StrCat(testing::TempDir(), "/", name);
  ::unlink(path.c_str());
  { std::ofstream(path) << text; }
  ::chmod(path.c_str(), mode);
  return path;
}

S3StoreConfig Config(const std::string& endpoint) {
  S3StoreConfig c;
  c.endpoint = endpoint;
  c.bucket = "tiles";
  c.prefix = "logs/one";
  c.credentials_file = WriteCredentials("creds", absl::StrCat(kAccess, ":", kSecret, "\n"), 0600);
  c.timeout = absl::Seconds(5);
  return c;
}

std::unique_ptr<S3TileStore> Open(const S3StoreConfig& c) {
  auto store = S3TileStore::Open(c);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

TEST(S3TileStoreTest, PutsSignedCreateOnlyTilesAndReadsThemBack) {
  FakeS3 s3;
  auto store = Open(Config(s3.endpoint()));
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Put("tile/0/x001/234", "full tile", ObjectKind::kImmutable).ok());
  {
    std::lock_guard<std::mutex> lock(s3.mu);
    ASSERT_EQ(s3.requests.size(), 1u);
    const http::ServerRequest& r = s3.requests[0];
    EXPECT_EQ(r.method, "PUT");
    EXPECT_EQ(r.path, "/tiles/logs/one/tile/0/x001/234");  // path-style, under the prefix
    EXPECT_EQ(r.Header("If-None-Match").value_or(""), "*");
    EXPECT_EQ(r.Header("Cache-Control").value_or(""), "public, max-age=604800, immutable");
    EXPECT_EQ(r.Header("Content-Type").value_or(""), "application/octet-stream");
    std::string auth = r.Header("Authorization").value_or("");
    EXPECT_TRUE(absl::StartsWith(auth, absl::StrCat("AWS4-HMAC-SHA256 Credential=", kAccess, "/")))
        << auth;
    EXPECT_NE(auth.find("/us-east-1/s3/aws4_request"), std::string::npos) << auth;
    EXPECT_EQ(auth.find(kSecret), std::string::npos);
    EXPECT_TRUE(r.Header("x-amz-content-sha256").has_value());
    EXPECT_TRUE(r.Header("x-amz-date").has_value());
  }
  absl::StatusOr<std::string> got = store->Get("tile/0/x001/234");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "full tile");
}

TEST(S3TileStoreTest, MutableObjectsOverwriteWithAShortCache) {
  FakeS3 s3;
  auto store = Open(Config(s3.endpoint()));
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Put("checkpoint", "size 1", ObjectKind::kMutable).ok());
  ASSERT_TRUE(store->Put("checkpoint", "size 2", ObjectKind::kMutable).ok());
  ASSERT_TRUE(store->Put("tile/entries/000.p/7", "partial", ObjectKind::kMutable).ok());
  std::lock_guard<std::mutex> lock(s3.mu);
  const FakeS3::Object& cp = s3.objects["/tiles/logs/one/checkpoint"];
  EXPECT_EQ(cp.bytes, "size 2");
  EXPECT_EQ(cp.cache_control, "public, max-age=5");
  EXPECT_EQ(cp.content_type, "text/plain; charset=utf-8");
  for (const http::ServerRequest& r : s3.requests) EXPECT_FALSE(r.Header("If-None-Match"));
  EXPECT_EQ(s3.objects["/tiles/logs/one/tile/entries/000.p/7"].cache_control, "public, max-age=5");
}

TEST(S3TileStoreTest, PrivateBundlesAreCreateOnlyAndNeverPubliclyCacheable) {
  FakeS3 s3;
  auto store = Open(Config(s3.endpoint()));
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Put("private/epoch/007/0", "sealed", ObjectKind::kImmutable).ok());
  std::lock_guard<std::mutex> lock(s3.mu);
  EXPECT_EQ(s3.objects["/tiles/logs/one/private/epoch/007/0"].cache_control, "private, no-store");
  ASSERT_FALSE(s3.requests.empty());
  EXPECT_EQ(s3.requests.back().Header("If-None-Match").value_or(""), "*");
}

TEST(S3TileStoreTest, AnExistingImmutableObjectIsSuccessOnlyWhenIdentical) {
  FakeS3 s3;
  auto store = Open(Config(s3.endpoint()));
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Put("tile/1/000", "ours", ObjectKind::kImmutable).ok());
  // A retry after a crash: 412, read back, identical.
  EXPECT_TRUE(store->Put("tile/1/000", "ours", ObjectKind::kImmutable).ok());
  absl::Status different = store->Put("tile/1/000", "theirs", ObjectKind::kImmutable);
  EXPECT_EQ(different.code(), absl::StatusCode::kFailedPrecondition) << different;
  EXPECT_FALSE(IsRetryable(different));
  std::lock_guard<std::mutex> lock(s3.mu);
  EXPECT_EQ(s3.objects["/tiles/logs/one/tile/1/000"].bytes, "ours");  // never overwritten
}

TEST(S3TileStoreTest, NoPrefixPutsObjectsAtTheBucketRoot) {
  FakeS3 s3;
  S3StoreConfig c = Config(s3.endpoint() + "/");
  c.prefix = "";
  auto store = Open(c);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Put("checkpoint", "cp", ObjectKind::kMutable).ok());
  std::lock_guard<std::mutex> lock(s3.mu);
  EXPECT_EQ(s3.requests.at(0).path, "/tiles/checkpoint");
  EXPECT_EQ(store->Describe(), absl::StrCat("s3 ", s3.endpoint(), "/tiles"));
}

TEST(S3TileStoreTest, AbsentObjectsAndBuckets) {
  FakeS3 s3;
  auto store = Open(Config(s3.endpoint()));
  ASSERT_TRUE(store);
  EXPECT_EQ(store->Get("checkpoint").status().code(), absl::StatusCode::kNotFound);
  S3StoreConfig c = Config(s3.endpoint());
  c.bucket = "no-such-bucket";
  auto wrong = Open(c);
  ASSERT_TRUE(wrong);
  // Not NotFound: a missing bucket must not read as "nothing published yet".
  absl::StatusOr<std::string> got = wrong->Get("checkpoint");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnavailable) << got.status();
  EXPECT_NE(got.status().message().find("no-such-bucket"), std::string::npos);
  EXPECT_EQ(wrong->Put("tile/0/000", "x", ObjectKind::kImmutable).code(),
            absl::StatusCode::kUnavailable);
}

TEST(S3TileStoreTest, MapsEveryKindOfRefusal) {
  struct Case {
    http::ServerResponse answer;
    absl::StatusCode want;
  };
  const std::vector<Case> cases = {
      {Answer(500, "InternalError"), absl::StatusCode::kUnavailable},
      {Answer(502, ""), absl::StatusCode::kUnavailable},
      {Answer(503, "SlowDown"), absl::StatusCode::kUnavailable},
      {Answer(409, "ConditionalRequestConflict"), absl::StatusCode::kUnavailable},
      {Answer(429, ""), absl::StatusCode::kUnavailable},
      {Answer(400, "RequestTimeout"), absl::StatusCode::kUnavailable},
      {Answer(507, "InsufficientStorage"), absl::StatusCode::kResourceExhausted},
      {Answer(403, "QuotaExceeded"), absl::StatusCode::kResourceExhausted},  // radosgw's
      {Answer(403, "AccessDenied"), absl::StatusCode::kPermissionDenied},
      {Answer(403, "SignatureDoesNotMatch"), absl::StatusCode::kPermissionDenied},
      {Answer(403, "RequestTimeTooSkewed"), absl::StatusCode::kPermissionDenied},
      {Answer(400, "InvalidArgument"), absl::StatusCode::kFailedPrecondition},
      {Answer(400, "", "not xml at all <Code>"), absl::StatusCode::kFailedPrecondition},
  };
  FakeS3 s3;
  auto store = Open(Config(s3.endpoint()));
  ASSERT_TRUE(store);
  for (const Case& c : cases) {
    {
      std::lock_guard<std::mutex> lock(s3.mu);
      s3.answer = [&c](const http::ServerRequest&) { return c.answer; };
    }
    for (ObjectKind kind : {ObjectKind::kImmutable, ObjectKind::kMutable}) {
      absl::Status put = store->Put("tile/0/000", "x", kind);
      EXPECT_EQ(put.code(), c.want) << c.answer.status << " " << c.answer.body << ": " << put;
      EXPECT_EQ(put.message().find(kSecret), std::string::npos);
    }
    absl::Status get = store->Get("tile/0/000").status();
    EXPECT_EQ(get.code(), c.want) << c.answer.status << ": " << get;
  }
}

TEST(S3TileStoreTest, AStoreWithoutConditionalCreateIsRefused) {
  FakeS3 s3;
  s3.answer = [](const http::ServerRequest& r) -> std::optional<http::ServerResponse> {
    if (r.Header("If-None-Match")) return Answer(501, "NotImplemented");  // Swift's s3api
    return std::nullopt;
  };
  auto store = Open(Config(s3.endpoint()));
  ASSERT_TRUE(store);
  absl::Status s = store->Put("tile/0/000", "x", ObjectKind::kImmutable);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("conditional create"), std::string::npos) << s;
}

TEST(S3TileStoreTest, A412WhoseObjectCannotBeReadBackIsNotSuccess) {
  FakeS3 s3;
  s3.answer = [](const http::ServerRequest& r) -> std::optional<http::ServerResponse> {
    if (r.method == "PUT") return Answer(412, "PreconditionFailed");
    return Answer(503, "ServiceUnavailable");
  };
  auto store = Open(Config(s3.endpoint()));
  ASSERT_TRUE(store);
  EXPECT_EQ(store->Put("tile/0/000", "x", ObjectKind::kImmutable).code(),
            absl::StatusCode::kUnavailable);
}

TEST(S3TileStoreTest, UnreachableSlowAndOversized) {
  int port;
  {
    FakeS3 gone;
    port = std::stoi(gone.endpoint().substr(gone.endpoint().rfind(':') + 1));
  }  // stopped: nothing listens on the port now
  auto unreachable = Open(Config(absl::StrCat("http://127.0.0.1:", port)));
  ASSERT_TRUE(unreachable);
  EXPECT_EQ(unreachable->Put("checkpoint", "x", ObjectKind::kMutable).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(unreachable->Get("checkpoint").status().code(), absl::StatusCode::kUnavailable);

  FakeS3 s3;
  S3StoreConfig c = Config(s3.endpoint());
  c.timeout = absl::Milliseconds(300);
  auto store = Open(c);
  ASSERT_TRUE(store);
  s3.answer = [](const http::ServerRequest&) -> std::optional<http::ServerResponse> {
    absl::SleepFor(absl::Seconds(1));
    return std::nullopt;
  };
  EXPECT_EQ(store->Put("checkpoint", "x", ObjectKind::kMutable).code(),
            absl::StatusCode::kDeadlineExceeded);
  {
    std::lock_guard<std::mutex> lock(s3.mu);
    s3.answer = [](const http::ServerRequest&) -> std::optional<http::ServerResponse> {
      return Answer(200, "", std::string(kMaxObjectBytes + 1, 'x'));
    };
  }
  c.timeout = absl::Seconds(10);
  store = Open(c);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->Get("tile/entries/000").status().code(), absl::StatusCode::kDataLoss);
}

TEST(S3TileStoreTest, PathsOutsideTlogTilesAreRefusedBeforeSending) {
  FakeS3 s3;
  auto store = Open(Config(s3.endpoint()));
  ASSERT_TRUE(store);
  for (const char* path : {"", "../x", "tile/0/1", "tile/0/000?x=1", "/checkpoint"}) {
    EXPECT_EQ(store->Put(path, "x", ObjectKind::kMutable).code(),
              absl::StatusCode::kInvalidArgument)
        << path;
    EXPECT_EQ(store->Get(path).status().code(), absl::StatusCode::kInvalidArgument) << path;
  }
  std::lock_guard<std::mutex> lock(s3.mu);
  EXPECT_TRUE(s3.requests.empty());
}

TEST(S3TileStoreTest, OpenChecksTheConfiguration) {
  const S3StoreConfig good = Config("http://127.0.0.1:1");
  ASSERT_TRUE(S3TileStore::Open(good).ok());
  auto with = [&good](std::function<void(S3StoreConfig&)> change) {
    S3StoreConfig c = good;
    change(c);
    return S3TileStore::Open(c).status();
  };
  for (const char* e :
       {"", "127.0.0.1:80", "ftp://host", "http://host/path", "http://u@host", "http://"}) {
    EXPECT_EQ(with([e](S3StoreConfig& c) { c.endpoint = e; }).code(),
              absl::StatusCode::kInvalidArgument)
        << e;
  }
  for (const std::string& b :
       std::vector<std::string>{"", "ab", "Upper", "under_score", "-dash", std::string(64, 'a')}) {
    EXPECT_EQ(with([b](S3StoreConfig& c) { c.bucket = b; }).code(),
              absl::StatusCode::kInvalidArgument)
        << b;
  }
  for (const char* p : {"/a", "a/", "a//b", "a/../b", "a b", "a?b", "%2e"}) {
    EXPECT_EQ(with([p](S3StoreConfig& c) { c.prefix = p; }).code(),
              absl::StatusCode::kInvalidArgument)
        << p;
  }
  EXPECT_EQ(with([](S3StoreConfig& c) { c.credentials_file = ""; }).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(with([](S3StoreConfig& c) { c.credentials_file += ".missing"; }).code(),
            absl::StatusCode::kNotFound);
}

TEST(S3TileStoreTest, RefusesACredentialsFileOthersCanRead) {
  S3StoreConfig c = Config("http://127.0.0.1:1");
  for (mode_t mode : {0640, 0604, 0644}) {
    c.credentials_file = WriteCredentials("open-creds", absl::StrCat(kAccess, ":", kSecret), mode);
    absl::Status s = S3TileStore::Open(c).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << std::oct << mode;
    EXPECT_NE(s.message().find("open-creds"), std::string::npos) << s;
    EXPECT_EQ(s.message().find(kSecret), std::string::npos) << s;
  }
  c.allow_insecure_credentials_file = true;
  EXPECT_TRUE(S3TileStore::Open(c).ok());
}

TEST(S3TileStoreTest, CredentialsFileFormat) {
  auto parse = [](absl::string_view text) { return ParseS3Credentials("f", text); };
  absl::StatusOr<S3Credentials> ok = parse("AK:SK/with+chars=\n");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->access_key, "AK");
  EXPECT_EQ(ok->secret_key, "SK/with+chars=");
  for (absl::string_view bad : std::vector<absl::string_view>{
           "", "\n", "AK", "AK:", ":SK", "AK:SK:X", "AK :SK", "AK:S K", "AK:SK\r\n", "AK:SK\n\n",
           "AK:SK\nAK2:SK2", absl::string_view("AK:S\0K", 6), "AK:SK\x7f"}) {
    absl::StatusOr<S3Credentials> got = parse(bad);
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    if (bad.size() > 3) {
      EXPECT_EQ(got.status().message().find(bad.substr(3)), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace keytrail::tiles
