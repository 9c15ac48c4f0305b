#include "cli/evidence_command.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "cli/output.h"
#include "core/evidence/evidence.h"

namespace keytrail::cli {

absl::Status RunEvidenceCommand(const std::vector<std::string>& args) {
  if (args.size() != 2 || args[0] != "verify") {
    return absl::InvalidArgumentError("usage: keytrail evidence verify FILE");
  }
  std::ifstream in(args[1], std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("can't read ", args[1]));
  std::stringstream bytes;
  bytes << in.rdbuf();
  auto e = evidence::DecodeEvidence(bytes.str());
  if (!e.ok())
    return absl::InvalidArgumentError(absl::StrCat("proves nothing: ", e.status().message()));
  auto finding = evidence::VerifyEvidence(*e);
  if (!finding.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("proves nothing: ", finding.status().message()));
  }
  if (JsonOutput()) {
    PrintJson({{"proven", true},
               {"summary", finding->summary},
               {"origin", finding->origin},
               {"log_key", finding->log_key}});
    return absl::OkStatus();
  }
  std::printf(
      "PROVEN: %s\n"
      "log:     %s\n"
      "log key: %s\n"
      "Everything above was checked against this key alone: it is proof against\n"
      "the log if this is the key you know the log by.\n",
      finding->summary.c_str(), finding->origin.c_str(), finding->log_key.c_str());
  return absl::OkStatus();
}

}  // namespace keytrail::cli
