#include "monitor/config.h"

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "core/note/ed25519_note.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "monitor/tiles_url.h"

namespace keytrail::monitor {
namespace {

class Collector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (first.empty())
      first = absl::StrCat("line ", line + 1, ", column ", column + 1, ": ", message);
  }
  std::string first;
};

absl::Status Bad(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("monitor config: ", why));
}

}  // namespace

absl::StatusOr<v1::MonitorConfig> ParseMonitorConfig(const std::string& text) {
  v1::MonitorConfig config;
  google::protobuf::TextFormat::Parser parser;
  Collector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, &config)) return Bad(errors.first);
  if (config.data_dir().empty()) return Bad("data_dir is required");
  if (config.logs().empty()) return Bad("no logs to follow");
  std::set<std::string> origins;
  for (v1::FollowedLog& log : *config.mutable_logs()) {
    if (log.origin().empty()) return Bad("a log without an origin");
    if (!origins.insert(log.origin()).second)
      return Bad(absl::StrCat("origin ", log.origin(), " twice"));
    auto key = note::ParseVerifierKey(log.note_verifier_key());
    if (!key.ok()) return Bad(absl::StrCat("log ", log.origin(), ": ", key.status().message()));
    if (key->name() != log.origin()) {
      return Bad(absl::StrCat("log ", log.origin(), ": note key is named \"", key->name(),
                              "\", not after the origin"));
    }
    if (log.note_verifier_key().size() > 1024)
      return Bad(absl::StrCat("log ", log.origin(), ": note key too long"));
    if (log.grpc_address().empty() && log.tiles_url().empty())
      return Bad(absl::StrCat("log ", log.origin(), ": no grpc_address and no tiles_url"));
    if (!log.tiles_url().empty()) {
      auto url = NormalizeTilesUrl(log.tiles_url());
      if (!url.ok()) return Bad(absl::StrCat("log ", log.origin(), ": ", url.status().message()));
      log.set_tiles_url(*url);
    }
    if (log.poll_interval_ms() == 0) log.set_poll_interval_ms(1000);
  }
  std::set<std::string> peer_names;
  for (const v1::Peer& peer : config.peers()) {
    if (peer.name().empty() || peer.url().empty()) return Bad("a peer needs a name and a url");
    // Two with one name would print one metric series twice.
    if (!peer_names.insert(peer.name()).second) {
      return Bad(absl::StrCat("peer name \"", peer.name(), "\" twice"));
    }
  }
  return config;
}

absl::StatusOr<v1::MonitorConfig> LoadMonitorConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("can't read monitor config ", path));
  std::stringstream text;
  text << in.rdbuf();
  return ParseMonitorConfig(text.str());
}

}  // namespace keytrail::monitor
