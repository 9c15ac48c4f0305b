#include "monitor/config.h"

#include "absl/strings/str_cat.h"
#include "core/note/ed25519_note.h"
#include "gtest/gtest.h"

namespace keytrail::monitor {
namespace {

std::string Key(const std::string& name) {
  return note::Ed25519NoteSigner::Generate(name).value().VerifierKey();
}

std::string Good(const std::string& key) {
  return "data_dir: \"/tmp/m\"\n"
         "cosigner_key_file: \"/tmp/m/cosigner.key\"\n"
         "grpc_listen: \"127.0.0.1:0\"\n"
         "http_listen: \"127.0.0.1:8081\"\n"
         "logs {\n"
         "  origin: \"example.org/log\"\n"
         "  note_verifier_key: \"" +
         key +
         "\"\n"
         "  grpc_address: \"127.0.0.1:8090\"\n"
         "  max_epoch_age_ms: 60000\n"
         "}\n"
         "peers { name: \"m2\" cosigner_key: \"x\" url: \"http://m2\" }\n";
}

TEST(ConfigTest, ParsesAGoodFile) {
  auto config = ParseMonitorConfig(Good(Key("example.org/log")));
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->logs_size(), 1);
  EXPECT_EQ(config->logs(0).poll_interval_ms(), 1000u);
  EXPECT_EQ(config->logs(0).max_epoch_age_ms(), 60000u);
  EXPECT_EQ(config->http_listen(), "127.0.0.1:8081");
  EXPECT_EQ(config->peers(0).name(), "m2");
}

TEST(ConfigTest, ATilesUrlInsteadOfOrBesidesTheGrpcAddress) {
  std::string tiles_only = Good(Key("example.org/log"));
  tiles_only.replace(tiles_only.find("grpc_address"), std::string("grpc_address").size(),
                     "tiles_url");
  tiles_only.replace(tiles_only.find("127.0.0.1:8090"), 14, "https://cdn.example/log/");
  auto config = ParseMonitorConfig(tiles_only);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->logs(0).tiles_url(), "https://cdn.example/log");  // normalized
  EXPECT_EQ(config->logs(0).grpc_address(), "");
  std::string both = Good(Key("example.org/log"));
  both.insert(both.find("  max_epoch_age_ms"), "  tiles_url: \"http://127.0.0.1:8089\"\n");
  config = ParseMonitorConfig(both);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->logs(0).tiles_url(), "http://127.0.0.1:8089");
  EXPECT_EQ(config->logs(0).grpc_address(), "127.0.0.1:8090");
  for (const char* bad : {"ftp://x/", "http://x/?k=v", "http://x/#f", "127.0.0.1:8089"}) {
    std::string text = Good(Key("example.org/log"));
    text.insert(text.find("  max_epoch_age_ms"), absl::StrCat("  tiles_url: \"", bad, "\"\n"));
    auto c = ParseMonitorConfig(text);
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(c.status().message().find("tiles URL"), std::string::npos) << c.status();
  }
  std::string neither = Good(Key("example.org/log"));
  neither.erase(neither.find("  grpc_address"),
                neither.find("  max_epoch") - neither.find("  grpc_address"));
  EXPECT_EQ(ParseMonitorConfig(neither).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ConfigTest, RejectsBadFiles) {
  const std::string key = Key("example.org/log");
  auto code = [](const std::string& text) { return ParseMonitorConfig(text).status().code(); };
  EXPECT_EQ(code("data_dir: \"x\" nonsense: 1"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code("data_dir: \"x\""), absl::StatusCode::kInvalidArgument);  // no logs
  std::string no_dir = Good(key);
  no_dir.replace(0, no_dir.find('\n') + 1, "");
  EXPECT_EQ(code(no_dir), absl::StatusCode::kInvalidArgument);
  // A key named after another origin.
  EXPECT_EQ(code(Good(Key("other.org/log"))), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Good("not a key")), absl::StatusCode::kInvalidArgument);
  // The same origin twice.
  std::string twice = Good(key);
  twice += twice.substr(twice.find("logs {"), twice.find("peers") - twice.find("logs {"));
  EXPECT_EQ(code(twice), absl::StatusCode::kInvalidArgument);
  // The same peer name twice (issue 18: duplicate metric series).
  std::string peer_twice = Good(key);
  const size_t peer_at = peer_twice.find("peers {");
  ASSERT_NE(peer_at, std::string::npos);
  peer_twice += peer_twice.substr(peer_at);
  EXPECT_EQ(code(peer_twice), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadMonitorConfig("/nonexistent/monitor.textproto").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace keytrail::monitor
