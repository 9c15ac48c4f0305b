#include "monitor/config.h"

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
