// Fuzzes the monitor's configuration (monitor/config.h): protobuf text
// format, parsed by protobuf, then validated. The first byte picks the form:
// even, the rest is the config text as an operator writes it; odd, the rest
// is a binary MonitorConfig, printed to text first (so the validation sees
// every shape of message, not only the ones that survive text mutations).
// Properties:
//  - parsing and validation never crash; every refusal is InvalidArgument;
//  - a config that parses and validates prints to text that parses and
//    validates to the same config (the defaults the first parse filled in
//    included), and printing that gives the same text again;
//  - what validates keeps the validator's promises: a data_dir, at least
//    one log, each with an origin, a grpc_address or a tiles_url (one that
//    is already normal: NormalizeTilesUrl gives it back unchanged) and a
//    poll interval, no origin twice, every peer with a name and a URL.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "fuzz/fuzz_check.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "monitor/config.h"
#include "monitor/tiles_url.h"

using namespace keytrail;

namespace {

std::string Print(const v1::MonitorConfig& config) {
  std::string text;
  FUZZ_CHECK(google::protobuf::TextFormat::PrintToString(config, &text));
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 1) {
    v1::MonitorConfig binary;
    if (!binary.ParseFromString(text)) return 0;
    text = Print(binary);
  }
  absl::StatusOr<v1::MonitorConfig> config = monitor::ParseMonitorConfig(text);
  if (!config.ok()) {
    FUZZ_CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  FUZZ_CHECK(!config->data_dir().empty());
  FUZZ_CHECK(config->logs_size() > 0);
  std::set<std::string> origins;
  for (const v1::FollowedLog& log : config->logs()) {
    FUZZ_CHECK(!log.origin().empty());
    FUZZ_CHECK(!log.grpc_address().empty() || !log.tiles_url().empty());
    if (!log.tiles_url().empty()) {
      absl::StatusOr<std::string> url = monitor::NormalizeTilesUrl(log.tiles_url());
      FUZZ_CHECK(url.ok() && *url == log.tiles_url());
    }
    FUZZ_CHECK(log.poll_interval_ms() != 0);
    FUZZ_CHECK(origins.insert(log.origin()).second);
  }
  for (const v1::Peer& peer : config->peers()) {
    FUZZ_CHECK(!peer.name().empty() && !peer.url().empty());
  }

  const std::string printed = Print(*config);
  absl::StatusOr<v1::MonitorConfig> again = monitor::ParseMonitorConfig(printed);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(*config, *again));
  FUZZ_CHECK(Print(*again) == printed);
  return 0;
}
