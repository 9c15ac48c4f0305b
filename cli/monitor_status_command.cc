#include "cli/monitor_status_command.h"

#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/output.h"
#include "core/grpc/status_convert.h"
#include "grpcpp/grpcpp.h"
#include "proto/monitor_service.grpc.pb.h"

namespace keytrail::cli {

absl::Status RunMonitorCommand(const std::vector<std::string>& args) {
  constexpr absl::string_view kUsage = "usage: keytrail monitor status --server=HOST:PORT";
  if (args.size() != 2 || args[0] != "status" || !absl::StartsWith(args[1], "--server=")) {
    return absl::InvalidArgumentError(kUsage);
  }
  const std::string server = args[1].substr(9);
  auto stub =
      v1::MonitorService::NewStub(grpc::CreateChannel(server, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::GetStatusRequest req;
  v1::GetStatusResponse resp;
  grpc::Status s = stub->GetStatus(&ctx, req, &resp);
  if (!s.ok()) return FromGrpcStatus(s, "GetStatus");
  if (JsonOutput()) {
    nlohmann::json logs = nlohmann::json::array();
    for (const v1::LogStatus& log : resp.logs()) {
      nlohmann::json evidence = nlohmann::json::array();
      for (const v1::EvidenceInfo& e : log.evidence()) {
        evidence.push_back({{"summary", e.summary()}, {"file", e.file()}});
      }
      logs.push_back({{"origin", log.origin()},
                      {"state", v1::LogStatus::State_Name(log.state())},
                      {"verified_size", log.verified_size()},
                      {"log_size", log.log_size()},
                      {"lag", log.lag()},
                      {"epoch", log.epoch()},
                      {"epoch_timestamp_ms", log.epoch_timestamp_ms()},
                      {"entries_audited", log.entries_audited()},
                      {"entries_per_second", log.entries_per_second()},
                      {"seconds_left", log.seconds_left()},
                      {"last_error", log.last_error()},
                      {"storage_error", log.storage_error()},
                      {"evidence", evidence}});
    }
    nlohmann::json storage = nlohmann::json::array();
    for (const v1::StorageStatus& db : resp.storage()) {
      storage.push_back({{"database", db.database()},
                         {"failing", db.failing()},
                         {"error", db.error()},
                         {"failed_writes", db.failed_writes()}});
    }
    PrintJson({{"serving", resp.serving()}, {"logs", logs}, {"storage", storage}});
    return absl::OkStatus();
  }
  for (const v1::LogStatus& log : resp.logs()) {
    std::printf("%s: %s\n", log.origin().c_str(), v1::LogStatus::State_Name(log.state()).c_str());
    std::printf("  verified size %llu of %llu (lag %llu), epoch %llu at %llu ms\n",
                static_cast<unsigned long long>(log.verified_size()),
                static_cast<unsigned long long>(log.log_size()),
                static_cast<unsigned long long>(log.lag()),
                static_cast<unsigned long long>(log.epoch()),
                static_cast<unsigned long long>(log.epoch_timestamp_ms()));
    std::printf("  entries audited since start: %llu\n",
                static_cast<unsigned long long>(log.entries_audited()));
    if (log.lag() > 0) {
      std::printf("  catching up: %.0f entries/s, about %llu s left\n", log.entries_per_second(),
                  static_cast<unsigned long long>(log.seconds_left()));
    }
    if (!log.last_error().empty()) std::printf("  last error: %s\n", log.last_error().c_str());
    if (!log.storage_error().empty()) {
      std::printf("  storage failing: %s\n", log.storage_error().c_str());
    }
    for (const v1::EvidenceInfo& e : log.evidence()) {
      std::printf("  EVIDENCE: %s\n    file: %s\n", e.summary().c_str(), e.file().c_str());
    }
  }
  std::printf("health: %s\n", resp.serving() ? "SERVING" : "NOT_SERVING");
  for (const v1::StorageStatus& db : resp.storage()) {
    if (db.failing()) {
      std::printf("  %s: FAILING (%llu failed writes): %s\n", db.database().c_str(),
                  static_cast<unsigned long long>(db.failed_writes()), db.error().c_str());
    }
  }
  return absl::OkStatus();
}

}  // namespace keytrail::cli
