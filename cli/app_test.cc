// App (cli/app.h) on damaged or missing directories: every file it reads
// back is checked, and a problem is a clear error, never a crash or a
// silently fresh state. (Pinning and the calls to a log are covered end to
// end by demo_e2e_test.)
#include "cli/app.h"

#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "testing/process.h"

namespace keytrail::cli {
namespace {

using keytrail::test::TempDir;

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string GoodConfigWith(const std::string& field, const std::string& value) {
  nlohmann::json j = {{"server", "127.0.0.1:1"},
                      {"log_note_key", "x"},
                      {"vrf_public_key", "00"},
                      {"commitment_key", "00"},
                      {"monitor_keys", nlohmann::json::array()},
                      {"min_cosignatures", 0},
                      {"max_checkpoint_age_ms", 0}};
  j[field] = nlohmann::json::parse(value);
  return j.dump();
}

TEST(AppTest, NeverPinned) {
  auto app = App::Open(TempDir("app_empty"), absl::Seconds(1));
  EXPECT_EQ(app.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(app.status().message(), "keytrail app pin")) << app.status();
  EXPECT_EQ(App::Open("", absl::Seconds(1)).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(AppTest, DamagedConfig) {
  const std::string dir = TempDir("app_damaged");
  Write(dir + "/app.json", "{\"server\": ");
  auto app = App::Open(dir, absl::Seconds(1));
  EXPECT_EQ(app.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(app.status().message(), "not valid JSON")) << app.status();
  for (const auto& [field, value] :
       std::vector<std::pair<std::string, std::string>>{{"server", "5"},
                                                        {"monitor_keys", "[1]"},
                                                        {"min_cosignatures", "-1"},
                                                        {"max_checkpoint_age_ms", "\"10\""},
                                                        {"vrf_public_key", "\"zz\""}}) {
    Write(dir + "/app.json", GoodConfigWith(field, value));
    app = App::Open(dir, absl::Seconds(1));
    EXPECT_EQ(app.status().code(), absl::StatusCode::kDataLoss) << field << ": " << app.status();
  }
}

TEST(AppTest, MissingStateIsAnErrorNotAFreshStart) {
  // A well-formed config whose policy the verifier refuses, or whose state
  // is gone: either way no Verifier is made up.
  const std::string dir = TempDir("app_no_state");
  Write(dir + "/app.json", GoodConfigWith("server", "\"127.0.0.1:1\""));
  auto app = App::Open(dir, absl::Seconds(1));
  EXPECT_FALSE(app.ok());
  EXPECT_EQ(app.status().code(), absl::StatusCode::kNotFound) << app.status();
}

}  // namespace
}  // namespace keytrail::cli
