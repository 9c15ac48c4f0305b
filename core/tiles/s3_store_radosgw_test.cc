// S3TileStore against a real S3 server: Ceph's radosgw on loopback
// (testing/radosgw.h; skipped where radosgw is not installed). One cluster
// for the whole binary: starting one takes ~20 s.
#include <sys/stat.h>

#include <fstream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "core/tiles/s3_store.h"
#include "gtest/gtest.h"
#include "testing/process.h"
#include "testing/radosgw.h"

namespace keytrail::tiles {
namespace {

using ::keytrail::test::Radosgw;

class S3TileStoreRadosgwTest : public ::keytrail::test::RadosgwTest {
 protected:
  static S3StoreConfig Config(const std::string& prefix, const std::string& secret = "") {
    S3StoreConfig c;
    c.endpoint = gw_->endpoint();
    c.bucket = gw_->bucket();
    c.prefix = prefix;
    c.credentials_file = keytrail::test::TempDir("creds") + "/s3.credentials";
    {
      std::ofstream(c.credentials_file)
          << gw_->access_key() << ":" << (secret.empty() ? gw_->secret_key() : secret) << "\n";
    }
    ::chmod(c.credentials_file.c_str(), 0600);
    return c;
  }
  static std::unique_ptr<S3TileStore> Open(const S3StoreConfig& c) {
    auto store = S3TileStore::Open(c);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }
  // The Cache-Control radosgw returns for an object.
  static std::string CacheControl(const std::string& key) {
    const std::string headers = gw_->dir() + "/headers";
    EXPECT_EQ(*gw_->Curl({"-D", headers}, "/" + gw_->bucket() + "/" + key), 200);
    std::string text = keytrail::test::ReadFile(headers);
    size_t at = text.find("Cache-Control: ");
    if (at == std::string::npos) return "";
    return text.substr(at + 15, text.find('\r', at) - at - 15);
  }
};

TEST_F(S3TileStoreRadosgwTest, CreateOnlyTilesAndOverwrittenCheckpoint) {
  auto store = Open(Config("log-a"));
  ASSERT_TRUE(store);
  const std::string tile(8192, '\x5a');
  absl::Status first = store->Put("tile/0/x001/234", tile, ObjectKind::kImmutable);
  ASSERT_TRUE(first.ok()) << first;
  // Publication retried after a crash: the same bytes again are success.
  EXPECT_TRUE(store->Put("tile/0/x001/234", tile, ObjectKind::kImmutable).ok());
  absl::Status other = store->Put("tile/0/x001/234", "another log's tile", ObjectKind::kImmutable);
  EXPECT_EQ(other.code(), absl::StatusCode::kFailedPrecondition) << other;
  absl::StatusOr<std::string> got = store->Get("tile/0/x001/234");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, tile);
  EXPECT_EQ(CacheControl("log-a/tile/0/x001/234"), "public, max-age=604800, immutable");

  EXPECT_EQ(store->Get("checkpoint").status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(store->Put("checkpoint", "size 1\n", ObjectKind::kMutable).ok());
  ASSERT_TRUE(store->Put("checkpoint", "size 2\n", ObjectKind::kMutable).ok());
  EXPECT_EQ(store->Get("checkpoint").value_or(""), "size 2\n");
  EXPECT_EQ(CacheControl("log-a/checkpoint"), "public, max-age=5");

  // The largest object a log can publish fits.
  const std::string bundle(kMaxObjectBytes, 'b');
  ASSERT_TRUE(store->Put("tile/entries/000", bundle, ObjectKind::kImmutable).ok());
  EXPECT_EQ(store->Get("tile/entries/000").value_or("").size(), kMaxObjectBytes);
}

TEST_F(S3TileStoreRadosgwTest, WrongKeysAndMissingBucket) {
  auto wrong = Open(Config("log-b", "not-the-secret"));
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->Put("checkpoint", "x", ObjectKind::kMutable).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(wrong->Get("checkpoint").status().code(), absl::StatusCode::kPermissionDenied);

  S3StoreConfig c = Config("log-b");
  c.bucket = "no-such-bucket";
  auto missing = Open(c);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->Put("tile/0/000", "x", ObjectKind::kImmutable).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(missing->Get("checkpoint").status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(S3TileStoreRadosgwTest, GatewayOutageIsUnavailableThenHeals) {
  auto store = Open(Config("log-c"));
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Put("tile/0/000", "before", ObjectKind::kImmutable).ok());
  ASSERT_TRUE(gw_->StopGateway().ok());
  absl::Status down = store->Put("tile/0/001", "during", ObjectKind::kImmutable);
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable) << down;
  EXPECT_TRUE(IsRetryable(down));
  EXPECT_EQ(store->Get("tile/0/000").status().code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE(gw_->StartGateway().ok());
  EXPECT_TRUE(store->Put("tile/0/001", "during", ObjectKind::kImmutable).ok());
  EXPECT_EQ(store->Get("tile/0/000").value_or(""), "before");
}

}  // namespace
}  // namespace keytrail::tiles
