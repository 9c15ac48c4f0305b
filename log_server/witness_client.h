// WitnessClient: pushes checkpoints to one monitor's tlog-witness
// add-checkpoint endpoint (c2sp.org/tlog-witness) over HTTP (core/http's
// libcurl client: the whole push within `timeout`, at most 16 KiB of
// response headers and kMaxCosignatureResponse of body) and returns its
// verified cosignature.
//
// It remembers the size the witness last cosigned for this log (learned from
// a 200 or from a 409's text/x.tlog.size body; 0 at first, which the spec
// allows as the way to learn it) and sends the consistency proof from that
// size. On 409 it takes the witness's size from the body and retries once
// more with a proof from there (at most kMaxResyncs times per push).
//
// Push returns:
//   the cosignature (a NoteSignature by the monitor's key, verified over the
//   checkpoint text) on 200;
//   Unavailable for a transport error or timeout, 5xx (503: not audited
//     yet), or a 409 resync that did not settle: retry later;
//   ResourceExhausted for an answer over the header or body caps;
//   FailedPrecondition when the witness refuses for good (403, 404, 422,
//     another 4xx), or holds a size above the checkpoint's (it cosigned a
//     newer checkpoint already): do not retry this checkpoint;
//   InvalidArgument for a malformed answer (bad 409 body, bad signature
//     lines, a cosignature that does not verify);
//   any error of `proof_from`.
// Not thread-safe: one client per worker thread.
#ifndef KEYTRAIL_LOG_SERVER_WITNESS_CLIENT_H_
#define KEYTRAIL_LOG_SERVER_WITNESS_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/crypto/sha256.h"
#include "core/note/cosignature.h"
#include "core/note/note.h"

namespace keytrail {

// One monitor as the log server is configured with it.
struct MonitorEndpoint {
  std::string name;  // a label for logs
  std::string url;   // submission prefix, e.g. "http://127.0.0.1:8091"
  note::CosignatureVerifier key;
};

// Parses one --monitors entry "NAME=URL=VKEY": NAME up to the first '=',
// VKEY after the last '=' (its base64 never holds one; a key name with '='
// is not supported), URL in between ("http://host:port[/prefix]").
// InvalidArgument otherwise.
absl::StatusOr<MonitorEndpoint> ParseMonitorFlag(absl::string_view value);

// The consistency proof from `from` to the checkpoint's size (empty for 0).
using ProofSource = std::function<absl::StatusOr<std::vector<Hash>>(uint64_t from)>;

class WitnessClient {
 public:
  static constexpr int kMaxResyncs = 2;

  WitnessClient(MonitorEndpoint monitor, absl::Duration timeout);
  ~WitnessClient();

  absl::StatusOr<note::NoteSignature> Push(absl::string_view checkpoint_note, uint64_t size,
                                           const ProofSource& proof_from);

  const MonitorEndpoint& monitor() const { return monitor_; }
  // The size the witness last cosigned, as far as this client knows.
  uint64_t witness_size() const { return witness_size_; }

 private:
  MonitorEndpoint monitor_;
  absl::Duration timeout_;
  uint64_t witness_size_ = 0;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_WITNESS_CLIENT_H_
