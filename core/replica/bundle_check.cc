#include "core/replica/bundle_check.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "core/protocol/commitment.h"
#include "core/protocol/key_set.h"

namespace keytrail {
namespace replica {
namespace {

absl::Status Bad(uint64_t log_index, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("private bundle: entry ", log_index, ": ", why));
}

// Fewer proofs than this per thread are not worth starting a thread for.
constexpr size_t kMinProofsPerThread = 32;

// The VRF output (or the verification error) of every proof the parts hold,
// by position among the epoch's `count` updates (nullopt where there is no
// proof); `threads` verify at once. Positions come from where a proof sits
// in `parts`, so they are distinct whatever the parts claim; the caller
// checks the parts' structure as before and only looks results up.
std::vector<std::optional<absl::StatusOr<Hash>>> VerifyProofs(const std::vector<PrivatePart>& parts,
                                                              size_t count,
                                                              const VrfPublicKey& vrf_key,
                                                              size_t threads) {
  std::vector<std::optional<absl::StatusOr<Hash>>> out(count);
  std::vector<size_t> jobs;
  for (size_t p = 0; p < parts.size(); ++p) {
    const size_t n = std::min(parts[p].updates.size(), kPrivatePartUpdates);
    for (size_t i = 0; i < n; ++i) {
      const size_t at = p * kPrivatePartUpdates + i;
      if (at < count && parts[p].updates[i].vrf_proof.has_value()) jobs.push_back(at);
    }
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t j = next.fetch_add(1); j < jobs.size(); j = next.fetch_add(1)) {
      const size_t at = jobs[j];
      const PrivateUpdate& u = parts[at / kPrivatePartUpdates].updates[at % kPrivatePartUpdates];
      out[at] = vrf_key.Verify(u.account, *u.vrf_proof);
    }
  };
  threads = std::max<size_t>(1, std::min(threads, jobs.size() / kMinProofsPerThread));
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (std::thread& t : helpers) t.join();
  return out;
}

}  // namespace

absl::StatusOr<std::vector<CheckedUpdate>> CheckPrivateBundle(
    uint64_t epoch, uint64_t first_log_index, const std::vector<std::string>& entries,
    const std::vector<PrivatePart>& parts, const VrfPublicKey& vrf_key,
    const KnownIndex& known_index, size_t vrf_threads) {
  if (parts.size() != PrivatePartCount(entries.size())) {
    return absl::InvalidArgumentError(absl::StrCat("private bundle of epoch ", epoch, ": ",
                                                   parts.size(), " parts for ", entries.size(),
                                                   " update entries"));
  }
  const std::vector<std::optional<absl::StatusOr<Hash>>> betas =
      VerifyProofs(parts, entries.size(), vrf_key, vrf_threads);
  std::vector<CheckedUpdate> out;
  out.reserve(entries.size());
  // Accounts whose index this epoch fixed or confirmed.
  absl::flat_hash_map<std::string, Hash> indexes;
  for (size_t p = 0; p < parts.size(); ++p) {
    const PrivatePart& part = parts[p];
    const uint64_t first = p * kPrivatePartUpdates;
    const size_t want = std::min<size_t>(kPrivatePartUpdates, entries.size() - first);
    if (part.epoch != epoch || part.part != p || part.first_log_index != first_log_index + first ||
        part.updates.size() != want) {
      return absl::InvalidArgumentError(absl::StrCat(
          "private bundle of epoch ", epoch, ": part ", p, " is epoch ", part.epoch, " part ",
          part.part, " from log index ", part.first_log_index, " with ", part.updates.size(),
          " updates; expected ", want, " from log index ", first_log_index + first));
    }
    for (size_t i = 0; i < want; ++i) {
      const uint64_t log_index = first_log_index + first + i;
      const PrivateUpdate& u = part.updates[i];
      auto entry = DecodeUpdateEntry(entries[first + i]);
      if (!entry.ok()) return Bad(log_index, entry.status().message());
      if (entry->epoch != epoch) return Bad(log_index, "an update entry of another epoch");
      if (auto ks = DecodeKeySet(u.key_set); !ks.ok()) {
        return Bad(log_index, absl::StrCat("key set: ", ks.status().message()));
      }
      if (absl::Status c =
              VerifyCommitment(entry->commitment, u.opening, u.account, entry->version, u.key_set);
          !c.ok()) {
        return Bad(log_index, c.message());
      }
      if (u.vrf_proof.has_value() != (entry->version == 1)) {
        return Bad(log_index, "a VRF proof must come with version 1 and only with it");
      }
      auto seen = indexes.find(u.account);
      if (entry->version == 1) {
        const absl::StatusOr<Hash> beta = betas[first + i].has_value()
                                              ? *betas[first + i]
                                              : vrf_key.Verify(u.account, *u.vrf_proof);
        if (!beta.ok()) return Bad(log_index, absl::StrCat("VRF proof: ", beta.status().message()));
        if (*beta != entry->index) return Bad(log_index, "VRF output is not the entry's index");
        if (seen != indexes.end()) return Bad(log_index, "version 1 of an account seen before");
        indexes.emplace(u.account, entry->index);
      } else if (seen != indexes.end()) {
        if (seen->second != entry->index) return Bad(log_index, "the account has another index");
      } else {
        auto known = known_index(u.account);
        if (!known.ok()) return known.status();
        if (!known->has_value()) return Bad(log_index, "version > 1 of an unknown account");
        if (**known != entry->index) return Bad(log_index, "the account has another index");
        indexes.emplace(u.account, entry->index);
      }
      out.push_back(CheckedUpdate{*entry, u});
    }
  }
  return out;
}

}  // namespace replica
}  // namespace keytrail
