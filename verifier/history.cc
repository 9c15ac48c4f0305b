#include "verifier/history.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/map/proof.h"
#include "core/protocol/chain.h"
#include "core/protocol/limits.h"
#include "verifier/account_proof.h"
#include "verifier/status_util.h"

namespace keytrail {
namespace verifier {
namespace {

// Step 3: cheap checks on the list's shape, before any hashing, so a long
// bogus list costs little.
absl::Status CheckNumbering(
    uint64_t since_version,
    const google::protobuf::RepeatedPtrField<v1::AccountVersion>& versions) {
  if (static_cast<size_t>(versions.size()) > kMaxHistoryVersions) {
    return absl::InvalidArgumentError(absl::StrCat(
        "history: ", versions.size(), " versions; one answer holds at most ", kMaxHistoryVersions));
  }
  for (int i = 0; i < versions.size(); ++i) {
    // Compared by difference: since_version + i could wrap near 2^64.
    const uint64_t got = versions[i].version();
    if (got < since_version || got - since_version != static_cast<uint64_t>(i)) {
      return absl::InvalidArgumentError(
          absl::StrCat("history: version at position ", i, " is ", got, ", want since_version + ",
                       i, " (versions must be consecutive from ", since_version, ")"));
    }
    if (i > 0 && versions[i].epoch() < versions[i - 1].epoch()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "history: version ", got, " has epoch ", versions[i].epoch(), ", before version ",
          versions[i - 1].version(), "'s epoch ", versions[i - 1].epoch()));
    }
    // The log appends versions in order, so their entries' positions grow.
    if (i > 0 && versions[i].log_index() <= versions[i - 1].log_index()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "history: version ", got, " has log_index ", versions[i].log_index(),
          ", not after version ", versions[i - 1].version(), "'s ", versions[i - 1].log_index()));
    }
  }
  return absl::OkStatus();
}

// Step 4: where the chain starts.
absl::StatusOr<Hash> StartHead(uint64_t since_version,
                               const std::optional<Hash>& trusted_previous_head,
                               absl::string_view response_previous_head) {
  Hash given;
  if (!HashFromBytes(response_previous_head, &given)) {
    return absl::InvalidArgumentError(
        absl::StrCat("previous_head: must be 32 bytes, got ", response_previous_head.size()));
  }
  if (since_version == 1) {
    if (trusted_previous_head.has_value() && *trusted_previous_head != GenesisHead()) {
      return absl::InvalidArgumentError(
          "previous_head: the trusted head before version 1 must be the genesis head");
    }
    if (given != GenesisHead()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "previous_head: ", HashHex(given), " given for version 0, want the genesis head"));
    }
    return GenesisHead();
  }
  if (trusted_previous_head.has_value()) {
    if (given != *trusted_previous_head) {
      return absl::InvalidArgumentError(
          absl::StrCat("previous_head: ", HashHex(given), " given for version ", since_version - 1,
                       " differs from the trusted head ", HashHex(*trusted_previous_head)));
    }
    return *trusted_previous_head;
  }
  return given;
}

}  // namespace

