// The monitor's status page: the HTML its HTTP port serves at "/"
// (docs/MONITOR.md, "Status page"). Status in, HTML out: one self-contained
// document (inline CSS, no script, no external asset) that refreshes itself
// every 5 seconds. Everything that comes from a log, a peer or the
// configuration is HTML-escaped; evidence links use only the file's base
// name, percent-encoded.
//
// Pure functions of their arguments; thread-safe.
#ifndef KEYTRAIL_MONITOR_STATUS_PAGE_H_
#define KEYTRAIL_MONITOR_STATUS_PAGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "proto/monitor_service.pb.h"

namespace keytrail::monitor {

// A gossip peer as the page shows it.
struct PeerView {
  std::string name;
  std::string url;
  uint64_t checkpoints = 0;                        // verified checkpoints of theirs compared
  absl::Time last_success = absl::InfinitePast();  // InfinitePast: never
  bool failing = false;
  std::string last_error;  // while failing
};

struct StatusPageInput {
  std::string cosigner_name;  // the monitor's cosigner key name (may be empty)
  std::string cosigner_key;   // its vkey (may be empty)
  v1::GetStatusResponse status;
  uint64_t cosignatures_issued = 0;
  std::vector<PeerView> peers;
  absl::Time now;
};

// The page.
std::string RenderStatusPage(const StatusPageInput& input);

// `text` with & < > " ' replaced by entities, and bytes that are not valid
// UTF-8 or are control characters (other than \n and \t) replaced by
// U+FFFD, so the page stays well-formed whatever a log sends.
std::string HtmlEscape(absl::string_view text);

// The name under which the page links an evidence file ("/evidence/<name>"):
// the base name of EvidenceInfo.file.
std::string EvidenceName(absl::string_view file);

// The evidence bytes of the entry in `status` whose EvidenceName is `name`,
// or false. The download route serves only these, never a path from the
// request.
bool FindEvidence(const v1::GetStatusResponse& status, absl::string_view name, std::string* bytes);

}  // namespace keytrail::monitor

#endif  // KEYTRAIL_MONITOR_STATUS_PAGE_H_
