#include "cli/output.h"

#include <atomic>
#include <cstdio>

#include "absl/status/status.h"

namespace keytrail::cli {
namespace {
std::atomic<bool> json_output{false};
std::atomic<bool> json_printed{false};
}  // namespace

void SetJsonOutput(bool json) { json_output = json; }
bool JsonOutput() { return json_output; }

void PrintJson(const nlohmann::json& j) {
  std::string text = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
  json_printed = true;
}

bool JsonPrinted() { return json_printed; }

std::string StatusCodeName(absl::StatusCode code) { return absl::StatusCodeToString(code); }

}  // namespace keytrail::cli