absl::StatusOr<VerifiedHistory> VerifyHistory(const LogTrust& trust, absl::string_view account,
                                              uint64_t since_version,
                                              const std::optional<Hash>& trusted_previous_head,
                                              const v1::HistoryResponse& response,
                                              const TrustedCheckpoint& last, uint64_t now_ms,
                                              SignatureCheck signatures,
                                              CheckpointCache* checkpoints) {
  if (since_version == 0) {
    return absl::InvalidArgumentError("since_version: versions start at 1");
  }
  absl::Status s = CheckNumbering(since_version, response.versions());
  if (!s.ok()) return s;

  auto answer = VerifyAccountAnswer(trust, account, response.log(), response.vrf_proof(),
                                    response.map_proof(), last, now_ms, checkpoints);
  if (!answer.ok()) return answer.status();
  VerifiedHistory out;
  out.log = std::move(answer->log);
  out.index = answer->index;
  const map::MapProof* proof = &answer->proof;
  const Hash& map_root = out.log.epoch.map_root;

  auto start = StartHead(since_version, trusted_previous_head, response.previous_head());
  if (!start.ok()) return start.status();
  Hash head = *start;
  out.versions.reserve(response.versions_size());
  for (const v1::AccountVersion& v : response.versions()) {
    auto state =
        VerifyAccountVersion(account, v, head, out.log.epoch.epoch, out.log.checkpoint.size);
    if (!state.ok()) return state.status();
    head = state->head;
    out.versions.push_back(*std::move(state));
  }
  out.head = head;

  if (response.more()) {
    // A partial page: the map proves the current version, past this page.
    if (out.versions.empty()) {
      return absl::InvalidArgumentError(
          "history: a page with more to follow must hold at least one version");
    }
    if (proof->terminal != map::MapProof::Terminal::kLeaf) {
      return absl::InvalidArgumentError(
          "map proof: proves the account absent, but the page says more versions follow");
    }
    out.more = true;
    return out;
  }
  if (!out.versions.empty()) {
    s = VerifyAccountInMap(map_root, out.index, out.versions.back().version, head, *proof);
  } else if (since_version == 1) {
    // Nothing since version 1: the account never had a version.
    s = VerifyAccountAbsent(map_root, out.index, *proof, "the history since version 1 is empty");
  } else {
    // Nothing new: the map still holds since_version - 1 with the start head.
    s = VerifyAccountInMap(map_root, out.index, since_version - 1, head, *proof);
  }
  if (!s.ok()) return s;
  // Last: only key sets the log has proven are worth a signature alert.
  for (AccountState& v : out.versions) {
    s = VerifyAccountVersionSignature(account, v);
    if (!s.ok()) {
      if (signatures == SignatureCheck::kRequire) return s;
      v.signatures = s;
    }
  }
  return out;
}

absl::StatusOr<VerifiedHistory> FollowHistory(const LogTrust& trust, absl::string_view account,
                                              uint64_t since_version,
                                              const std::optional<Hash>& trusted_previous_head,
                                              const HistoryPageFetcher& fetch,
                                              TrustedCheckpoint* last, uint64_t now_ms,
                                              size_t max_versions) {
  std::vector<AccountState> versions;
  std::optional<Hash> previous_head = trusted_previous_head;
  uint64_t since = since_version;
  for (;;) {
    auto page = fetch(since, *last);
    if (!page.ok()) return page.status();
    auto verified = VerifyHistory(trust, account, since, previous_head, *page, *last, now_ms);
    if (!verified.ok()) {
      return absl::Status(verified.status().code(), absl::StrCat("page since version ", since, ": ",
                                                                 verified.status().message()));
    }
    *last = verified->log.trusted();
    if (versions.size() + verified->versions.size() > max_versions) {
      return absl::OutOfRangeError(absl::StrCat("history: more than ", max_versions,
                                                " versions since version ", since_version));
    }
    const size_t earlier = versions.size();
    for (AccountState& v : verified->versions) versions.push_back(std::move(v));
    if (!verified->more) {
      // The last page's map proof has now proven every earlier page too
      // (each head commits to the one before), so their key set signatures,
      // which VerifyHistory skips on a partial page, are worth checking:
      // the last page's own were checked by VerifyHistory.
      for (size_t i = 0; i < earlier; ++i) {
        absl::Status s = VerifyAccountVersionSignature(account, versions[i]);
        if (!s.ok()) return s;
      }
      verified->versions = std::move(versions);
      return verified;
    }
    // VerifyHistory guarantees a page with `more` holds a version, so this
    // makes progress; the numbering check makes it the next one.
    since = versions.back().version + 1;
    previous_head = verified->head;
  }
}

}  // namespace verifier
}  // namespace keytrail
