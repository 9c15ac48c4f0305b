// What an app trusts about one keytrail log, and the checkpoint it last
// verified: the inputs every answer is checked against.
//
// LogTrust is pinned by the app (shipped with it, or taken once from a
// trusted configuration). Nothing in an answer can change it: an answer is
// checked against it, never the other way round.
//
// Plain values. LogTrust and TrustedCheckpoint are immutable once built and
// safe to share between threads; every verifier function only reads them.
#ifndef KEYTRAIL_VERIFIER_LOG_TRUST_H_
#define KEYTRAIL_VERIFIER_LOG_TRUST_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/crypto/ecvrf.h"
#include "core/crypto/sha256.h"
#include "core/note/cosignature.h"
#include "core/note/note.h"
#include "core/protocol/limits.h"
#include "proto/keytrail.pb.h"

namespace keytrail {
namespace verifier {

struct LogTrust {
  // The log's checkpoint origin; also the name of its note key.
  std::string origin;
  // Verifies the log's checkpoint signatures. Its name() must equal origin.
  note::Ed25519NoteVerifier log_key;
  // Verifies the VRF proofs that map accounts to map indexes.
  VrfPublicKey vrf_key;
  // The monitors whose cosignatures count toward min_cosignatures. No two
  // may share a name and key hash (OpenNote rejects that; see log_proof.h).
  std::vector<note::CosignatureVerifier> monitors;
  // Policy: at least this many of `monitors` must have cosigned a checkpoint
  // for it to be accepted. 0 accepts a checkpoint signed by the log alone.
  size_t min_cosignatures = 0;
  // Policy: 0 = no freshness check; otherwise the epoch a checkpoint ends
  // on must be at most this old (milliseconds) at the caller's `now`.
  uint64_t max_staleness_ms = 0;

  // The trust a GetLogInfo answer describes: origin, note key and VRF key,
  // with no monitors, min_cosignatures 0 and max_staleness_ms 0 (those are
  // the app's policy, set afterwards). It parses and cross-checks the answer
  // but cannot authenticate it: take `info` from a source the app already
  // trusts, not from the log on first contact.
  // InvalidArgument "log info: ..." when the origin is empty; the note
  // verifier key does not parse or its name differs from the origin; the VRF
  // key is not a valid 33-byte P-256 point; commitment_key differs from
  // CommitmentKey(); or protocol_version is not kProtocolVersion.
  static absl::StatusOr<LogTrust> FromLogInfo(const v1::GetLogInfoResponse& info);
};

// The client's last verified checkpoint, stored between answers so that each
// new checkpoint must extend it. size 0 means none (first contact); root is
// then ignored.
struct TrustedCheckpoint {
  uint64_t size = 0;
  Hash root{};
};

}  // namespace verifier
}  // namespace keytrail

#endif  // KEYTRAIL_VERIFIER_LOG_TRUST_H_
